"""ASGI entry point for ``serve --workers N``: each worker process opens the same db file."""

from __future__ import annotations

import os

from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.settings import ServerSettings

__all__ = ["app"]

app = create_app(ServerSettings(database=os.environ.get("SCIM_HARNESS_DB", ":memory:")))
