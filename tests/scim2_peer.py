"""scim2-server (a SCIM server nobody here wrote) on a real socket, for verdicts on foreign
targets: its own ASGI application on its in-memory storage with its default schemas,
resource types and service provider configuration, behind a bearer token of ours."""

from __future__ import annotations

from typing import Any

from support import LiveServer

__all__ = ["PEER_TOKEN", "scim2_server_app", "scim2_server_live"]

PEER_TOKEN = "scim2-peer-token"


def scim2_server_app(token: str = PEER_TOKEN) -> Any:
    """scim2-server's ASGI application, refusing requests without ``token``."""
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

    class Bearer(ASGIApplication):  # type: ignore[misc]
        def check_auth(self, request: ScimRequest) -> None:
            scheme, _, given = (request.header("Authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or given != token:
                raise UnauthorizedException

    provider = ScimProvider.from_discovery(
        load_default_schemas().values(),
        load_default_resource_types().values(),
        config=load_default_service_provider_config(),
    )
    return Bearer(AsyncInMemoryStorage(), provider, ScimService(provider, secret="peer"))


def scim2_server_live() -> LiveServer:
    """A started-on-enter scim2-server on 127.0.0.1 (a free port), stopped on exit."""
    return LiveServer(scim2_server_app())
