"""scim2-server as its documentation builds a server, on its in-memory storage, behind a token.

The package's default RFC 7643 schemas, resource types and service provider configuration. The
additions are the deployer's part: the bearer-token check (`SCIM_FOREIGN_TOKEN`) through the
hook the package provides for it, and, because this deployment authenticates, the description of
that scheme in the configuration (RFC 7643 §5 requires ``authenticationSchemes``; the package's
default configuration, made for a server without authentication, has none).
"""

from __future__ import annotations

import hmac
import os

from scim2_models import AuthenticationScheme, ScimProvider, UnauthorizedException
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage
from scim2_server.requests import ScimRequest
from scim2_server.service import ScimService
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)


class BearerApplication(ASGIApplication):
    """The package's ASGI application, refusing requests without the configured token."""

    def __init__(self, token: str) -> None:
        config = load_default_service_provider_config()
        config.authentication_schemes = [
            AuthenticationScheme(
                type="oauthbearertoken",
                name="OAuth Bearer Token",
                description="Authentication with a bearer token",
            )
        ]
        provider = ScimProvider.from_discovery(
            load_default_schemas().values(), load_default_resource_types().values(), config=config
        )
        service = ScimService(provider, secret="foreign-corpus")
        super().__init__(AsyncInMemoryStorage(), provider, service)
        self._token = token

    def check_auth(self, request: ScimRequest) -> None:
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        valid = scheme.lower() == "bearer" and hmac.compare_digest(
            token.encode(), self._token.encode()
        )
        if not valid:
            raise UnauthorizedException


app = BearerApplication(os.environ["SCIM_FOREIGN_TOKEN"])
