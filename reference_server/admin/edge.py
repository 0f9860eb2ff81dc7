"""The admin API's HTTP edge: admin-token auth, JSON bodies and query parameters, errors.

Every admin route takes the admin token (``Authorization: Bearer <admin token>``) and nothing
else: an app's token is refused here, as the admin token is refused on the SCIM endpoints.
Refusals leave in the RFC 7644 §3.12 body, like the SCIM endpoints' own; successes are plain
JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.http import auth
from scim_harness.reference_server.http.edge import (
    dumps,
    error_response,
    internal_error_response,
    parse_json,
    read_body,
)
from scim_harness.reference_server.http.pipeline import Server, public_base_url
from scim_harness.reference_server.protocol.errors import (
    InvalidValue,
    NotFound,
    ScimError,
    Unauthorized,
)
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.store.sqlite import AppRow
from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "AdminCall",
    "AdminHandler",
    "admin_endpoint",
    "check_params",
    "int_param",
    "json_response",
    "only_members",
]

log = logging.getLogger("scim_harness.server")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status, headers=headers, media_type="application/json")


@dataclass
class AdminCall:
    """One admin request: the request, the server, and the body (already read)."""

    request: Request
    server: Server
    body: bytes = b""

    def json_object(self, *, optional: bool = False) -> dict[str, Any]:
        """The body as a JSON object (400 otherwise); ``{}`` for an absent optional body."""
        if optional and not self.body.strip():
            return {}
        data = parse_json(self.request.headers.get("content-type"), self.body, Findings())
        if not isinstance(data, dict):
            msg = "the request body must be a JSON object"
            raise InvalidValue(msg)
        return data

    def app(self) -> AppRow:
        """The app named in the path (404 when there is none)."""
        name = self.request.path_params["app"]
        row = self.server.store.get_app(name)
        if row is None:
            msg = f"no app named {name!r}"
            raise NotFound(msg)
        return row

    def scim_base_url(self, name: str) -> str:
        base = public_base_url(self.server.settings, self.request.scope)
        return f"{base}/apps/{name}/scim/v2"


AdminHandler = Callable[[AdminCall], Response]


def admin_endpoint(handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap an admin handler: admin token, body, and every refusal as an RFC 7644 §3.12 body."""

    async def endpoint(request: Request) -> Response:
        server: Server = request.app.state.server
        try:
            authorization = auth.single_authorization(request.headers.getlist("authorization"))
            token = auth.bearer_token(authorization)
            if not auth.admin_token_matches(server.store, token):
                # RFC 6750 §3.1: an app's token (or any other) is no admin token.
                msg = "the admin API needs the admin token: 'Authorization: Bearer <admin token>'"
                raise Unauthorized(msg)
            call = AdminCall(request, server)
            if request.method in ("POST", "PUT", "PATCH"):
                settings = server.settings
                call.body = await read_body(request, settings.max_body_bytes, settings.body_timeout)
            return handler(call)
        except ScimError as error:
            return error_response(error)
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return internal_error_response()

    return endpoint


def only_members(data: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    """Refuse members of a JSON body the route does not know."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        msg = f"unknown member(s) {', '.join(map(repr, unknown))} in {what}; known: "
        raise InvalidValue(msg + ", ".join(allowed))


def check_params(call: AdminCall, allowed: tuple[str, ...]) -> None:
    """Refuse query parameters the route does not know (a typo must not go unnoticed)."""
    unknown = sorted(set(call.request.query_params) - set(allowed))
    if unknown:
        msg = f"unknown query parameter(s) {', '.join(map(repr, unknown))}; known: "
        raise InvalidValue(msg + ", ".join(allowed))


_MAX_INT_PARAM = 2**62
"""Integer parameters are clamped to this: beyond any row count, and within SQLite's range."""


def int_param(call: AdminCall, name: str, default: int) -> int:
    """An integer query parameter (400 when it is not one), clamped to +/- 2^62."""
    text = call.request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text) if len(text) <= 40 else None
    except ValueError:
        value = None
    if value is None:
        msg = f"{name} must be an integer (at most 40 digits), not {text[:40]!r}"
        raise InvalidValue(msg)
    return max(-_MAX_INT_PARAM, min(value, _MAX_INT_PARAM))
