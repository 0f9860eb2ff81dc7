"""The running server's state and the request pipeline every SCIM endpoint goes through.

Pipeline: authenticate the app by its bearer token, read the body within the size limit,
run the handler, turn any refusal into the RFC 7644 §3.12 body, and record the exchange with
its findings in the app's request record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scim_harness.reference_server.http import auth
from scim_harness.reference_server.http.behaviour import Behaviour, enforce_preset
from scim_harness.reference_server.http.edge import (
    SCIM_MEDIA_TYPE,
    internal_error_response,
    parse_json,
    read_body,
    scim_response,
)
from scim_harness.reference_server.protocol import jsonio, masking
from scim_harness.reference_server.protocol.discovery import Features
from scim_harness.reference_server.protocol.errors import (
    InvalidValue,
    NotFound,
    ScimError,
    Unauthorized,
)
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import format_datetime
from scim_harness.reference_server.protocol.strict_json import parse_body
from scim_harness.reference_server.query.cursor import CursorCodec
from scim_harness.reference_server.resources.core import AppContext, Platform, Resources
from scim_harness.reference_server.settings import AppSettings, ServerSettings
from scim_harness.reference_server.store.lru import LruCache
from scim_harness.reference_server.store.sqlite import AppRow, SqliteStore
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

__all__ = ["BodyLimit", "Call", "Server", "public_base_url", "scim_endpoint"]

log = logging.getLogger("scim_harness.server")


@dataclass
class Call:
    """One SCIM request as the handlers see it."""

    request: Request
    app: AppContext
    findings: Findings
    body: bytes = b""
    _json: Any = field(default=None, repr=False)
    _parsed: bool = False
    _secrets: list[str] | None = field(default=None, repr=False)

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

    def scrub(self, text: str) -> str:
        """``text`` without any password value the body carried (for details and findings)."""
        if not self._parsed:
            return text
        if self._secrets is None:
            self._secrets = masking.secret_values(self._json)
        return masking.scrub(text, self._secrets) if self._secrets else text

    def scrubbed(self, body: dict[str, Any]) -> dict[str, Any]:
        """An RFC 7644 §3.12 error body with its ``detail`` scrubbed."""
        detail = body.get("detail")
        if isinstance(detail, str):
            return {**body, "detail": self.scrub(detail)}
        return body

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
        self.behaviour = Behaviour()
        """Per-app throttling and fault state (tests may swap in one with a fake clock)."""
        self._settings: LruCache[str, tuple[AppRow, AppSettings]] = LruCache(1024)
        self.features = Features(
            max_results=settings.max_results,
            # RFC 7644 §3.7 / RFC 7643 §5: /Bulk is served, with the limits it enforces.
            bulk=True,
            max_bulk_operations=settings.max_bulk_operations,
            max_bulk_payload=settings.max_bulk_payload,
            # RFC 7643 §5: a password sent on PUT or PATCH is taken (kept as a hash, never
            # returned), so changePassword is supported - advertising false while accepting
            # it would tell clients the opposite of what happens.
            change_password=True,
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
            self._settings.put(name, cached)
        base = public_base_url(self.settings, request.scope)
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
        query = masking.mask_query(scope["query_string"].decode("latin-1"))
        headers = masking.mask_headers(_headers(scope))
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
            "findings": [{"id": f.id, "detail": call.scrub(f.detail)} for f in call.findings.items],
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


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers by name; a repeated header keeps every value, joined by ", "."""
    headers: dict[str, str] = {}
    for key, value in scope["headers"]:
        name, text = key.decode("latin-1"), value.decode("latin-1")
        headers[name] = f"{headers[name]}, {text}" if name in headers else text
    return headers


def public_base_url(settings: ServerSettings, scope: Scope) -> str:
    """Where clients reach this server: ``--public-url``, else the local socket's address.

    Never the request's ``Host`` header: locations are stored with the resources and served
    to every client afterwards, so one client must not choose another's (host-header
    injection).
    """
    if settings.public_url is not None:
        return settings.public_url
    scheme = scope.get("scheme", "http")
    server = scope.get("server")
    host, port = (server[0], server[1]) if server else ("localhost", None)
    if ":" in host:
        host = f"[{host}]"
    default = 443 if scheme == "https" else 80
    where = host if port in (None, default) else f"{host}:{port}"
    return f"{scheme}://{where}{scope.get('root_path', '')}"


def _recorded_body(call: Call) -> Any:
    if not call.body:
        return None
    if call.parsed:
        return masking.mask_body(call.parsed_json())
    try:
        parsed = parse_body(call.body)
    except ScimError:
        # Not JSON this server accepts: a stand-in unless the text can hold no secret.
        return {"unparsed": masking.mask_unparsed(call.body)}
    return masking.mask_body(parsed)


def _recorded_response(response: Response) -> Any:
    body = bytes(response.body) if response.body else b""
    if not body:
        return None
    if response.media_type == SCIM_MEDIA_TYPE:
        return jsonio.Raw(body)  # our own JSON: embedded as it was sent, not parsed again
    try:
        return jsonio.loads(body)
    except ValueError:
        return {"unparsed": masking.mask_unparsed(body)}


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
            authorization = auth.single_authorization(request.headers.getlist("authorization"))
            token = auth.bearer_token(authorization)
            if auth.app_for_token(server.store, token) != app_name:
                # RFC 6750 §3.1: a token of another app is no token here.
                msg = f"the bearer token is not valid for app {app_name!r}"
                raise Unauthorized(msg)
            if request.method in ("POST", "PUT", "PATCH"):
                limit = server.settings.max_body_bytes
                if body_limit is not None:
                    limit = body_limit(server.settings)
                call.body = await read_body(request, limit, server.settings.body_timeout)
            async with server.behaviour.admit(call) as admission:
                if admission.answer is not None:
                    response = admission.answer  # throttled or failed by the app's plan
                else:
                    enforce_preset(call)
                    response = admission.settle(handler(call))
        except ScimError as error:
            findings.note(
                "REJECTED",
                " ".join(str(p) for p in (error.status, error.scim_type, error.detail) if p),
            )
            body = error.body() if call is None else call.scrubbed(error.body())
            response = scim_response(body, error.status, error.headers)
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
