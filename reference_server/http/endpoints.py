"""SCIM endpoint handlers (RFC 7644 §3): each turns a :class:`Call` into a response."""

from __future__ import annotations

from typing import Any

from scim_harness.reference_server.http import paging
from scim_harness.reference_server.http.edge import scim_response
from scim_harness.reference_server.http.pipeline import Call
from scim_harness.reference_server.platform import preset_rules
from scim_harness.reference_server.platform.presets import Preset, load_preset
from scim_harness.reference_server.protocol import discovery, jsonschemas
from scim_harness.reference_server.protocol.errors import (
    Forbidden,
    InvalidValue,
    MethodNotAllowed,
    NotFound,
    NotImplementedByServer,
)
from scim_harness.reference_server.protocol.schema import (
    ResourceType,
    resource_type,
    resource_types,
)
from scim_harness.reference_server.query import filters
from scim_harness.reference_server.query.projection import Projection, parse_projection
from scim_harness.reference_server.resources.core import WriteResult, etag
from scim_harness.reference_server.store.sqlite import Page
from starlette.responses import Response
from starlette.routing import Match

__all__ = [
    "create",
    "delete",
    "get_one",
    "list_resources",
    "me",
    "not_routed",
    "patch_one",
    "replace",
    "resource_type_one",
    "resource_types_list",
    "root_search",
    "schema_one",
    "schemas_list",
    "search",
    "service_provider_config",
]

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
_LIST_PARAMS = {
    "filter",
    "sortby",
    "sortorder",
    "startindex",
    "count",
    "cursor",
    "attributes",
    "excludedattributes",
}
_DEFAULT_PROJECTION = Projection()
_ONE_PARAMS = {"attributes", "excludedattributes"}


def _preset(call: Call) -> Preset | None:
    """The app's target preset: its limits narrow what the server takes and advertises."""
    name = call.app.settings.preset
    return None if name is None else load_preset(name)


def _rtype(call: Call) -> ResourceType:
    name: str = call.request.scope["endpoint_rtype"]
    return resource_type(name)


def _param(params: dict[str, Any], name: str) -> Any:
    lowered = name.lower()
    for key, value in params.items():
        if key.lower() == lowered:
            return value
    return None


_MAX_INDEX = 2**62
"""startIndex/count are clamped to this: past any row count, within SQLite's 64-bit range."""


def _int_param(params: dict[str, Any], name: str) -> int | None:
    """An integer parameter, clamped to +/- ``_MAX_INDEX`` (a JSON 1e300 is an integer too)."""
    value = _param(params, name)
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and len(value) <= 40:
        try:
            number = int(value)
        except ValueError:
            number = None
    if number is None:
        shown = repr(value)
        msg = f"{name} must be an integer, not {shown[:40]}{'...' if len(shown) > 40 else ''}"
        raise InvalidValue(msg)
    return max(-_MAX_INDEX, min(number, _MAX_INDEX))


def _list_param(params: dict[str, Any], name: str) -> list[str] | None:
    value = _param(params, name)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    msg = f"{name} must be a list of attribute paths"
    raise InvalidValue(msg)


def _projection(
    call: Call, rtype: ResourceType, params: dict[str, Any] | None = None
) -> Projection:
    if params is None and not call.request.scope["query_string"]:
        return _DEFAULT_PROJECTION  # nothing asked: nothing to parse
    source: dict[str, Any] = params if params is not None else dict(call.query)
    return parse_projection(
        rtype, _list_param(source, "attributes"), _list_param(source, "excludedAttributes")
    )


def _render(
    call: Call, rtype: ResourceType, resources: list[dict[str, Any]], projection: Projection
) -> list[dict[str, Any]]:
    if rtype.name == "User":
        call.server.resources.with_groups(call.app, resources)
    if projection.is_default:
        return resources
    return [projection.apply(rtype, r) for r in resources]


def _one(
    call: Call, rtype: ResourceType, resource: dict[str, Any], status: int, projection: Projection
) -> Response:
    rendered = _render(call, rtype, [resource], projection)[0]
    headers = {"ETag": resource["meta"]["version"]}
    if status == 201:
        # RFC 7644 §3.3: 201 Created with the resource's URI in Location.
        headers["Location"] = resource["meta"]["location"]
    return scim_response(rendered, status, headers)


# -- lists and search ---------------------------------------------------------------------


def _page(call: Call, rtype: ResourceType, params: dict[str, Any]) -> tuple[Page, int, Projection]:
    server = call.server
    text = _param(params, "filter")
    flt = None
    if text is not None:
        if not isinstance(text, str):
            msg = "filter must be a string"
            raise InvalidValue(msg)
        flt = filters.parse_filter(text, rtype, call.findings)
    sort_by = _param(params, "sortBy")
    sort = filters.parse_attr_path(sort_by, rtype) if isinstance(sort_by, str) and sort_by else None
    order = _param(params, "sortOrder")
    if order is not None and str(order).lower() not in ("ascending", "descending"):
        msg = f"sortOrder must be 'ascending' or 'descending', not {order!r}"
        raise InvalidValue(msg)
    # RFC 7644 §3.4.2.4: startIndex < 1 is 1; a negative count is 0; the server caps count.
    start = max(_int_param(params, "startIndex") or 1, 1)
    requested = _int_param(params, "count")
    limit = preset_rules.max_results(server.settings.max_results, _preset(call))
    count = limit if requested is None else min(max(requested, 0), limit)
    page = server.store.search(
        call.app.name,
        rtype,
        flt,
        sort=sort,
        descending=str(order).lower() == "descending",
        start=start - 1,
        count=count,
        budget=server.settings.query_budget,
    )
    return page, start, _projection(call, rtype, params)


def _list_body(resources: list[dict[str, Any]], total: int, start: int) -> dict[str, Any]:
    # RFC 7644 §3.4.2: ListResponse with totalResults, startIndex and itemsPerPage.
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _cursor_list(
    call: Call, rtypes: list[ResourceType], params: dict[str, Any], *, root: bool = False
) -> Response:
    """A cursor page (RFC 9865): ListResponse with nextCursor/previousCursor, no startIndex."""
    server = call.server
    row = server.store.get_app(call.app.name)
    query = paging.CursorQuery.parse(
        params,
        rtypes,
        app=call.app.name,
        app_created=row.created if row is not None else "",
        root=root,
        max_page_size=server.settings.max_results,
    )
    page = paging.cursor_page(server.store, server.cursors, call.app.name, query)
    resources: list[dict[str, Any]] = []
    for rtype in rtypes:  # rows come grouped by type, in the order of ``rtypes``
        mine = [data for kind, data in page.items if kind is rtype]
        if mine:
            resources.extend(_render(call, rtype, mine, _projection(call, rtype, params)))
    body: dict[str, Any] = {
        "schemas": [LIST_RESPONSE],
        "totalResults": page.total,
        "itemsPerPage": len(resources),
    }
    if page.next_cursor is not None:
        body["nextCursor"] = page.next_cursor
    if page.previous_cursor is not None:
        body["previousCursor"] = page.previous_cursor
    body["Resources"] = resources
    return scim_response(body)


def list_resources(call: Call) -> Response:
    """GET /Users, GET /Groups (RFC 7644 §3.4.2; with ``cursor``, RFC 9865)."""
    call.check_params(_LIST_PARAMS)
    rtype = _rtype(call)
    params = dict(call.query)
    if paging.wants_cursor(params):
        return _cursor_list(call, [rtype], params)
    page, start, projection = _page(call, rtype, params)
    resources = _render(call, rtype, page.resources, projection)
    return scim_response(_list_body(resources, page.total, start))


def _search_params(call: Call) -> dict[str, Any]:
    body = call.json()
    jsonschemas.check("search-request", body)
    return dict(body)


def search(call: Call) -> Response:
    """POST /Users/.search, /Groups/.search (RFC 7644 §3.4.3; with ``cursor``, RFC 9865 §3)."""
    rtype = _rtype(call)
    params = _search_params(call)
    if paging.wants_cursor(params):
        return _cursor_list(call, [rtype], params)
    page, start, projection = _page(call, rtype, params)
    resources = _render(call, rtype, page.resources, projection)
    return scim_response(_list_body(resources, page.total, start))


def root_search(call: Call) -> Response:
    """POST /.search: every resource type at once (RFC 7644 §3.4.3; with ``cursor``, RFC 9865)."""
    params = _search_params(call)
    if paging.wants_cursor(params):
        return _cursor_list(call, list(resource_types().values()), params, root=True)
    start = max(_int_param(params, "startIndex") or 1, 1)
    limit = preset_rules.max_results(call.server.settings.max_results, _preset(call))
    requested = _int_param(params, "count")
    count = limit if requested is None else min(max(requested, 0), limit)
    total = 0
    collected: list[dict[str, Any]] = []
    for rtype in resource_types().values():
        sub = {**params, "startIndex": 1, "count": start - 1 + count}
        page, _, projection = _page(call, rtype, sub)
        total += page.total
        collected.extend(_render(call, rtype, page.resources, projection))
    window = collected[start - 1 : start - 1 + count]
    return scim_response(_list_body(window, total, start))


# -- one resource -------------------------------------------------------------------------


def get_one(call: Call) -> Response:
    """GET /Users/{id} (RFC 7644 §3.4.1), with If-None-Match (§3.14)."""
    call.check_params(_ONE_PARAMS)
    rtype = _rtype(call)
    stored = call.server.resources.get(call.app, rtype, call.request.path_params["id"])
    current = etag(stored.version)
    if_none_match = call.header("if-none-match")
    if if_none_match and (if_none_match.strip() == "*" or current in _tags(if_none_match)):
        # RFC 7644 §3.14 / RFC 7232 §4.1: 304 Not Modified when the version still matches.
        return Response(status_code=304, headers={"ETag": current})
    return _one(call, rtype, stored.data, 200, _projection(call, rtype))


def _tags(header: str) -> set[str]:
    tags = {t.strip() for t in header.split(",")}
    return (
        tags
        | {t.removeprefix("W/") for t in tags}
        | {f"W/{t}" for t in tags if not t.startswith("W/")}
    )


def create(call: Call) -> Response:
    """POST /Users, POST /Groups (RFC 7644 §3.3)."""
    call.check_params(_ONE_PARAMS)
    rtype = _rtype(call)
    result = call.server.resources.create(call.app, rtype, call.json(), call.findings)
    return _one(call, rtype, result.resource, 201, _projection(call, rtype))


def replace(call: Call) -> Response:
    """PUT /Users/{id} (RFC 7644 §3.5.1)."""
    call.check_params(_ONE_PARAMS)
    rtype = _rtype(call)
    result = call.server.resources.replace(
        call.app,
        rtype,
        call.request.path_params["id"],
        call.json(),
        call.findings,
        if_match=call.header("if-match"),
    )
    return _written(call, rtype, result, 200)


def patch_one(call: Call) -> Response:
    """PATCH /Users/{id} (RFC 7644 §3.5.2)."""
    call.check_params(_ONE_PARAMS)
    rtype = _rtype(call)
    result = call.server.resources.patch(
        call.app,
        rtype,
        call.request.path_params["id"],
        call.json(),
        call.findings,
        if_match=call.header("if-match"),
    )
    status = (
        call.app.settings.user_patch_status
        if rtype.name == "User"
        else call.app.settings.group_patch_status
    )
    if result.deleted:
        # The resource no longer exists: nothing to return (RFC 7644 §3.5.2 allows 204).
        return Response(status_code=204)
    if any(k.lower() in _ONE_PARAMS for k in call.query):
        # RFC 7644 §3.5.2: with attributes requested, answer 200 with the resource.
        status = 200
    return _written(call, rtype, result, status)


def _written(call: Call, rtype: ResourceType, result: WriteResult, status: int) -> Response:
    if status == 204:
        return Response(status_code=204, headers={"ETag": result.resource["meta"]["version"]})
    return _one(call, rtype, result.resource, status, _projection(call, rtype))


def delete(call: Call) -> Response:
    """DELETE /Users/{id}: 204, then 404 (RFC 7644 §3.6)."""
    rtype = _rtype(call)
    call.server.resources.delete(
        call.app,
        rtype,
        call.request.path_params["id"],
        call.findings,
        if_match=call.header("if-match"),
    )
    return Response(status_code=204)


def not_routed(call: Call) -> Response:
    """Anything else under an app's base URL: 405 or 404, recorded like every SCIM request.

    A client that sends ``/users`` or ``PUT /Users`` must see its mistake in the record, so
    these answers go through the same pipeline as the real endpoints.
    """
    scope = call.request.scope
    for route in call.request.app.routes:
        match, _ = route.matches(scope)
        if match is Match.PARTIAL:
            msg = f"{call.request.method} is not allowed on {call.request.url.path}"
            raise MethodNotAllowed(msg)
    msg = f"no SCIM endpoint at {call.request.url.path}"
    raise NotFound(msg)


def me(call: Call) -> Response:
    """/Me (RFC 7644 §3.11): this server has no authenticated subject to map it to."""
    msg = "/Me is not supported: app tokens do not identify a user"
    raise NotImplementedByServer(msg)


# -- discovery ----------------------------------------------------------------------------


def service_provider_config(call: Call) -> Response:
    """GET /ServiceProviderConfig (RFC 7644 §4, RFC 7643 §5)."""
    features = preset_rules.features(call.server.features, _preset(call))
    return scim_response(discovery.service_provider_config(features, call.app.base_url))


def _no_query(call: Call) -> None:
    if "filter" in {k.lower() for k in call.query}:
        # RFC 7644 §4: discovery endpoints SHOULD answer 403 to a filter.
        msg = "discovery endpoints do not support filtering"
        raise Forbidden(msg)


def resource_types_list(call: Call) -> Response:
    _no_query(call)
    bodies = [
        discovery.resource_type_representation(n, call.app.base_url) for n in resource_types()
    ]
    return scim_response(discovery.list_response(bodies))


def resource_type_one(call: Call) -> Response:
    name = call.request.path_params["name"]
    for known in resource_types():
        if known.lower() == name.lower():
            return scim_response(discovery.resource_type_representation(known, call.app.base_url))
    msg = f"no resource type {name!r}"
    raise NotFound(msg)


def _schemas(call: Call) -> list[dict[str, Any]]:
    required = call.server.resources.platform.required_paths(call.app)
    return discovery.schema_representations(call.app.base_url, required)


def schemas_list(call: Call) -> Response:
    _no_query(call)
    return scim_response(discovery.list_response(_schemas(call)))


def schema_one(call: Call) -> Response:
    urn = call.request.path_params["urn"]
    for body in _schemas(call):
        if body["id"].lower() == urn.lower():
            return scim_response(body)
    msg = f"no schema {urn!r}"
    raise NotFound(msg)
