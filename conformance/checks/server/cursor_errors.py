"""Server checks: RFC 9865 §2.1 cursor errors and §5.2 confinement, when cursors are advertised.

A forged or edited cursor, another app's cursor, a count out of bounds and an expired cursor
are each sent on purpose; the checks judge the answer by its status and ``scimType``, and a
cursor of another app by whether the first app's resources come back.
"""

from __future__ import annotations

import asyncio

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.admin import ThrowawayApp, make_app
from scim_harness.conformance.server.context import (
    Reply,
    ServerContext,
    detail,
    ensure,
    expect_status,
)
from scim_harness.conformance.server.cursors import advertised, cursor_page
from scim_harness.conformance.server.data import Population

__all__: list[str] = []

_ERRORS = "RFC 9865 §2.1"
_MAX_WAIT = 5
"""Longest cursorTimeout (seconds) the suite waits out to see an expired cursor."""


async def _first(ctx: ServerContext) -> tuple[Population, list[tuple[str, str]], str]:
    """The population's query and the nextCursor of its first page of two."""
    population = await ctx.population()
    params = [("filter", f'userName sw "{population.prefix}"'), ("count", "2")]
    reply = await cursor_page(ctx, "/Users", params, "")
    expect_status(reply, 200, "GET /Users with an empty cursor")
    cursor = reply.field("nextCursor")
    ensure(isinstance(cursor, str) and cursor, "the first page of 5 results by 2 has no nextCursor")
    return population, params, str(cursor)


def _refused(reply: Reply, scim_types: tuple[str, ...], what: str) -> None:
    wanted = " or ".join(scim_types)
    ensure(
        reply.status == 400,
        f"{what}: expected 400 with scimType {wanted}, got {reply.status} {detail(reply)}".strip(),
    )
    scim_type = reply.field("scimType")
    ensure(scim_type in scim_types, f"{what}: 400 with scimType {scim_type!r}, not {wanted}")


def _edited(cursor: str) -> str:
    at = len(cursor) // 2
    swap = "B" if cursor[at] == "A" else "A"
    return cursor[:at] + swap + cursor[at + 1 :]


@server_check(
    "SRV-CUR-012",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2.1, §5.2",
    claim="A forged or edited cursor is refused with 400 invalidCursor.",
    fix="Make cursors unforgeable (sign or encrypt them, or keep them server-side) and answer "
    "any cursor you did not issue with 400 invalidCursor.",
    needs=("filter",),
)
async def forged(ctx: ServerContext) -> None:
    advertised(ctx)
    _, params, cursor = await _first(ctx)
    for value, what in ((_edited(cursor), "an edited nextCursor"), ("scimh0forged0", "a made-up")):
        reply = await cursor_page(ctx, "/Users", params, value)
        _refused(reply, ("invalidCursor",), what)


async def _other_app(ctx: ServerContext) -> ThrowawayApp:
    ctx.require_admin()
    cached = ctx.cache.get("cursor-other-app")
    if isinstance(cached, ThrowawayApp):
        return cached
    made = await make_app(ctx, "cursor", {})
    ctx.cache["cursor-other-app"] = made
    return made


@server_check(
    "SRV-CUR-013",
    level="MUST",
    area="cursor",
    reference="RFC 9865 §5.2",
    claim="A cursor issued to one app never returns that app's resources through another app.",
    fix="Scope every cursor page to the tenant of the request's credentials, whatever the "
    "cursor says.",
    needs=("filter",),
)
async def confined(ctx: ServerContext) -> None:
    advertised(ctx)
    population, params, cursor = await _first(ctx)
    other = await _other_app(ctx)
    reply = await ctx.get(
        "/Users", params=[*params, ("cursor", cursor)], token=other.token, base=other.base_url
    )
    ours = set(population.user_ids())
    leaked = [str(r.get("id")) for r in reply.resources() if str(r.get("id")) in ours]
    ensure(not leaked, f"app {other.name} returned {len(leaked)} users of the other app")


@server_check(
    "SRV-CUR-014",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2.1, §5.2",
    claim="A cursor issued to one app is refused by another with 400 invalidCursor.",
    fix="Bind cursors to the tenant that received them and answer a foreign one with 400 "
    "invalidCursor.",
    needs=("filter",),
)
async def foreign_refused(ctx: ServerContext) -> None:
    advertised(ctx)
    _, params, cursor = await _first(ctx)
    other = await _other_app(ctx)
    reply = await ctx.get(
        "/Users", params=[*params, ("cursor", cursor)], token=other.token, base=other.base_url
    )
    _refused(reply, ("invalidCursor",), f"another app's cursor on app {other.name}")


@server_check(
    "SRV-CUR-015",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2.1, §4",
    claim="A count above the advertised maxPageSize is refused with 400 invalidCount, or "
    "served with at most maxPageSize resources.",
    fix="Answer a count above maxPageSize with 400 invalidCount (or cap the page at it).",
    needs=("filter",),
)
async def count_above_max(ctx: ServerContext) -> None:
    found = advertised(ctx)
    maximum = found.number("maxPageSize")
    if maximum is None:
        msg = "the target advertises no maxPageSize"
        raise CheckSkipped(msg)
    population = await ctx.population()
    params = [("filter", f'userName sw "{population.prefix}"'), ("count", str(maximum + 1))]
    reply = await cursor_page(ctx, "/Users", params, "")
    if reply.status == 200:
        got = len(reply.resources())
        ensure(got <= maximum, f"count={maximum + 1} returned {got} resources")
        return
    _refused(reply, ("invalidCount",), f"count={maximum + 1} (maxPageSize {maximum})")


@server_check(
    "SRV-CUR-016",
    level="SHOULD",
    area="cursor",
    reference=_ERRORS,
    claim="A count that is not an integer is refused with 400 invalidCount.",
    fix="Answer a non-numeric count on a cursor request with 400 invalidCount.",
    needs=("filter",),
)
async def count_not_a_number(ctx: ServerContext) -> None:
    advertised(ctx)
    population = await ctx.population()
    params = [("filter", f'userName sw "{population.prefix}"'), ("count", "two")]
    reply = await cursor_page(ctx, "/Users", params, "")
    _refused(reply, ("invalidCount",), "count=two")


@server_check(
    "SRV-CUR-017",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2.1, §4",
    claim="A cursor used after cursorTimeout is still served, or refused with 400 "
    "expiredCursor (or invalidCursor): never a server error.",
    fix="When a cursor outlives cursorTimeout, answer 400 expiredCursor.",
    needs=("filter",),
)
async def expired(ctx: ServerContext) -> None:
    found = advertised(ctx)
    timeout = found.number("cursorTimeout")
    if timeout is None or timeout > _MAX_WAIT:
        shown = "no cursorTimeout" if timeout is None else f"cursorTimeout {timeout} s"
        msg = f"the target advertises {shown}; the suite waits out at most {_MAX_WAIT} s"
        raise CheckSkipped(msg)
    _, params, cursor = await _first(ctx)
    await asyncio.sleep(timeout + 1.5)
    reply = await cursor_page(ctx, "/Users", params, cursor)
    if reply.status == 200:
        ctx.note(f"the cursor was still served {timeout + 1.5:g} s later (allowed)")
        return
    _refused(reply, ("expiredCursor", "invalidCursor"), f"a cursor {timeout + 1.5:g} s old")
