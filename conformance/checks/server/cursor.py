"""Server checks: RFC 9865 cursor pagination, as a provider that advertises it must serve it.

Run only when ``/ServiceProviderConfig`` advertises ``pagination.cursor: true`` (skipped with
the reason otherwise). Walks go over the shared population (``userName sw <prefix>``, five
users the suite created), so the right answer is known from what the suite sent.
"""

from __future__ import annotations

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status
from scim_harness.conformance.server.cursors import (
    UNRESERVED,
    Walk,
    advertised,
    cursor_page,
    cursor_walk,
    is_int,
)
from scim_harness.conformance.server.data import Population

__all__: list[str] = []

_RFC = "RFC 9865 §2"
_PAGE = "2"


async def _population_walk(
    ctx: ServerContext, *, search: bool = False, extra: tuple[tuple[str, str], ...] = ()
) -> tuple[Population, Walk]:
    population = await ctx.population()
    params = [("filter", f'userName sw "{population.prefix}"'), ("count", _PAGE), *extra]
    path = "/Users/.search" if search else "/Users"
    return population, await cursor_walk(ctx, path, params, search=search)


def _judge_walk(ctx: ServerContext, walk: Walk, population: Population, count: int) -> None:
    """Every population user once, no page above count, nextCursor until the last page.

    Judged on the suite's own users only: a target whose filter lets others through is the
    filter checks' business, so its walk is followed for a bounded number of pages.
    """
    for number, page in enumerate(walk.pages, 1):
        size = len(page.resources())
        ensure(size <= count, f"page {number} holds {size} resources, count was {count}")
    seen = walk.ids
    repeated = sorted({i for i in seen if seen.count(i) > 1})
    ensure(not repeated, f"the walk returned {len(repeated)} resources twice: {repeated[:3]}")
    if not walk.ended:
        stalled = all(not page.resources() for page in walk.pages[-3:])
        ensure(not stalled, f"{len(walk.pages)} pages and still a nextCursor, the last 3 empty")
        ctx.note(f"followed the first {len(walk.pages)} pages only (the filter matched more)")
        return
    expected = set(population.user_ids())
    missed = sorted(population.tag_of(i) for i in expected - set(seen))
    ensure(
        not missed,
        f"the walk of {len(walk.pages)} page(s) never returned {', '.join(missed)} "
        "(all match the filter sent)",
    )


@server_check(
    "SRV-CUR-001",
    level="MUST",
    area="cursor",
    reference="RFC 9865 §4",
    claim="The ServiceProviderConfig pagination object has the REQUIRED cursor and index "
    "booleans and consistent optional values.",
    fix="Publish pagination with cursor and index as JSON booleans; defaultPaginationMethod "
    "'cursor' or 'index' (a method you support); defaultPageSize, maxPageSize and "
    "cursorTimeout as positive integers, defaultPageSize not above maxPageSize.",
)
async def pagination_object(ctx: ServerContext) -> None:
    reply = await ctx.get("/ServiceProviderConfig")
    expect_status(reply, 200, "GET /ServiceProviderConfig")
    value = reply.field("pagination")
    if value is None:
        msg = "the target publishes no pagination object (RFC 9865 §4 makes it OPTIONAL)"
        raise CheckSkipped(msg)
    ensure(isinstance(value, dict), f"pagination is {value!r}, not an object")
    for name in ("cursor", "index"):
        ensure(
            isinstance(value.get(name), bool),
            f"pagination.{name} is {value.get(name)!r}: a REQUIRED boolean",
        )
    method = value.get("defaultPaginationMethod")
    if method is not None:
        ensure(method in ("cursor", "index"), f"defaultPaginationMethod is {method!r}")
        ensure(value.get(method) is True, f"the default method {method!r} is not supported")
    for name in ("defaultPageSize", "maxPageSize", "cursorTimeout"):
        number = value.get(name)
        if number is not None:
            ensure(is_int(number) and number > 0, f"pagination.{name} is {number!r}")
    default, maximum = value.get("defaultPageSize"), value.get("maxPageSize")
    if is_int(default) and is_int(maximum):
        ensure(default <= maximum, f"defaultPageSize {default} is above maxPageSize {maximum}")


async def _first_page(ctx: ServerContext, bare: bool) -> None:
    population = await ctx.population()
    params = [("filter", f'userName sw "{population.prefix}"'), ("count", _PAGE)]
    if bare:
        reply = await ctx.get("/Users", params=params, query="cursor")
    else:
        reply = await cursor_page(ctx, "/Users", params, "")
    shown = "a bare cursor" if bare else "cursor="
    expect_status(reply, 200, f"GET /Users with {shown}")
    got = reply.resources()
    ensure(len(got) <= 2, f"{shown} with count=2 returned {len(got)} resources")
    ensure(
        reply.field("nextCursor") is not None,
        f"{shown}: the first page of 5 results by 2 has no nextCursor",
    )
    per_page = reply.field("itemsPerPage")
    if per_page is not None:
        ensure(per_page == len(got), f"itemsPerPage is {per_page} for {len(got)} resources")


@server_check(
    "SRV-CUR-002",
    level="MUST",
    area="cursor",
    reference=_RFC,
    claim="An empty cursor (cursor=) starts a walk: at most count resources and a nextCursor "
    "while more remain.",
    fix="Treat an empty cursor parameter as the first page of a cursor walk and return "
    "nextCursor whenever there are more results.",
    needs=("filter",),
)
async def first_page(ctx: ServerContext) -> None:
    advertised(ctx)
    await _first_page(ctx, bare=False)


@server_check(
    "SRV-CUR-020",
    level="SHOULD",
    area="cursor",
    reference=_RFC,
    claim="A bare cursor parameter (the RFC's own example, ?cursor&count=10) starts a walk "
    "like cursor=.",
    fix="Read a cursor parameter without '=' as an empty cursor, not as an absent one.",
    needs=("filter",),
)
async def bare_first_page(ctx: ServerContext) -> None:
    advertised(ctx)
    await _first_page(ctx, bare=True)


@server_check(
    "SRV-CUR-003",
    level="MUST",
    area="cursor",
    reference=_RFC,
    claim="Following nextCursor returns every resource exactly once, no page holds more than "
    "count, and only the last page has no nextCursor.",
    fix="Make nextCursor point just past the last resource returned, in a stable order, "
    "and omit it only on the last page.",
    needs=("filter",),
)
async def walk_to_the_end(ctx: ServerContext) -> None:
    advertised(ctx)
    population, walk = await _population_walk(ctx)
    _judge_walk(ctx, walk, population, 2)


@server_check(
    "SRV-CUR-004",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §3",
    # RFC 9865 §3 (and §6, the SearchRequest's cursor) state no keyword: SHOULD.
    claim="POST /.search takes cursor and count in its body and walks like GET.",
    fix="Read cursor and count from the SearchRequest body of POST /.search and answer the "
    "same pages as the GET query.",
    needs=("filter",),
)
async def search_walk(ctx: ServerContext) -> None:
    advertised(ctx)
    population = await ctx.population()
    probe = await ctx.post(
        "/Users/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 1},
    )
    if probe.status in (404, 405, 501):
        msg = f"the target does not serve POST /Users/.search ({probe.status})"
        raise CheckSkipped(msg)
    _, walk = await _population_walk(ctx, search=True)
    _judge_walk(ctx, walk, population, 2)


@server_check(
    "SRV-CUR-005",
    level="MUST",
    area="cursor",
    reference=_RFC,
    claim="The first page of a walk carries no previousCursor.",
    fix="Return previousCursor only on pages after the first.",
    needs=("filter",),
)
async def no_previous_first(ctx: ServerContext) -> None:
    advertised(ctx)
    _, walk = await _population_walk(ctx)
    first = walk.pages[0].field("previousCursor")
    ensure(first is None, f"the first page has previousCursor {first!r}")


@server_check(
    "SRV-CUR-006",
    level="SHOULD",
    area="cursor",
    reference=_RFC,
    claim="A previousCursor leads back to the page before.",
    fix="Make previousCursor read the results just before the first one of its page.",
    needs=("filter",),
)
async def previous_page(ctx: ServerContext) -> None:
    advertised(ctx)
    population, walk = await _population_walk(ctx)
    params = [("filter", f'userName sw "{population.prefix}"'), ("count", _PAGE)]
    checked = 0
    for number, page in enumerate(walk.pages[1:], 2):
        back = page.field("previousCursor")
        if not isinstance(back, str):
            continue
        reply = await cursor_page(ctx, "/Users", params, back)
        expect_status(reply, 200, f"GET /Users with the previousCursor of page {number}")
        want = [str(r.get("id")) for r in walk.pages[number - 2].resources()]
        got = [str(r.get("id")) for r in reply.resources()]
        ensure(
            got == want,
            f"page {number}'s previousCursor returned {got}, not page {number - 1}'s {want}",
        )
        checked += 1
    if not checked:
        msg = "the target returns no previousCursor (OPTIONAL in RFC 9865 §2)"
        raise CheckSkipped(msg)


@server_check(
    "SRV-CUR-007",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2; RFC 3986 §2.3",
    claim="Cursor values hold only URL-safe unreserved characters.",
    fix="Encode cursors with letters, digits and '-._~' only (e.g. unpadded base64url).",
    needs=("filter",),
)
async def url_safe(ctx: ServerContext) -> None:
    advertised(ctx)
    _, walk = await _population_walk(ctx)
    bad = [c for c in walk.cursors() if not isinstance(c, str) or not UNRESERVED.match(c)]
    ensure(not bad, f"cursors with other characters: {[str(c)[:40] for c in bad[:3]]}")


@server_check(
    "SRV-CUR-008",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2; RFC 7644 §3.4.1",
    claim="totalResults, when a cursor page has it, counts the whole result set.",
    fix="Return the number of all matching resources as totalResults on every page, or "
    "omit it when you cannot estimate it.",
    needs=("filter",),
)
async def total_results(ctx: ServerContext) -> None:
    advertised(ctx)
    _, walk = await _population_walk(ctx)
    if not walk.ended:
        msg = f"the walk did not end within {len(walk.pages)} pages"
        raise CheckSkipped(msg)
    want = len(set(walk.ids))
    totals = [p.field("totalResults") for p in walk.pages]
    for number, total in enumerate(totals, 1):
        if total is not None:
            ensure(total == want, f"page {number} says totalResults {total!r}; the walk had {want}")
    if all(t is None for t in totals):
        ctx.note("no page carries totalResults (RFC 9865 §2 allows omitting it)")


def _sort_check(number: int, order: str | None) -> None:
    shown = "descending" if order else "ascending"

    @server_check(
        f"SRV-CUR-{number:03d}",
        level="SHOULD",
        area="cursor",
        reference="RFC 9865 §2.2",
        claim=f"Cursor pages follow sortBy=userName {shown}, across pages.",
        fix="Apply sortBy and sortOrder to cursor walks, with the cursor holding the position "
        "in that order.",
        needs=("filter", "sort"),
    )
    async def run(ctx: ServerContext) -> None:
        advertised(ctx)
        extra = (("sortBy", "userName"), *((("sortOrder", order),) if order else ()))
        population, walk = await _population_walk(ctx, extra=extra)
        _judge_walk(ctx, walk, population, 2)
        names = [str(r.get("userName", "")).lower() for r in walk.resources]
        ensure(names == sorted(names, reverse=bool(order)), f"order is {names}")

    run.__name__ = f"sorted_{shown}"


_sort_check(9, None)
_sort_check(10, "descending")


@server_check(
    "SRV-CUR-011",
    level="MUST",
    area="cursor",
    reference="RFC 9865 §2.4",
    claim="A query with neither cursor nor startIndex is answered, paged by the advertised "
    "default method.",
    fix="Page a query that names no method by your default method (never refuse it); with "
    "defaultPaginationMethod 'cursor', return nextCursor while results remain.",
    needs=("filter",),
)
async def default_method(ctx: ServerContext) -> None:
    found = advertised(ctx)
    population = await ctx.population()
    params = {"filter": f'userName sw "{population.prefix}"', "count": _PAGE}
    reply = await ctx.get("/Users", params=params)
    expect_status(reply, 200, "GET /Users?count=2 (no pagination parameter)")
    got = len(reply.resources())
    ensure(got <= 2, f"count=2 returned {got} resources")
    if found.default_method == "cursor" and got < len(population.people):
        ensure(
            reply.field("nextCursor") is not None,
            "the default method is cursor, yet a partial page has no nextCursor",
        )
