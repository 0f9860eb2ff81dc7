"""Server checks: attributes/excludedAttributes (RFC 7644 §3.4.2.5, §3.9) and /.search (§3.4.3)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.context import Reply, ServerContext, ensure, expect_status
from scim_harness.conformance.server.values import lower_keys

__all__: list[str] = []

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
_PROJECTION = "RFC 7644 §3.4.2.5, §3.9"


def _keys(resource: dict[str, Any]) -> set[str]:
    return set(lower_keys(resource))


def _all_resources(reply: Reply, action: str) -> list[dict[str, Any]]:
    resources = reply.resources()
    ensure(resources, f"{action}: no resources came back to judge")
    return resources


@server_check(
    "SRV-PRJ-001",
    level="MUST",
    area="projection",
    reference=_PROJECTION,
    claim="attributes=userName returns id and userName and none of the other default ones.",
    fix="With 'attributes', return only the listed attributes plus those 'returned: always' "
    "(id); drop everything else.",
)
async def attributes_on_list(ctx: ServerContext) -> None:
    population = await ctx.population()
    reply = await ctx.get(
        "/Users",
        params={"filter": f'userName sw "{population.prefix}"', "attributes": "userName"},
    )
    expect_status(reply, 200, "GET /Users?attributes=userName")
    for resource in _all_resources(reply, "GET /Users?attributes=userName"):
        keys = _keys(resource)
        ensure({"id", "username"} <= keys, f"a resource lacks id or userName: {sorted(keys)}")
        extra = keys & {"displayname", "emails", "name", "active", "title"}
        ensure(not extra, f"attributes=userName still returned {sorted(extra)}")


@server_check(
    "SRV-PRJ-002",
    level="MUST",
    area="projection",
    reference=_PROJECTION,
    claim="excludedAttributes=emails,name drops those and keeps the other default attributes.",
    fix="With 'excludedAttributes', return the default set minus the listed attributes "
    "(never dropping 'returned: always' ones such as id).",
)
async def excluded_attributes(ctx: ServerContext) -> None:
    population = await ctx.population()
    reply = await ctx.get(
        "/Users",
        params={
            "filter": f'userName sw "{population.prefix}"',
            "excludedAttributes": "emails,name",
        },
    )
    expect_status(reply, 200, "GET /Users?excludedAttributes=emails,name")
    for resource in _all_resources(reply, "GET /Users?excludedAttributes=emails,name"):
        keys = _keys(resource)
        ensure(not keys & {"emails", "name"}, f"excluded attributes came back: {sorted(keys)}")
        ensure(
            {"id", "username", "displayname"} <= keys, f"default attributes lost: {sorted(keys)}"
        )


@server_check(
    "SRV-PRJ-003",
    level="MUST",
    area="projection",
    reference=_PROJECTION,
    claim="attributes and excludedAttributes also apply to GET /Users/{id}.",
    fix="Apply the same projection to single-resource GETs as to lists.",
)
async def projection_on_get(ctx: ServerContext) -> None:
    population = await ctx.population()
    path = f"/Users/{quote(population.ids['p-alpha'], safe='')}"
    reply = await ctx.get(path, params={"attributes": "displayName"})
    expect_status(reply, 200, "GET /Users/{id}?attributes=displayName")
    keys = _keys(reply.body) if isinstance(reply.body, dict) else set()
    ensure({"id", "displayname"} <= keys, f"attributes=displayName returned {sorted(keys)}")
    ensure(
        not keys & {"emails", "name", "title"}, f"attributes=displayName returned {sorted(keys)}"
    )
    reply = await ctx.get(path, params={"excludedAttributes": "title"})
    expect_status(reply, 200, "GET /Users/{id}?excludedAttributes=title")
    keys = _keys(reply.body) if isinstance(reply.body, dict) else set()
    ensure("title" not in keys and "username" in keys, f"excludedAttributes=title: {sorted(keys)}")


@server_check(
    "SRV-PRJ-004",
    level="SHOULD",
    area="projection",
    reference=_PROJECTION,
    claim="attributes=name.familyName returns name with only familyName.",
    fix="Support sub-attribute paths in 'attributes' (urn:...:attr.sub notation included).",
)
async def sub_attribute_projection(ctx: ServerContext) -> None:
    population = await ctx.population()
    path = f"/Users/{quote(population.ids['p-alpha'], safe='')}"
    reply = await ctx.get(path, params={"attributes": "name.familyName"})
    expect_status(reply, 200, "GET /Users/{id}?attributes=name.familyName")
    name = lower_keys(lower_keys(reply.body).get("name"))
    ensure(set(name) == {"familyname"}, f"attributes=name.familyName gave name {name}")


@server_check(
    "SRV-PRJ-005",
    level="MUST",
    area="projection",
    reference=_PROJECTION,
    claim="GET /Groups?excludedAttributes=members returns the Groups without members.",
    fix="Honour excludedAttributes=members (Entra ID looks groups up this way to avoid "
    "loading large member lists).",
)
async def groups_without_members(ctx: ServerContext) -> None:
    population = await ctx.population()
    name = population.namespace.group_name("g-one")
    reply = await ctx.get(
        "/Groups", params={"excludedAttributes": "members", "filter": f'displayName eq "{name}"'}
    )
    expect_status(reply, 200, "GET /Groups?excludedAttributes=members")
    for resource in _all_resources(reply, "GET /Groups?excludedAttributes=members"):
        keys = _keys(resource)
        ensure("members" not in keys, "excludedAttributes=members still returned members")
        ensure("displayname" in keys, "excludedAttributes=members dropped displayName")


async def _search(ctx: ServerContext, path: str, body: dict[str, Any]) -> Reply:
    reply = await ctx.post(path, body)
    if reply.status in (404, 405, 501):
        msg = f"POST {path} answered {reply.status}: the server does not support it"
        raise CheckSkipped(msg)
    expect_status(reply, 200, f"POST {path}")
    return reply


@server_check(
    "SRV-SRC-001",
    level="MUST",
    area="search",
    reference="RFC 7644 §3.4.3",
    claim="POST /Users/.search with filter, attributes and count answers like the same GET.",
    fix="Accept a SearchRequest body at /Users/.search with the query parameters as "
    "attributes (filter, attributes, sortBy, startIndex, count), answered as a ListResponse.",
)
async def users_search(ctx: ServerContext) -> None:
    population = await ctx.population()
    wanted = population.user_name("p-alpha")
    body = {
        "schemas": [SEARCH_REQUEST],
        "filter": f'userName eq "{wanted}"',
        "attributes": ["userName"],
        "startIndex": 1,
        "count": 10,
    }
    reply = await _search(ctx, "/Users/.search", body)
    got = reply.resources()
    ids = [r.get("id") for r in got]
    ensure(ids == [population.ids["p-alpha"]], f"the search should find one User, found {ids}")
    keys = _keys(got[0])
    ensure(not keys & {"emails", "name", "displayname"}, f"attributes ignored: {sorted(keys)}")


@server_check(
    "SRV-SRC-002",
    level="SHOULD",
    area="search",
    reference="RFC 7644 §3.4.3",
    claim="POST /.search at the root searches every resource type.",
    fix="Support /.search at the base URL, or answer 501 so clients know it is unsupported.",
)
async def root_search(ctx: ServerContext) -> None:
    population = await ctx.population()
    wanted = population.namespace.group_name("g-two")
    body = {"schemas": [SEARCH_REQUEST], "filter": f'displayName eq "{wanted}"'}
    reply = await _search(ctx, "/.search", body)
    ids = [r.get("id") for r in reply.resources()]
    ensure(ids == [population.ids["g-two"]], f"the root search should find one Group, got {ids}")
