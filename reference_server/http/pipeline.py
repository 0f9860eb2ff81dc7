"""The running server's state and the request pipeline every SCIM endpoint goes through.

Pipeline: authenticate the app by its bearer token, read the body within the size limit,
run the handler, turn any refusal into the RFC 7644 §3.12 body, and record the exchange with
its findings in the app's request record.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from scim_harness.reference_server.http import auth
from scim_harness.reference_server.http.edge import (
    SCIM_MEDIA_TYPE,
    error_response,
    internal_error_response,
    parse_json,
    read_body,
)
from scim_harness.reference_server.protocol import jsonio
from scim_harness.reference_server.protocol.discovery import Features
from scim_harness.reference_server.protocol.errors import (
    InvalidValue,
    NotFound,
    ScimError,
    Unauthorized,
)
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import format_datetime
from scim_harness.reference_server.query.cursor import CursorCodec
from scim_harness.reference_server.resources.core import AppContext, Platform, Resources
from scim_harness.reference_server.settings import AppSettings, ServerSettings
from scim_harness.reference_server.store.sqlite import AppRow, SqliteStore
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

__all__ = ["BodyLimit", "Call", "Server", "scim_endpoint"]

log = logging.getLogger("scim_harness.server")

_MASK = "***"
_SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization", "x-api-key"}
_SECRET_PARAMS = {"access_token"}
_MAX_RECORDED_BODY = 64 * 1024


@dataclass
class Call:
    """One SCIM request as the handlers see it."""

    request: Request
    app: AppContext
    findings: Findings
    body: bytes = b""
    _json: Any = field(default=None, repr=False)
    _parsed: bool = False

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    @property
    def parsed(self) -> bool:
        """Whether the body has been parsed (successfully) already."""
        return self._parsed

    def parsed_json(self) -> Any:
        return self._json

    def json(self) -> Any:
        """The parsed body (415 for an unsupported Content-Type, 400 for malformed JSON)."""
        if not self._parsed:
            self._json = parse_json(
                self.request.headers.get("content-type"), self.body, self.findings
            )
            self._parsed = True
        return self._json

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    @property
    def server(self) -> Server:
        server: Server = self.request.app.state.server
        return server

    def check_params(self, allowed: set[str]) -> None:
        """Query parameters SCIM does not define: tolerated (and recorded) or refused."""
        if not self.request.scope["query_string"]:
            return
        for key in self.query:
            if key.lower() not in allowed:
                self.findings.tolerate(
                    "LENIENT-UNKNOWN-PARAM",
                    f"query parameter {key!r} is not a SCIM parameter",
                    InvalidValue,
                )


class Server:
    """What the endpoints share: the store, the resource semantics and the features."""

    def __init__(
        self, settings: ServerSettings, store: SqliteStore, platform: Platform | None = None
    ) -> None:
        self.settings = settings
        self.store = store
        self.resources = Resources(store, platform)
        self._settings: dict[str, tuple[AppRow, AppSettings]] = {}
        self.features = Features(
            max_results=settings.max_results,
            # RFC 7644 §3.7 / RFC 7643 §5: /Bulk is served, with the limits it enforces.
            bulk=True,
            max_bulk_operations=settings.max_bulk_operations,
            max_bulk_payload=settings.max_bulk_payload,
            cursor_timeout=settings.cursor_timeout,
        )
        self._cursors: CursorCodec | None = None

    @property
    def cursors(self) -> CursorCodec:
        """Issues and verifies RFC 9865 cursors with the database's secret (made on first use)."""
        if self._cursors is None:
            self._cursors = CursorCodec(
                self.store.cursor_secret(), timeout=self.settings.cursor_timeout
            )
        return self._cursors

    @cursors.setter
    def cursors(self, codec: CursorCodec) -> None:
        self._cursors = codec

    def app_context(self, name: str, request: Request) -> AppContext:
        row = self.store.get_app(name)
        if row is None:
            msg = f"no app named {name!r}"
            raise NotFound(msg)
        cached = self._settings.get(name)
        if cached is None or cached[0] is not row:  # the store hands out a new row on change
            cached = (row, AppSettings.from_json(row.settings))
            self._settings[name] = cached
        base = _base_url(request.scope)
        return AppContext(
            name=row.name,
            base_url=f"{base}/apps/{row.name}/scim/v2",
            settings=cached[1],
            mapping=row.mapping,
        )

    def record(self, call: Call, response: Response, at: str, elapsed_ms: float) -> None:
        """Append the exchange, secrets masked, to the app's request record."""
        request = call.request
        scope = request.scope
        # Straight from the ASGI scope: building Starlette URL objects cost more than the rest.
        path: str = scope["path"]
        query = _masked_query(scope["query_string"].decode("latin-1"))
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        for key in _SECRET_HEADERS.intersection(headers):
            headers[key] = _mask_header(headers[key])
        record = {
            "at": at,
            "method": request.method,
            "path": path,
            "query": query,
            "headers": headers,
            "body": _recorded_body(call),
            "status": response.status_code,
            # All of them: a client check needs Retry-After, WWW-Authenticate, ETag...
            "response_headers": {
                k.decode("latin-1"): v.decode("latin-1")
                for k, v in response.raw_headers
                if k != b"set-cookie"
            },
            "response": _recorded_response(response),
            "elapsed_ms": round(elapsed_ms, 3),
            "findings": call.findings.as_json(),
        }
        self.store.record_request(
            call.app.name,
            at,
            request.method,
            path,
            query,
            record,
            [f.id for f in call.findings.items],
            call.app.settings.retention,
        )


def _base_url(scope: Scope) -> str:
    """``scheme://host[:port]`` as the client addressed us (Host header), plus the root path."""
    host = None
    for key, value in scope["headers"]:
        if key == b"host":
            host = value.decode("latin-1")
            break
    if host is None:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"


def _mask_header(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    return f"{scheme} {_MASK}" if rest else _MASK


def _is_password(name: Any) -> bool:
    # "password", or its full URN path (RFC 7644 §3.10), in a key or a PATCH path.
    lowered = name.strip().lower() if isinstance(name, str) else ""
    return lowered == "password" or lowered.endswith(":password")


def _mask_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        # A PATCH operation on path "password" carries the secret in its "value".
        patched = any(k.lower() == "path" and _is_password(v) for k, v in value.items())
        return {
            k: (
                _MASK if _is_password(k) or (patched and k.lower() == "value") else _mask_secrets(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_secrets(v) for v in value]
    return value


def _masked_query(query: str) -> str:
    """The query string with a bearer token sent in it (RFC 6750 §2.3) masked."""
    if "token" not in query.lower():
        return query  # nothing to mask (the common case: no parsing)
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k.lower() in _SECRET_PARAMS for k, _ in pairs):
        return query  # unchanged, so its exact encoding stays on record
    return urlencode([(k, _MASK if k.lower() in _SECRET_PARAMS else v) for k, v in pairs])


def _recorded_body(call: Call) -> Any:
    if not call.body:
        return None
    try:
        parsed = call.parsed_json() if call.parsed else json.loads(call.body)
    except (ValueError, RecursionError):
        text = call.body[:_MAX_RECORDED_BODY].decode("utf-8", "replace")
        return {"unparsed": text}
    return _mask_secrets(parsed)


def _recorded_response(response: Response) -> Any:
    body = bytes(response.body) if response.body else b""
    if not body:
        return None
    if response.media_type == SCIM_MEDIA_TYPE:
        return jsonio.Raw(body)  # our own JSON: embedded as it was sent, not parsed again
    try:
        return json.loads(body)
    except ValueError:
        return {"unparsed": body[:_MAX_RECORDED_BODY].decode("utf-8", "replace")}


Handler = Callable[[Call], Response]
BodyLimit = Callable[[ServerSettings], int]
"""An endpoint's own request body limit in bytes (``/Bulk``: maxPayloadSize)."""


def scim_endpoint(
    handler: Handler, *, body_limit: BodyLimit | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a SCIM handler in the pipeline: auth, body, errors, request record."""

    async def endpoint(request: Request) -> Response:
        server: Server = request.app.state.server
        started = datetime.now(UTC)
        clock = time.perf_counter()
        app_name = request.path_params["app"]
        findings = Findings()
        call: Call | None = None
        try:
            try:
                app = server.app_context(app_name, request)
            except NotFound:
                # No such app: answer as for a bad token, so app names cannot be probed.
                raise Unauthorized(f"the bearer token is not valid for app {app_name!r}") from None
            findings.lenient = app.settings.lenient
            call = Call(request, app, findings)
            token = auth.bearer_token(request.headers.get("authorization"))
            if auth.app_for_token(server.store, token) != app_name:
                # RFC 6750 §3.1: a token of another app is no token here.
                msg = f"the bearer token is not valid for app {app_name!r}"
                raise Unauthorized(msg)
            if request.method in ("POST", "PUT", "PATCH"):
                limit = server.settings.max_body_bytes
                if body_limit is not None:
                    limit = body_limit(server.settings)
                call.body = await read_body(request, limit)
            response = handler(call)
        except ScimError as error:
            findings.note(
                "REJECTED",
                " ".join(str(p) for p in (error.status, error.scim_type, error.detail) if p),
            )
            response = error_response(error)
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            findings.note("REJECTED", "500 internal server error")
            response = internal_error_response()
        if call is not None:
            elapsed = (time.perf_counter() - clock) * 1000
            try:
                server.record(call, response, format_datetime(started), elapsed)
            except Exception:
                log.exception("could not record the request")
        return response

    return endpoint
