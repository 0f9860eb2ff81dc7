"""Bearer-token authentication: what django-scim2 leaves to the project.

A request with ``Authorization: Bearer <SCIM_FOREIGN_TOKEN>`` runs as a service principal that
is not a row of the user table (so it never shows in ``/Users``); any other request is
anonymous, and django-scim2's ``SCIMAuthCheckMiddleware`` answers it 401.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse


class ServicePrincipal:
    """The provisioning client, authenticated by its token."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None


class BearerTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.token = os.environ["SCIM_FOREIGN_TOKEN"]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        valid = scheme.lower() == "bearer" and hmac.compare_digest(
            token.encode(), self.token.encode()
        )
        request.user = ServicePrincipal() if valid else AnonymousUser()
        return self.get_response(request)
