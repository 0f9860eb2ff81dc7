"""Server checks of the SCIM 2.0 Interoperability Profile: discovery, addressing, media type,
filtering, paging and transport (``--profile interop``; the writes are in
:mod:`.interop_writes`). Each cites its section of draft-zollner-scim-interop-profile-01;
levels follow the draft's keywords. A requirement on an optional feature (``externalId``,
cursor paging) is skipped with the reason when the target does not have it.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.context import (
    SCIM_MEDIA_TYPE,
    ServerContext,
    ensure,
    expect_status,
)
from scim_harness.conformance.server.interop import (
    USER_SCHEMA,
    declared,
    discovery,
    expect_error,
    iop_check,
)

__all__: list[str] = []

_TYPED = ("emails", "phoneNumbers", "ims", "photos", "addresses")


@iop_check(
    1,
    "MUST",
    "4",
    "ServiceProviderConfig claims conformance: interopProfileConformant is the boolean true.",
    'Add "interopProfileConformant": true to /ServiceProviderConfig once the server conforms '
    "(false or absent says it does not).",
)
async def claims_conformance(ctx: ServerContext) -> None:
    found = await discovery(ctx)
    spc = found.replies["/ServiceProviderConfig"].body
    value = spc.get("interopProfileConformant") if isinstance(spc, dict) else None
    ensure(value is not None, "interopProfileConformant is absent: the server does not claim it")
    ensure(isinstance(value, bool), f"interopProfileConformant is {value!r}, not a boolean")
    ensure(value is True, "interopProfileConformant is false: the server does not claim it")


@iop_check(
    2,
    "MUST",
    "5.1",
    "/ServiceProviderConfig, /Schemas and /ResourceTypes are implemented (200 with JSON).",
    "Serve the three discovery endpoints of RFC 7644 §4.",
)
async def discovery_endpoints(ctx: ServerContext) -> None:
    found = await discovery(ctx)
    for path, reply in found.replies.items():
        expect_status(reply, 200, f"GET {path}")
        ensure(isinstance(reply.body, dict | list), f"GET {path}: the answer is not JSON")


@iop_check(
    3,
    "MUST",
    "5.1",
    "Every schema a resource type references (schema and schemaExtensions) is at /Schemas.",
    "List every core and extension schema your /ResourceTypes name in /Schemas.",
)
async def referenced_schemas(ctx: ServerContext) -> None:
    found = await discovery(ctx)
    ensure(found.resource_types, "/ResourceTypes lists no resource type")
    missing = []
    for rtype in found.resource_types:
        urns = [rtype.get("schema")]
        extensions = rtype.get("schemaExtensions")
        for ext in extensions if isinstance(extensions, list) else []:
            urns.append(ext.get("schema") if isinstance(ext, dict) else None)
        for urn in urns:
            if isinstance(urn, str) and found.schema(urn) is None:
                missing.append(f"{rtype.get('name')}: {urn}")
    ensure(not missing, "not at /Schemas: " + "; ".join(missing))


@iop_check(
    4,
    "MUST",
    "5.1",
    "Every ResourceType has an id equal to its name.",
    'Give each resource type "id" with the same value as "name" (e.g. "User").',
)
async def resource_type_ids(ctx: ServerContext) -> None:
    found = await discovery(ctx)
    ensure(found.resource_types, "/ResourceTypes lists no resource type")
    wrong = [
        f"name {r.get('name')!r} has id {r.get('id')!r}"
        for r in found.resource_types
        if r.get("id") != r.get("name")
    ]
    ensure(not wrong, "; ".join(wrong))


@iop_check(
    10,
    "MUST",
    "5.4",
    "Each multi-valued attribute with a type sub-attribute declares its type values in "
    "canonicalValues.",
    "Declare canonicalValues on emails.type, phoneNumbers.type, addresses.type, ... in "
    "/Schemas (RFC 7643 §7).",
)
async def canonical_values(ctx: ServerContext) -> None:
    found = await discovery(ctx)
    seen, bare = 0, []
    for schema in found.schemas:
        for name, attr in declared(schema).items():
            subs = {str(s.get("name", "")).lower(): s for s in attr.get("subAttributes") or []}
            kind = subs.get("type")
            if not attr.get("multiValued") or not isinstance(kind, dict):
                continue
            seen += 1
            if not kind.get("canonicalValues"):
                bare.append(f"{schema.get('id')}:{attr.get('name', name)}.type")
    if not seen:
        raise CheckSkipped("the target declares no multi-valued attribute with a type")
    ensure(not bare, "no canonicalValues on " + ", ".join(bare))


@iop_check(
    11,
    "MUST",
    "6.1",
    "A user is addressed at /Users/{id}, not by userName in the path; /Users lists only users "
    "and /Groups only groups.",
    "Route /Users/{id} by the id you assign and answer 404 for any other segment; keep one "
    "endpoint per resource type.",
)
async def addressing(ctx: ServerContext) -> None:
    user = await ctx.create_user("iop-address")
    by_id = await ctx.get(f"/Users/{quote(user['id'], safe='')}")
    expect_status(by_id, 200, "GET /Users/{id}")
    name = str(user.get("userName") or ctx.namespace.user_name("iop-address"))
    if name != user["id"]:
        by_name = await ctx.get(f"/Users/{quote(name, safe='')}")
        expect_status(by_name, 404, "GET /Users/{userName} (a resource addressed by userName)")
    for path, urn in (
        ("/Users", USER_SCHEMA),
        ("/Groups", "urn:ietf:params:scim:schemas:core:2.0:Group"),
    ):
        page = await ctx.get(path, params={"count": "20"})
        if page.status != 200:
            continue
        alien = [
            str(r.get("id"))
            for r in page.resources()
            if urn.lower() not in [str(s).lower() for s in r.get("schemas") or []]
        ]
        ensure(not alien, f"GET {path} lists resources of another type: {alien[:5]}")


@iop_check(
    12,
    "MUST",
    "6.2",
    "Responses carrying SCIM data (a create, a read, a list, an error) say Content-Type: "
    "application/scim+json.",
    "Answer every JSON body with 'Content-Type: application/scim+json'.",
)
async def response_media_type(ctx: ServerContext) -> None:
    created = await ctx.post("/Users", ctx.namespace.user("iop-media"))
    if created.status < 300:
        ctx.remember(created, "/Users")
    replies = [created, await ctx.get("/Users", params={"count": "1"})]
    rid = created.field("id")
    if isinstance(rid, str):
        replies.append(await ctx.get(f"/Users/{quote(rid, safe='')}"))
    replies.append(await ctx.get("/Users/scim-harness-no-such-id"))
    wrong = [
        f"{r.exchange.method} {r.exchange.url} -> {r.status} {r.headers.get('content-type')!r}"
        for r in replies
        if r.body is not None and r.media_type != SCIM_MEDIA_TYPE
    ]
    ensure(not wrong, "; ".join(wrong))


@iop_check(
    13,
    "MUST",
    "6.3",
    "Filtering is supported (ServiceProviderConfig filter.supported) with eq and and.",
    "Implement the filter parameter with at least eq and and, and advertise filter.supported.",
)
async def filter_eq_and(ctx: ServerContext) -> None:
    ensure(
        ctx.supports("filter") is not False, "ServiceProviderConfig filter.supported is not true"
    )
    user = await ctx.create_user("iop-filter")
    name = user.get("userName") or ctx.namespace.user_name("iop-filter")
    text = f'userName eq "{name}" and active eq true'
    reply = await ctx.get("/Users", params={"filter": text})
    expect_status(reply, 200, f"GET /Users?filter={text}")
    ids = [r.get("id") for r in reply.resources()]
    ensure(ids == [user["id"]], f"the filter {text!r} found {ids}, expected the one user")


@iop_check(
    14,
    "MUST",
    "6.3",
    "A filter on an attribute no schema of the resource type defines is 400 invalidFilter.",
    "Refuse filters on undeclared attributes with 400 and scimType invalidFilter instead of "
    "answering an empty list.",
    needs=("filter",),
)
async def undeclared_filter(ctx: ServerContext) -> None:
    reply = await ctx.get("/Users", params={"filter": 'scimHarnessUndeclared eq "x"'})
    expect_error(reply, 400, "invalidFilter", "a filter on an undeclared attribute")


def _index_paging(ctx: ServerContext) -> None:
    paging = ctx.spc.get("pagination") if ctx.spc else None
    if isinstance(paging, dict) and paging.get("index") is False and paging.get("cursor"):
        msg = "the target advertises cursor paging only (RFC 9865), which §6.4 also allows"
        raise CheckSkipped(msg)


@iop_check(
    15,
    "MUST",
    "6.4",
    "Index paging honours count: count=100 returns min(100, totalResults) resources, count=1 "
    "one, and a count above the server's maximum returns fewer.",
    "Support count of at least 100 per page (RFC 7644 §3.4.2.4) and cap larger ones at "
    "your maximum instead of refusing them.",
)
async def paging_count(ctx: ServerContext) -> None:
    _index_paging(ctx)
    await ctx.population()
    full = await ctx.get("/Users", params={"startIndex": "1", "count": "100"})
    expect_status(full, 200, "GET /Users?startIndex=1&count=100")
    total = full.field("totalResults")
    ensure(isinstance(total, int) and not isinstance(total, bool), f"totalResults is {total!r}")
    got = len(full.resources())
    ensure(got == min(100, total), f"count=100 of {total} returned {got} resources")
    one = await ctx.get("/Users", params={"startIndex": "2", "count": "1"})
    expect_status(one, 200, "GET /Users?startIndex=2&count=1")
    ensure(len(one.resources()) == 1, f"count=1 returned {len(one.resources())} resources")
    limit = ctx.spc_number("filter", "maxResults")
    if limit is not None and total > limit:
        over = await ctx.get("/Users", params={"count": str(limit + 1)})
        expect_status(over, 200, f"GET /Users?count={limit + 1} (above maxResults {limit})")
        ensure(len(over.resources()) <= limit, "a count above maxResults was not capped")


@iop_check(
    16,
    "SHOULD",
    "6.4",
    "Without count, a list returns at least 100 results (or all, when fewer exist).",
    "Default the page size to 100 or more.",
)
async def default_page_size(ctx: ServerContext) -> None:
    _index_paging(ctx)
    await ctx.population()
    reply = await ctx.get("/Users")
    expect_status(reply, 200, "GET /Users")
    total = reply.field("totalResults")
    ensure(isinstance(total, int), f"totalResults is {total!r}")
    got = len(reply.resources())
    ensure(got >= min(100, total), f"no count: {got} of {total} returned, fewer than 100")


@iop_check(
    25,
    "MUST",
    "7.1",
    "The SCIM base URL is served over TLS (https).",
    "Serve SCIM only over HTTPS (TLS 1.3 must be supported).",
)
async def tls(ctx: ServerContext) -> None:
    scheme = urlsplit(ctx.base_url).scheme
    ensure(scheme == "https", f"the base URL uses {scheme}://, not https://")
    ctx.note("TLS 1.3 support itself is not probed")


@iop_check(
    26,
    "SHOULD",
    "7.2",
    "HTTP Basic authentication is not offered (NOT RECOMMENDED).",
    "Offer bearer tokens or OAuth instead of Basic in authenticationSchemes.",
)
async def no_basic(ctx: ServerContext) -> None:
    found = await discovery(ctx)
    spc = found.replies["/ServiceProviderConfig"].body
    schemes = spc.get("authenticationSchemes") if isinstance(spc, dict) else None
    kinds = [str(s.get("type", "")).lower() for s in schemes or [] if isinstance(s, dict)]
    ensure("httpbasic" not in kinds, "authenticationSchemes offers httpbasic")
