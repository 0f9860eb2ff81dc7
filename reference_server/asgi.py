"""ASGI entry point for ``serve --workers N``: each worker process opens the same db file.

``serve`` passes the database in ``SCIM_HARNESS_DB`` and the other server settings it was
given (public URL, time budgets) as JSON in ``SCIM_HARNESS_SETTINGS``.
"""

from __future__ import annotations

import json
import os

from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.settings import ServerSettings

__all__ = ["app"]

app = create_app(
    ServerSettings(
        database=os.environ.get("SCIM_HARNESS_DB", ":memory:"),
        **json.loads(os.environ.get("SCIM_HARNESS_SETTINGS", "{}")),
    )
)
