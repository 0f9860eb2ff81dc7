"""Client checks on RFC 9865 cursor walks in the recorded traffic.

A *cursor request* lists ``/Users`` or ``/Groups`` (GET) or queries a ``/.search`` (POST)
with a ``cursor``: empty to start a walk, else a ``nextCursor``/``previousCursor`` the server
returned. The checks follow each walk through the records: every cursor the client sends was
returned to it (RFC 9865 §2: cursors are opaque, used as returned), every other parameter of
the walk stays as it was (§2: MUST be identical), a walk the client starts is followed to its
last page, and no page asks for more than the advertised ``maxPageSize`` (§4).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.body import ci_get
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = ["cursors_as_returned", "page_sizes_honoured", "same_query", "walks_followed"]

_CURSORS = ("nextCursor", "previousCursor")


@dataclass(frozen=True)
class _CursorRequest:
    record: Record
    cursor: str
    query: tuple[Any, ...]
    """Everything but the cursor: method, path and the other parameters (or body members)."""


def _cursor_request(record: Record) -> _CursorRequest | None:
    if record.method == "GET" and record.endpoint in ("Users", "Groups") and not record.search:
        if record.resource_id is not None:
            return None
        cursor = record.param("cursor")
        if cursor is None:
            return None
        rest = sorted((k.lower(), v) for k, v in record.params if k.lower() != "cursor")
        return _CursorRequest(record, cursor, ("GET", record.rel_path, tuple(rest)))
    if record.method == "POST" and record.search and isinstance(record.body, dict):
        cursor = ci_get(record.body, "cursor")
        if not isinstance(cursor, str):
            return None
        rest = sorted(
            (str(k).lower(), repr(v)) for k, v in record.body.items() if str(k).lower() != "cursor"
        )
        return _CursorRequest(record, cursor, ("POST", record.rel_path, tuple(rest)))
    return None


def _cursor_requests(traffic: Traffic) -> Iterator[_CursorRequest]:
    for record in traffic:
        found = _cursor_request(record)
        if found is not None:
            yield found


def _returned(record: Record) -> list[str]:
    response = record.response
    if not record.ok or not isinstance(response, dict):
        return []
    found = (ci_get(response, name) for name in _CURSORS)
    return [value for value in found if isinstance(value, str) and value]


@client_check(
    "CLI-CUR-001",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2",
    claim="Every cursor the client sends was returned to it as nextCursor or previousCursor.",
    fix="Treat cursors as opaque: send an empty cursor to start, then each nextCursor "
    "exactly as the server returned it; never build or edit one.",
)
def cursors_as_returned(traffic: Traffic) -> None:
    evidence = Evidence("cursor requests")
    given: dict[str, _CursorRequest] = {}
    for request in _cursor_requests(traffic):
        if request.cursor:
            evidence.judge(
                request.record,
                None
                if request.cursor in given
                else f"cursor {request.cursor[:40]!r} was never returned by the server",
            )
        for value in _returned(request.record):
            given.setdefault(value, request)
    evidence.conclude("the client sent no request with a non-empty cursor")


@client_check(
    "CLI-CUR-002",
    level="MUST",
    area="cursor",
    reference="RFC 9865 §2",
    claim="Each page of a cursor walk repeats the walk's endpoint and every other query "
    "parameter unchanged.",
    fix="Send each next page with the same endpoint, filter, sortBy, sortOrder, count and "
    "attributes as the walk's first request, changing only the cursor.",
)
def same_query(traffic: Traffic) -> None:
    evidence = Evidence("cursor requests continuing a walk")
    given: dict[str, _CursorRequest] = {}
    for request in _cursor_requests(traffic):
        origin = given.get(request.cursor) if request.cursor else None
        if origin is not None:
            why = None
            if origin.query != request.query:
                why = f"continues the walk of {origin.record.label()} with other parameters"
            evidence.judge(request.record, why)
        for value in _returned(request.record):
            given.setdefault(value, request)
    evidence.conclude("no request continued a cursor walk with a returned cursor")


@client_check(
    "CLI-CUR-003",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2",
    claim="A cursor walk the client starts is followed to its last page (the one without "
    "nextCursor).",
    fix="Keep requesting with each nextCursor until a page comes without one; an import that "
    "stops early misses resources.",
)
def walks_followed(traffic: Traffic) -> None:
    evidence = Evidence("cursor pages with a nextCursor")
    requests = list(_cursor_requests(traffic))
    sent_later: dict[str, int] = {}
    for request in requests:
        if request.cursor:
            sent_later[request.cursor] = request.record.seq
    for request in requests:
        response = request.record.response
        following = ci_get(response, "nextCursor") if isinstance(response, dict) else None
        if not request.record.ok or not isinstance(following, str) or not following:
            continue
        followed = sent_later.get(following, 0) > request.record.seq
        evidence.judge(
            request.record,
            None if followed else "its nextCursor was never sent: the walk stopped here",
        )
    evidence.conclude("no cursor page in the traffic had a nextCursor")


def _max_page_size(record: Record) -> int | None:
    found = ci_get(ci_get(record.response, "pagination"), "maxPageSize")
    return found if isinstance(found, int) and not isinstance(found, bool) and found > 0 else None


def _count(request: _CursorRequest) -> int | None:
    record = request.record
    raw = record.param("count") if record.method == "GET" else ci_get(record.body, "count")
    if isinstance(raw, str) and raw.strip().lstrip("+-").isdigit():
        return int(raw)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


@client_check(
    "CLI-CUR-004",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2.1, §4",
    claim="Cursor pages ask for no more than the advertised maxPageSize.",
    fix="Read pagination.maxPageSize from /ServiceProviderConfig and send count at most that.",
)
def page_sizes_honoured(traffic: Traffic) -> None:
    evidence = Evidence("cursor requests with a count")
    reads = traffic.index.config_reads
    for request in _cursor_requests(traffic):
        count = _count(request)
        record = request.record
        if count is None:
            continue
        config = next((r for r in reversed(reads) if r.seq < record.seq), None)
        maximum = _max_page_size(config) if config is not None else None
        refused = record.status == 400 and ci_get(record.response, "scimType") == "invalidCount"
        if maximum is not None and count > maximum:
            evidence.bad(record, f"count={count}, above the maxPageSize {maximum} advertised")
        elif refused and not request.cursor:  # a first page: not a count changed mid-walk
            evidence.bad(record, f"count={count} was refused with invalidCount")
        elif maximum is not None:
            evidence.ok(record)
    evidence.conclude("no cursor request with a count after a maxPageSize was advertised")
