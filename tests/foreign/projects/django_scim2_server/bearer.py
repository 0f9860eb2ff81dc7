"""The access check django-scim2-server calls on every request (``SCIM2_SERVER_AUTH_CHECK``)."""

from __future__ import annotations

import hmac
import os

from django.http import HttpRequest


def token_matches(request: HttpRequest) -> bool:
    """True when the request carries ``Authorization: Bearer <SCIM_FOREIGN_TOKEN>``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = os.environ["SCIM_FOREIGN_TOKEN"]
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), expected.encode())
