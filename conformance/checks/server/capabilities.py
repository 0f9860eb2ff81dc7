"""Server checks: /ServiceProviderConfig both ways (RFC 7643 §5, RFC 7644 §4).

Clients read ServiceProviderConfig to decide what to send: a feature advertised but broken
fails their requests, and a feature advertised as unsupported that works anyway makes them
fall back to worse requests (a PUT of the whole user instead of a PATCH, a client-side sort, no
If-Match) or, for ``changePassword``, hides that the server takes passwords. For each
capability a light probe checks that the target does what it says, in either direction; a
contradiction is reported with the request that shows it. The thorough checks of each
feature are in their own areas (SRV-PAT, SRV-BLK, SRV-FLT, SRV-SRT, SRV-ETG).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckFailed, CheckSkipped
from scim_harness.conformance.server.context import Reply, ServerContext
from scim_harness.conformance.server.values import value_at

__all__: list[str] = []

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
Probe = Callable[[ServerContext], Awaitable[tuple[bool | None, Reply, str]]]
"""Runs the probe: (did the feature work - None: cannot tell, the reply, what was seen)."""


def _advertised(ctx: ServerContext, feature: str) -> bool:
    said = ctx.supports(feature)
    if said is None:
        msg = "the ServiceProviderConfig could not be read (see SRV-DSC-001)"
        raise CheckSkipped(msg)
    return said


def _path(rid: str) -> str:
    return f"/Users/{quote(rid, safe='')}"


async def _patch(ctx: ServerContext) -> tuple[bool | None, Reply, str]:
    user = await ctx.create_user("cap-patch")
    reply = await ctx.patch(
        _path(user["id"]), [{"op": "replace", "path": "title", "value": "Probed"}]
    )
    again = await ctx.get(_path(user["id"]))
    worked = reply.status < 300 and value_at(again.body, "title") == "Probed"
    return worked, reply, f"PATCH answered {reply.status}"


async def _bulk(ctx: ServerContext) -> tuple[bool | None, Reply, str]:
    operation = {"method": "DELETE", "path": f"/Users/{ctx.namespace.value}-cap-none"}
    reply = await ctx.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": [operation]})
    schemas = reply.field("schemas") or []
    worked = reply.status == 200 and BULK_RESPONSE in schemas
    return worked, reply, f"POST /Bulk answered {reply.status}"


async def _filter(ctx: ServerContext) -> tuple[bool | None, Reply, str]:
    user = await ctx.create_user("cap-filter")
    await ctx.create_user("cap-filter-other")
    everyone = await ctx.get("/Users", params={"count": "2", "attributes": "userName"})
    reply = await ctx.get("/Users", params={"filter": f'userName eq "{user["userName"]}"'})
    ids = [r.get("id") for r in reply.resources()]
    total = everyone.field("totalResults")
    worked = reply.status == 200 and ids == [user["id"]] and isinstance(total, int) and total > 1
    return worked, reply, f"the filter answered {reply.status} with {len(ids)} of {total} users"


async def _change_password(ctx: ServerContext) -> tuple[bool | None, Reply, str]:
    user = await ctx.create_user("cap-password")
    secret = "Sc1m-Harness-N3w!"
    if ctx.supports("patch") is False:
        body = ctx.namespace.user("cap-password", password=secret)
        reply = await ctx.put(_path(user["id"]), body)
    else:
        reply = await ctx.patch(
            _path(user["id"]), [{"op": "replace", "path": "password", "value": secret}]
        )
    return reply.status < 300, reply, f"the password change answered {reply.status}"


async def _sort(ctx: ServerContext) -> tuple[bool | None, Reply, str]:
    if ctx.supports("filter") is False:
        msg = "needs a filter to list only its own users (filter is not advertised)"
        raise CheckSkipped(msg)
    first = await ctx.create_user("cap-sort-a")
    second = await ctx.create_user("cap-sort-b")
    prefix = ctx.namespace.user_name("cap-sort-")
    query = {"filter": f'userName sw "{prefix}"'}
    plain = await ctx.get("/Users", params=query)
    reply = await ctx.get(
        "/Users", params={**query, "sortBy": "userName", "sortOrder": "descending"}
    )
    order = [r.get("id") for r in reply.resources()]
    unsorted = [r.get("id") for r in plain.resources()]
    wanted = [second["id"], first["id"]]
    seen = f"sortOrder=descending answered {reply.status} in order {order}"
    if reply.status == 200 and order == wanted == unsorted:
        return None, reply, seen + " (the same as unsorted: sorting is not shown)"
    return reply.status == 200 and order == wanted, reply, seen


async def _etag(ctx: ServerContext) -> tuple[bool | None, Reply, str]:
    user = await ctx.create_user("cap-etag")
    read = await ctx.get(_path(user["id"]))
    if not read.headers.get("etag"):
        return False, read, "GET /Users/{id} has no ETag header"
    stale = {"If-Match": 'W/"scim-harness-not-the-version"'}
    if ctx.supports("patch") is False:
        body = ctx.namespace.user("cap-etag", title="Stale")
        reply = await ctx.put(_path(user["id"]), body, headers=stale)
    else:
        reply = await ctx.patch(
            _path(user["id"]),
            [{"op": "replace", "path": "title", "value": "Stale"}],
            headers=stale,
        )
    return reply.status == 412, reply, f"a write with a wrong If-Match answered {reply.status}"


_PROBES: dict[str, tuple[int, str, Probe]] = {
    "patch": (1, "a PATCH of title", _patch),
    "bulk": (2, "a BulkRequest of one harmless DELETE", _bulk),
    "filter": (3, "userName eq on one of two users", _filter),
    "changePassword": (4, "a PATCH (or PUT) of password", _change_password),
    "sort": (5, "sortBy=userName&sortOrder=descending on two users", _sort),
    "etag": (6, "an ETag on GET and 412 for a wrong If-Match", _etag),
}


def _capability_check(feature: str) -> None:
    number, probe_text, probe = _PROBES[feature]

    @server_check(
        f"SRV-CAP-{number:03d}",
        level="SHOULD",
        area="capabilities",
        reference=f"RFC 7643 §5 ({feature}), RFC 7644 §4",
        claim=f"ServiceProviderConfig {feature}.supported matches what the server does "
        f"(probe: {probe_text}).",
        fix=f"Advertise {feature}.supported as what the server really does: true when it "
        "works, false when it does not (then refuse it, e.g. 501 or 400).",
    )
    async def run(ctx: ServerContext) -> None:
        said = _advertised(ctx, feature)
        worked, reply, seen = await probe(ctx)
        if worked is None:
            ctx.note(f"could not tell: {seen}")
            return
        if said and not worked:
            msg = f"advertises {feature}.supported true, but {seen} ({reply.exchange.headline()})"
            raise CheckFailed(msg)
        if worked and not said:
            msg = (
                f"advertises {feature}.supported false, but it works: {seen} "
                f"({reply.exchange.headline()})"
            )
            raise CheckFailed(msg)
        ctx.note(f"{'supported' if said else 'unsupported'}, as advertised: {seen}")

    run.__name__ = f"capability_{feature.lower()}"


for _feature in _PROBES:
    _capability_check(_feature)
