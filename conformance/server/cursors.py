"""What the cursor checks share: the advertised RFC 9865 pagination, and walking a list.

A walk starts with an empty ``cursor`` and follows each ``nextCursor`` as it was returned,
recording every page, until a page without one (the last) or a bound on the pages. The
checks judge the walk against the resources the suite itself created, never against what
the target says it holds.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from scim_harness.conformance.model import CheckFailed, CheckSkipped
from scim_harness.conformance.server.context import Reply, ServerContext, detail, expect_status

__all__ = [
    "SEARCH_REQUEST",
    "UNRESERVED",
    "Between",
    "Pagination",
    "Walk",
    "advertised",
    "cursor_page",
    "cursor_walk",
    "is_int",
    "pagination",
]

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
UNRESERVED = re.compile(r"^[A-Za-z0-9._~-]+$")
"""RFC 3986 §2.3: the only characters a cursor may hold (RFC 9865 §2)."""
_ENDED_BY = 12


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Pagination:
    """The ``pagination`` object of a ServiceProviderConfig (RFC 9865 §4), as read."""

    raw: dict[str, Any]

    @property
    def cursor(self) -> bool:
        return self.raw.get("cursor") is True

    def number(self, name: str) -> int | None:
        value = self.raw.get(name)
        return value if is_int(value) and value > 0 else None

    @property
    def default_method(self) -> str | None:
        value = self.raw.get("defaultPaginationMethod")
        return value if isinstance(value, str) else None


def pagination(ctx: ServerContext) -> Pagination | None:
    """The target's advertised pagination, None when it publishes none."""
    value = ctx.spc.get("pagination") if isinstance(ctx.spc, dict) else None
    return Pagination(value) if isinstance(value, dict) else None


def advertised(ctx: ServerContext) -> Pagination:
    """The pagination of a target that advertises cursors; skip the check otherwise."""
    if ctx.spc is None:
        msg = "could not read /ServiceProviderConfig, so cursor support is unknown"
        raise CheckSkipped(msg)
    found = pagination(ctx)
    if found is None or not found.cursor:
        msg = (
            "the target does not advertise cursor pagination "
            "(ServiceProviderConfig pagination.cursor is not true, RFC 9865 §4)"
        )
        raise CheckSkipped(msg)
    return found


Between = Callable[[int, "Walk"], Awaitable[None]]
"""Run after each page but the last, with the number of pages read (concurrent writes)."""


@dataclass
class Walk:
    """The pages of one cursor walk, in order."""

    pages: list[Reply] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    """The cursor value of each request ("" first)."""
    ended: bool = False
    """The last page came (one without nextCursor)."""

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [r for page in self.pages for r in page.resources()]

    @property
    def ids(self) -> list[str]:
        return [str(r.get("id")) for r in self.resources]

    def cursors(self) -> list[str]:
        """Every nextCursor and previousCursor the target returned."""
        found = []
        for page in self.pages:
            for name in ("nextCursor", "previousCursor"):
                value = page.field(name)
                if value is not None:
                    found.append(value)
        return found


def _next(page: Reply) -> str | None:
    value = page.field("nextCursor")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        msg = f"nextCursor is {value!r}: a cursor is a non-empty string (RFC 9865 §2)"
        raise CheckFailed(msg)
    return value


async def cursor_page(
    ctx: ServerContext,
    path: str,
    params: list[tuple[str, str]],
    cursor: str,
    *,
    search: bool = False,
) -> Reply:
    """One page: GET ``path`` with ``params`` and ``cursor``, or POST it as a SearchRequest."""
    if search:
        body: dict[str, Any] = {"schemas": [SEARCH_REQUEST]}
        for key, value in params:
            body[key] = int(value) if key == "count" else value
        body["cursor"] = cursor
        return await ctx.post(path, body)
    return await ctx.get(path, params=[*params, ("cursor", cursor)])


async def cursor_walk(
    ctx: ServerContext,
    path: str,
    params: list[tuple[str, str]],
    *,
    search: bool = False,
    between: Between | None = None,
    max_pages: int = _ENDED_BY,
) -> Walk:
    """Walk from an empty cursor along nextCursor (see the module docstring)."""
    walk = Walk()
    cursor = ""
    shown = "POST " + path if search else "GET " + path
    for number in range(1, max_pages + 1):
        reply = await cursor_page(ctx, path, params, cursor, search=search)
        expect_status(reply, 200, f"{shown} with cursor {cursor!r:.40} (page {number})")
        if not isinstance(reply.body, dict):
            msg = f"page {number} is not a ListResponse: {detail(reply)}"
            raise CheckFailed(msg)
        walk.pages.append(reply)
        walk.sent.append(cursor)
        following = _next(reply)
        if following is None:
            walk.ended = True
            return walk
        if following == cursor:
            msg = f"page {number} returned the cursor it was asked for as its nextCursor"
            raise CheckFailed(msg)
        if between is not None:
            await between(number, walk)
        cursor = following
    return walk
