"""Server checks: paging (RFC 7644 §3.4.2.4) and sorting (§3.4.2.3) of list responses.

Paging is judged for consistency with what the server itself says (totalResults, the pages it
returns), over the population's userName prefix: these checks do not depend on the filter
being right, which the filter checks judge.
"""

from __future__ import annotations

from typing import Any

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckFailed
from scim_harness.conformance.server.context import Reply, ServerContext, ensure, expect_status
from scim_harness.conformance.server.data import Population
from scim_harness.conformance.server.values import value_at

__all__: list[str] = []

_PAGE = "RFC 7644 §3.4.2.4"
_SORT = "RFC 7644 §3.4.2.3"
_MAX_WALK = 20


async def _list(ctx: ServerContext, population: Population, **params: str) -> Reply:
    query = dict(params)
    if ctx.supports("filter") is not False:
        query["filter"] = f'userName sw "{population.prefix}"'
    if ctx.supports("sort") and "sortBy" not in query:
        query["sortBy"] = "userName"
    reply = await ctx.get("/Users", params=query)
    shown = "&".join(f"{k}={v}" for k, v in params.items())
    expect_status(reply, 200, f"GET /Users?{shown}")
    return reply


def _total(reply: Reply) -> int:
    total = reply.field("totalResults")
    if not isinstance(total, int) or isinstance(total, bool):
        msg = f"totalResults is {total!r}, not an integer"
        raise CheckFailed(msg)
    return total


def _ids(reply: Reply) -> list[str]:
    return [str(r.get("id")) for r in reply.resources()]


@server_check(
    "SRV-PAG-001",
    level="MUST",
    area="paging",
    reference=_PAGE,
    claim="count and startIndex give one page: at most count resources, startIndex echoed, "
    "itemsPerPage equal to the page size.",
    fix="Apply startIndex (1-based) and count, and answer totalResults, startIndex and "
    "itemsPerPage in the ListResponse.",
)
async def one_page(ctx: ServerContext) -> None:
    population = await ctx.population()
    reply = await _list(ctx, population, startIndex="2", count="2")
    total = _total(reply)
    got = reply.resources()
    ensure(
        len(got) == min(2, max(total - 1, 0)),
        f"count=2 from startIndex=2 of {total} returned {len(got)} resources",
    )
    ensure(reply.field("startIndex") == 2, f"startIndex is {reply.field('startIndex')!r}, sent 2")
    ensure(
        reply.field("itemsPerPage") == len(got),
        f"itemsPerPage is {reply.field('itemsPerPage')!r} for {len(got)} resources",
    )


@server_check(
    "SRV-PAG-002",
    level="MUST",
    area="paging",
    reference=_PAGE,
    claim="Walking the pages with startIndex returns every resource exactly once.",
    fix="Page over a stable order (e.g. by id or the sortBy attribute) so that consecutive "
    "pages neither repeat nor skip resources.",
)
async def walk_pages(ctx: ServerContext) -> None:
    population = await ctx.population()
    first = await _list(ctx, population, startIndex="1", count="2")
    total = _total(first)
    seen = _ids(first)
    pages = 1
    while len(seen) < total and pages < _MAX_WALK:
        page = await _list(ctx, population, startIndex=str(len(seen) + 1), count="2")
        ids = _ids(page)
        if not ids:
            break
        seen.extend(ids)
        pages += 1
    repeated = sorted({i for i in seen if seen.count(i) > 1})
    ensure(not repeated, f"pages repeat resources: {repeated[:5]}")
    if pages >= _MAX_WALK:
        ctx.note(f"walked the first {pages} pages of {total} results only")
        return
    ensure(len(seen) == total, f"the pages hold {len(seen)} resources, totalResults is {total}")


@server_check(
    "SRV-PAG-003",
    level="MUST",
    area="paging",
    reference=_PAGE,
    claim="count=0 returns no resources, only totalResults.",
    fix="For count=0 answer the ListResponse with totalResults and no Resources.",
)
async def count_zero(ctx: ServerContext) -> None:
    population = await ctx.population()
    full = await _list(ctx, population)
    reply = await _list(ctx, population, count="0")
    ensure(not reply.resources(), f"count=0 returned {len(reply.resources())} resources")
    ensure(
        _total(reply) == _total(full),
        f"count=0 says totalResults {_total(reply)}, without count it is {_total(full)}",
    )


@server_check(
    "SRV-PAG-004",
    level="MUST",
    area="paging",
    reference=_PAGE,
    claim="A startIndex past the end answers 200 with no resources and the same totalResults.",
    fix="Answer an empty page (not an error) when startIndex is beyond totalResults.",
)
async def past_the_end(ctx: ServerContext) -> None:
    population = await ctx.population()
    full = await _list(ctx, population)
    total = _total(full)
    reply = await _list(ctx, population, startIndex=str(total + 1), count="5")
    ensure(not reply.resources(), f"startIndex={total + 1} returned resources")
    ensure(_total(reply) == total, f"totalResults changed from {total} to {_total(reply)}")


@server_check(
    "SRV-PAG-005",
    level="MUST",
    area="paging",
    reference=_PAGE,
    claim="startIndex below 1 is read as 1, and a negative count as 0.",
    fix="Clamp startIndex to at least 1 and count to at least 0 instead of failing.",
)
async def clamped(ctx: ServerContext) -> None:
    population = await ctx.population()
    first = await _list(ctx, population, startIndex="1", count="2")
    zero = await _list(ctx, population, startIndex="0", count="2")
    ensure(_ids(zero) == _ids(first), "startIndex=0 did not answer the first page")
    negative = await _list(ctx, population, count="-1")
    ensure(not negative.resources(), "count=-1 returned resources (it means 0)")


def _key(resource: dict[str, Any], path: str) -> str:
    value = value_at(resource, path)
    return str(value).lower() if value is not None else ""


async def _sorted(ctx: ServerContext, path: str, order: str | None) -> list[str]:
    population = await ctx.population()
    params = {"sortBy": path}
    if order:
        params["sortOrder"] = order
    reply = await _list(ctx, population, **params)
    keys = []
    for resource in reply.resources():
        tag = population.tag_of(str(resource.get("id")))
        if path == "name.familyName" and not tag.startswith("("):
            keys.append(population.person(tag).family.lower())  # known even if not returned
        else:
            keys.append(_key(resource, path))
    ensure(len(keys) >= len(population.people), "the sorted list lacks population members")
    return keys


def _sort_check(number: int, path: str, order: str | None, level: str) -> None:
    shown = f"sortBy={path}" + (f"&sortOrder={order}" if order else "")

    @server_check(
        f"SRV-SRT-{number:03d}",
        level=level,
        area="sort",
        reference=_SORT,
        claim=f"{shown} returns the resources in "
        f"{'descending' if order == 'descending' else 'ascending'} order.",
        fix="Order by the sortBy attribute (case-insensitively where caseExact is false), "
        "ascending by default, descending for sortOrder=descending.",
        needs=("sort",),
    )
    async def run(ctx: ServerContext) -> None:
        keys = await _sorted(ctx, path, order)
        want = sorted(keys, reverse=order == "descending")
        ensure(keys == want, f"{shown}: order is {keys}")

    run.__name__ = f"sort_{number}"


_sort_check(1, "userName", None, "MUST")
_sort_check(2, "userName", "descending", "MUST")
_sort_check(3, "name.familyName", "ascending", "SHOULD")
