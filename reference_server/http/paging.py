"""Cursor pages (RFC 9865) of GET lists and POST ``/.search``, beside index paging.

A request carrying ``cursor`` (empty to start, then a ``nextCursor`` or ``previousCursor`` as
returned) is answered here; one without it keeps RFC 7644 index paging (``startIndex``), the
default method this server advertises (RFC 9865 §2.4: a provider that adds cursors keeps
index as its default). A cursor page reads by keyset (``store.keyset``), so a walk returns
every resource that exists for its whole duration exactly once, whatever is inserted or
deleted meanwhile, and the last page costs what the first does.

Errors (RFC 9865 §2.1): a cursor that does not verify (forged, edited, another app's, another
endpoint's or another query's) is 400 ``invalidCursor``; one older than ``cursorTimeout`` is
400 ``expiredCursor``; a ``count`` that is not an integer, is above ``maxPageSize`` or differs
from the walk's first request is 400 ``invalidCount``. ``cursor`` with ``startIndex`` asks for
two methods at once: 400 ``invalidValue``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol.errors import (
    InvalidCount,
    InvalidCursor,
    InvalidValue,
)
from scim_harness.reference_server.protocol.schema import ResourceType
from scim_harness.reference_server.query import filters
from scim_harness.reference_server.query.cursor import (
    INVALID_CURSOR,
    CursorCodec,
    Direction,
    Position,
    binding,
)
from scim_harness.reference_server.store.sqlite import KeysetRow, SqliteStore

__all__ = ["CursorPage", "CursorQuery", "cursor_page", "wants_cursor"]

_INTEGER = re.compile(r"^[+-]?\d{1,40}$")
Found = tuple[int, KeysetRow]
"""A row of a cursor page and the rank of its resource type."""


def _param(params: dict[str, Any], name: str) -> Any:
    lowered = name.lower()
    for key, value in params.items():
        if key.lower() == lowered:
            return value
    return None


def wants_cursor(params: dict[str, Any]) -> bool:
    """The request asks for cursor pagination: it carries ``cursor`` (RFC 9865 §2)."""
    return any(k.lower() == "cursor" and v is not None for k, v in params.items())


def _count(params: dict[str, Any], maximum: int) -> int | None:
    raw = _param(params, "count")
    if raw is None or raw == "":
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str) and _INTEGER.match(raw.strip()):
        number = int(raw.strip())
    else:
        shown = repr(raw)[:40]
        msg = f"count must be an integer between 0 and maxPageSize ({maximum}), not {shown}"
        raise InvalidCount(msg)
    if number > maximum:
        # RFC 9865 §2.1: invalidCount beyond the advertised maxPageSize.
        msg = f"count {number} is above maxPageSize ({maximum}); ask for {maximum} or fewer"
        raise InvalidCount(msg)
    return max(number, 0)  # RFC 9865 §2: a negative count is read as 0


@dataclass(frozen=True)
class CursorQuery:
    """A cursor request, parsed: what to list, in which order, how many, from where."""

    rtypes: tuple[ResourceType, ...]
    flts: tuple[filters.Filter | None, ...]
    sorts: tuple[filters.AttrPath | None, ...]
    descending: bool
    count: int | None
    limit: int
    cursor: str
    bound: bytes

    @classmethod
    def parse(
        cls,
        params: dict[str, Any],
        rtypes: Sequence[ResourceType],
        *,
        app: str,
        app_created: str,
        root: bool,
        max_page_size: int,
    ) -> CursorQuery:
        cursor = _param(params, "cursor")
        if not isinstance(cursor, str):
            raise InvalidCursor(INVALID_CURSOR)
        start = _param(params, "startIndex")
        if start is not None and start != "":
            msg = (
                "cursor and startIndex ask for two pagination methods at once: send cursor "
                "(RFC 9865) or startIndex (RFC 7644 §3.4.2.4), not both"
            )
            raise InvalidValue(msg)
        count = _count(params, max_page_size)
        text = _param(params, "filter")
        if text is not None and not isinstance(text, str):
            msg = "filter must be a string"
            raise InvalidValue(msg)
        sort_by = _param(params, "sortBy")
        sort_text = sort_by if isinstance(sort_by, str) and sort_by else None
        order = _param(params, "sortOrder")
        if order is not None and str(order).lower() not in ("ascending", "descending"):
            msg = f"sortOrder must be 'ascending' or 'descending', not {order!r}"
            raise InvalidValue(msg)
        descending = str(order).lower() == "descending"
        parsed = tuple(None if text is None else filters.parse_filter(text, r) for r in rtypes)
        sorts = tuple(
            None if sort_text is None else filters.parse_attr_path(sort_text, r) for r in rtypes
        )
        scope = "*" if root else rtypes[0].name
        query = (text or "", (sort_text or "").lower(), "descending" if descending else "")
        return cls(
            rtypes=tuple(rtypes),
            flts=parsed,
            sorts=sorts,
            descending=descending,
            count=count,
            limit=max_page_size if count is None else count,
            cursor=cursor,
            bound=binding(app, app_created, scope, query),
        )


@dataclass(frozen=True)
class CursorPage:
    """One cursor page: the resources (with their type), the total and the cursors."""

    total: int
    items: list[tuple[ResourceType, dict[str, Any]]]
    next_cursor: str | None
    previous_cursor: str | None


class _Reader:
    """Reads rows of one query across its resource types, forward or backward."""

    def __init__(self, store: SqliteStore, app: str, query: CursorQuery) -> None:
        self.store = store
        self.app = app
        self.query = query

    def read(self, start: Position | None, limit: int, *, backward: bool) -> list[Found]:
        """Up to ``limit`` rows beyond ``start`` (nearest first when ``backward``)."""
        q = self.query
        last = len(q.rtypes) - 1
        first_rank = (last if backward else 0) if start is None else start.rank
        ranks = range(first_rank, -1, -1) if backward else range(first_rank, last + 1)
        out: list[Found] = []
        for rank in ranks:
            after = None
            if start is not None and rank == start.rank:
                after = (start.missing, start.key, start.seq)
            rows = self.store.keyset_rows(
                self.app,
                q.rtypes[rank],
                q.flts[rank],
                sort=q.sorts[rank],
                descending=q.descending,
                after=after,
                backward=backward,
                limit=limit - len(out),
            )
            out.extend((rank, row) for row in rows)
            if len(out) >= limit:
                break
        return out

    def total(self) -> int:
        q = self.query
        return sum(
            self.store.search(self.app, rtype, flt, count=0).total
            for rtype, flt in zip(q.rtypes, q.flts, strict=True)
        )


def _position(found: Found) -> Position:
    rank, row = found
    return Position(rank, row.missing, row.key, row.seq)


def cursor_page(store: SqliteStore, codec: CursorCodec, app: str, query: CursorQuery) -> CursorPage:
    """Answer a cursor request (see the module docstring)."""
    token = codec.verify(query.bound, query.cursor) if query.cursor else None
    if token is not None and token.count != query.count:
        # RFC 9865 §2.1: every page of a walk asks for the count its first request did.
        was = "no count" if token.count is None else f"count={token.count}"
        msg = f"this walk was started with {was}: send the same count with every cursor"
        raise InvalidCount(msg)
    reader = _Reader(store, app, query)
    total = reader.total()
    if query.limit == 0:
        return CursorPage(total, [], None, None)

    def issue(direction: Direction, found: Found) -> str:
        return codec.issue(query.bound, direction, _position(found), query.count)

    rows: list[Found]
    previous = None
    if token is not None and token.direction == "previous":
        before = reader.read(token.position, query.limit + 1, backward=True)
        if len(before) > query.limit:
            rows = list(reversed(before[: query.limit]))
            previous = issue("previous", rows[0])
            ahead = reader.read(_position(rows[-1]), 1, backward=False)
            nxt = issue("next", rows[-1]) if ahead else None
            return CursorPage(total, _items(query, rows), nxt, previous)
        token = None  # the previous page reaches the start: it is the first page
    start = None if token is None else token.position
    found = reader.read(start, query.limit + 1, backward=False)
    rows = found[: query.limit]
    nxt = issue("next", rows[-1]) if len(found) > query.limit else None
    # RFC 9865 §2: no previousCursor with the first page (nor when nothing precedes).
    if token is not None and rows and reader.read(_position(rows[0]), 1, backward=True):
        previous = issue("previous", rows[0])
    return CursorPage(total, _items(query, rows), nxt, previous)


def _items(query: CursorQuery, rows: list[Found]) -> list[tuple[ResourceType, dict[str, Any]]]:
    return [(query.rtypes[rank], row.data) for rank, row in rows]
