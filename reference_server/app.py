"""``create_app(settings)``: the Starlette application. Routes only; the logic lives elsewhere."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from scim_harness.reference_server.admin.api import admin_routes
from scim_harness.reference_server.console.routes import console_routes
from scim_harness.reference_server.console.runner import ConformanceRunner, discover_runner
from scim_harness.reference_server.http import endpoints
from scim_harness.reference_server.http.edge import error_response, internal_error_response
from scim_harness.reference_server.http.pipeline import BodyLimit, Handler, Server, scim_endpoint
from scim_harness.reference_server.patch import bulk
from scim_harness.reference_server.platform.mapping import PlatformMapping
from scim_harness.reference_server.protocol.errors import MethodNotAllowed, NotFound, ScimError
from scim_harness.reference_server.resources.core import Platform
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from scim_harness import __version__

__all__ = ["create_app"]

log = logging.getLogger("scim_harness.server")

BASE = "/apps/{app}/scim/v2"


def _route(
    path: str,
    handler: Handler,
    methods: list[str],
    rtype: str | None = None,
    *,
    body_limit: BodyLimit | None = None,
) -> Route:
    endpoint = scim_endpoint(handler, body_limit=body_limit)
    if rtype is None:
        return Route(BASE + path, endpoint, methods=methods)

    async def typed(request: Request) -> Response:
        request.scope["endpoint_rtype"] = rtype
        return await endpoint(request)

    return Route(BASE + path, typed, methods=methods)


def _resource_routes(rtype: str, endpoint: str) -> list[BaseRoute]:
    return [
        _route(endpoint, endpoints.list_resources, ["GET"], rtype),
        _route(endpoint, endpoints.create, ["POST"], rtype),
        _route(endpoint + "/.search", endpoints.search, ["POST"], rtype),
        _route(endpoint + "/{id}", endpoints.get_one, ["GET"], rtype),
        _route(endpoint + "/{id}", endpoints.replace, ["PUT"], rtype),
        _route(endpoint + "/{id}", endpoints.patch_one, ["PATCH"], rtype),
        _route(endpoint + "/{id}", endpoints.delete, ["DELETE"], rtype),
    ]


_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def scim_routes() -> list[BaseRoute]:
    """The SCIM endpoints under each app's base URL (RFC 7644 §3.2)."""
    return [
        *_resource_routes("User", "/Users"),
        *_resource_routes("Group", "/Groups"),
        _route("/.search", endpoints.root_search, ["POST"]),
        _route("/Bulk", bulk.bulk, ["POST"], body_limit=bulk.payload_limit),
        _route("/ServiceProviderConfig", endpoints.service_provider_config, ["GET"]),
        _route("/ResourceTypes", endpoints.resource_types_list, ["GET"]),
        _route("/ResourceTypes/{name}", endpoints.resource_type_one, ["GET"]),
        _route("/Schemas", endpoints.schemas_list, ["GET"]),
        _route("/Schemas/{urn}", endpoints.schema_one, ["GET"]),
        _route("/Me", endpoints.me, ["GET", "POST", "PUT", "PATCH", "DELETE"]),
        # Last: whatever else reaches an app's base URL is answered (404/405) and recorded.
        _route("/{rest:path}", endpoints.not_routed, _ALL_METHODS),
        _route("", endpoints.not_routed, _ALL_METHODS),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 as SCIM errors (RFC 7644 §3.12)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    error: ScimError
    if status == 404:
        error = NotFound(f"no endpoint at {request.url.path}")
    elif status == 405:
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    else:
        return internal_error_response()
    response = error_response(error)
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)
    return response


async def _health(request: Request) -> Response:
    """``GET /healthz``: 200 while the server answers and its database reads; 503 otherwise."""
    server: Server = request.app.state.server
    try:
        server.store.get_meta("health")  # one indexed read: the database is there and readable
    except Exception:
        log.exception("health check: the database does not answer")
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "version": __version__})


async def _crash(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return internal_error_response()


def create_app(
    settings: ServerSettings | None = None,
    *,
    store: SqliteStore | None = None,
    platform: Platform | None = None,
    extra_routes: list[BaseRoute] | None = None,
    conformance: ConformanceRunner | None = None,
) -> Starlette:
    """The reference server as an ASGI application.

    ``conformance`` runs the suites from the web console; by default the one the installed
    ``scim_harness.console`` entry point provides (see ``reference_server.console.runner``).
    """
    settings = settings or ServerSettings()
    store = store or SqliteStore(settings.database)
    server = Server(settings, store, platform or PlatformMapping(store))
    handlers: dict[Any, Any] = {HTTPException: _http_error, Exception: _crash}
    routes = [
        Route("/healthz", _health, methods=["GET"]),
        *scim_routes(),
        *admin_routes(),
        *console_routes(),
        *(extra_routes or []),
    ]
    shared = store

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        shared.flush_requests()  # buffered request records are written before exit

    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.state.server = server
    app.state.console_runner = conformance if conformance is not None else discover_runner()
    app.state.console_tasks = set()  # the console's background suite runs
    return app
