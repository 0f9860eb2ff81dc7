"""Admin reads of an app's data: its directory records and its request record.

    GET /admin/apps/{app}/directory/users    ?startIndex=1&count=100  (paged like SCIM lists)
    GET /admin/apps/{app}/directory/groups   ?startIndex=1&count=100
    GET /admin/apps/{app}/requests           ?after=<seq>&limit=100&since=&until=&finding=
    GET /admin/apps/{app}/requests.jsonl     the same filters, every match, one JSON per line
    GET /admin/apps/{app}/requests.har       the same, as HAR 1.2 (:mod:`.har`)

The request record is read oldest first; ``nextAfter`` is the ``after`` of the next page
(null on the last one), so a reader can follow a live record without missing or repeating
an entry.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from scim_harness.reference_server.admin.edge import (
    AdminCall,
    check_params,
    int_param,
    json_response,
)
from scim_harness.reference_server.protocol.errors import InvalidValue
from scim_harness.reference_server.protocol.findings import FINDINGS
from scim_harness.reference_server.protocol.schema import format_datetime, parse_datetime
from scim_harness.reference_server.settings import AppSettings
from starlette.responses import Response, StreamingResponse

__all__ = ["directory_groups", "directory_users", "query_filters", "requests", "requests_jsonl"]

_DEFAULT_LIMIT = 100
_MAX_LIMIT = 1000
_EXPORT_PAGE = 500


def _directory(call: AdminCall, rtype: str) -> Response:
    row = call.app()
    check_params(call, ("startIndex", "count"))
    # As RFC 7644 §3.4.2.4: startIndex below 1 means 1, a negative count 0; pages are capped.
    start = max(int_param(call, "startIndex", 1), 1)
    cap = call.server.settings.max_results
    count = min(max(int_param(call, "count", cap), 0), cap)
    total, records = call.server.store.directory_records(row.name, rtype, start - 1, count)
    body = {
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(records),
        "Resources": records,
    }
    return json_response(body)


def directory_users(call: AdminCall) -> Response:
    return _directory(call, "User")


def directory_groups(call: AdminCall) -> Response:
    return _directory(call, "Group")


@dataclass(frozen=True)
class _Query:
    since: str | None
    until: str | None
    finding: str | None
    after: int
    retention: int


def _time(call: AdminCall, name: str) -> str | None:
    text = call.request.query_params.get(name)
    if not text:
        return None
    try:
        # Stored times are format_datetime text (UTC, fixed width): they compare as strings.
        return format_datetime(parse_datetime(text))
    except (ValueError, OverflowError):
        msg = f"{name} must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z, not {text!r}"
        raise InvalidValue(msg) from None


def _query(call: AdminCall, *params: str) -> _Query:
    row = call.app()
    check_params(call, ("after", "since", "until", "finding", *params))
    finding = call.request.query_params.get("finding") or None
    if finding is not None and finding not in FINDINGS:
        msg = f"unknown finding {finding!r}; known: {', '.join(sorted(FINDINGS))}"
        raise InvalidValue(msg)
    return _Query(
        since=_time(call, "since"),
        until=_time(call, "until"),
        finding=finding,
        after=max(int_param(call, "after", 0), 0),
        retention=AppSettings.from_json(row.settings).retention,
    )


def query_filters(call: AdminCall) -> _Query:
    """The checked filters of an export of the record (``since``, ``until``, ``finding``,
    ``after``), for the exports that live elsewhere (``requests.har``)."""
    return _query(call)


def requests(call: AdminCall) -> Response:
    query = _query(call, "limit")
    limit = min(max(int_param(call, "limit", _DEFAULT_LIMIT), 1), _MAX_LIMIT)
    entries = call.server.store.requests(
        call.request.path_params["app"],
        since=query.since,
        until=query.until,
        finding=query.finding,
        after_seq=query.after,
        limit=limit + 1,
        retention=query.retention,
    )
    more = len(entries) > limit
    entries = entries[:limit]
    body = {"requests": entries, "nextAfter": entries[-1]["seq"] if more else None}
    return json_response(body)


def requests_jsonl(call: AdminCall) -> Response:
    query = _query(call)
    app = call.request.path_params["app"]
    store = call.server.store
    store.requests(app, limit=0, retention=query.retention)  # drop what retention no longer keeps

    async def lines() -> AsyncIterator[bytes]:
        # Page by seq, in the event loop thread (the store's connection is not shared).
        after = query.after
        while True:
            page = store.requests(
                app,
                since=query.since,
                until=query.until,
                finding=query.finding,
                after_seq=after,
                limit=_EXPORT_PAGE,
            )
            if page:
                yield "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in page).encode()
            if len(page) < _EXPORT_PAGE:
                return
            after = page[-1]["seq"]

    headers = {"Content-Disposition": f'attachment; filename="{app}-requests.jsonl"'}
    return StreamingResponse(lines(), media_type="application/x-ndjson", headers=headers)
