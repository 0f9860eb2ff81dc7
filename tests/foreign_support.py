"""scim2-server, a SCIM server nobody here wrote, as a target for the server suite.

scim2-server (python-scim) ships the SCIM protocol on a storage of your choice and leaves
authentication to the deployment. It is deployed here as its documentation builds a server
(the RFC 7643 default schemas, resource types and ServiceProviderConfig, in-memory storage),
behind what every deployment adds: a bearer-token gate answering RFC 6750 §3 401s, and an
``authenticationSchemes`` entry saying so (RFC 7643 §5 makes it REQUIRED and only the
deployment knows it). Everything the suite judges past that gate is scim2-server's own.
"""

from __future__ import annotations

import json
from typing import Any

from scim2_models import AuthenticationScheme, ScimProvider
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage
from scim2_server.service import ScimService
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["BASE_PATH", "BearerGate", "scim2_server_app"]

BASE_PATH = "/v2"
"""scim2-server serves its endpoints (and builds meta.location) under /v2."""


class BearerGate:
    """Lets through only requests bearing ``token``; others get a SCIM 401 with a challenge."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._authorized(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "401",
                "detail": "a valid bearer token is required",
            }
        ).encode()
        headers = [
            (b"content-type", b"application/scim+json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Bearer realm="scim2-server"'),
        ]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _authorized(self, scope: Scope) -> bool:
        values = [v for k, v in scope["headers"] if k.lower() == b"authorization"]
        return values == [self.expected]


def scim2_server_app(token: str) -> Any:
    """scim2-server's ASGI application on fresh in-memory storage, behind the bearer gate."""
    config = load_default_service_provider_config()
    config.authentication_schemes = [
        AuthenticationScheme(
            type="oauthbearertoken",
            name="OAuth Bearer Token",
            description="Authentication with a bearer token (RFC 6750)",
            primary=True,
        )
    ]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(),
        load_default_resource_types().values(),
        config=config,
    )
    app = ASGIApplication(
        AsyncInMemoryStorage(), provider, ScimService(provider, secret="scim-harness-tests")
    )
    return BearerGate(app, token)
