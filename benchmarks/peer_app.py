"""The peer: scim2-server's own ASGI application on its in-memory storage, behind a bearer token.

scim2-server (installed by the ``bench`` extra) ships no file-backed storage: its only backend is
``InMemoryStorage``, served asynchronously through ``AsyncInMemoryStorage``. We serve it exactly
as its documentation builds its test server (default RFC 7643 schemas, resource types and service
provider configuration), but with ``ASGIApplication`` so uvicorn (httptools + uvloop) runs it like
ours. The bearer token comes from ``BENCH_PEER_TOKEN``.
"""

from __future__ import annotations

import os

from scim2_models import ScimProvider, UnauthorizedException
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage
from scim2_server.requests import ScimRequest
from scim2_server.service import ScimService
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

__all__ = ["app"]


class _BearerApplication(ASGIApplication):
    """Refuses requests without the configured bearer token, as ours does."""

    def __init__(self, token: str) -> None:
        provider = ScimProvider.from_discovery(
            load_default_schemas().values(),
            load_default_resource_types().values(),
            config=load_default_service_provider_config(),
        )
        super().__init__(
            AsyncInMemoryStorage(), provider, ScimService(provider, secret="bench-secret")
        )
        self._token = token

    def check_auth(self, request: ScimRequest) -> None:
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token != self._token:
            raise UnauthorizedException


app = _BearerApplication(os.environ.get("BENCH_PEER_TOKEN", "bench-peer-token"))
