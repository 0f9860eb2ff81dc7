"""The Requests tab: the app's request record, newest first, filtered, paged and live.

A page reads only its own records from the store (keyset paging on ``seq``), so the ten
thousandth record costs what the first does. While the newest page is open, the page's script
asks ``requests/feed?after=<newest seq>`` every two seconds and puts the new rows on top.
Each row expands to the request and the response as recorded (secrets already masked by the
pipeline) and to its findings, each linked to the client check it breaks, with that check's
fix hint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from scim_harness.reference_server.console.runner import CheckInfo
from scim_harness.reference_server.console.web import Page
from scim_harness.reference_server.protocol.errors import InvalidValue
from scim_harness.reference_server.protocol.findings import FINDINGS
from scim_harness.reference_server.protocol.schema import format_datetime
from starlette.responses import Response

__all__ = ["PAGE_SIZE", "feed", "requests_page"]

PAGE_SIZE = 50
FEED_LIMIT = 100
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
STATUSES = ("2xx", "3xx", "4xx", "5xx")
_MAX_SHOWN = 20_000
"""Characters of a body shown in a row; the record export has the rest."""


@dataclass(frozen=True)
class Filters:
    method: str | None
    status: tuple[int, int] | None
    status_text: str
    finding: str | None
    since: str | None
    until: str | None
    since_text: str
    until_text: str

    def query(self) -> str:
        pairs = {
            "method": self.method or "",
            "status": self.status_text,
            "finding": self.finding or "",
            "since": self.since_text,
            "until": self.until_text,
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def _status(text: str) -> tuple[int, int] | None:
    if not text:
        return None
    if text in STATUSES:
        low = int(text[0]) * 100
        return low, low + 99
    if text.isdigit() and len(text) == 3:
        return int(text), int(text)
    msg = f"status must be 2xx, 3xx, 4xx, 5xx or a code such as 404, not {text!r}"
    raise InvalidValue(msg)


def _time(text: str, name: str) -> str | None:
    """A ``datetime-local`` value (taken as UTC) or an ISO 8601 time, as stored times read."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        msg = f"{name} must be a date and time such as 2026-01-31T12:00, not {text!r}"
        raise InvalidValue(msg) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment)


def _filters(page: Page) -> Filters:
    method = page.param("method").upper() or None
    if method is not None and method not in METHODS:
        msg = f"method must be one of {', '.join(METHODS)}, not {method!r}"
        raise InvalidValue(msg)
    finding = page.param("finding") or None
    if finding is not None and finding not in FINDINGS:
        msg = f"unknown finding {finding!r}; known: {', '.join(sorted(FINDINGS))}"
        raise InvalidValue(msg)
    status_text = page.param("status").strip().lower()
    since_text, until_text = page.param("since").strip(), page.param("until").strip()
    return Filters(
        method=method,
        status=_status(status_text),
        status_text=status_text,
        finding=finding,
        since=_time(since_text, "since"),
        until=_time(until_text, "until"),
        since_text=since_text,
        until_text=until_text,
    )


def _int(text: str, name: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        msg = f"{name} must be a record number, not {text!r}"
        raise InvalidValue(msg)
    return int(text)


def finding_checks(page: Page) -> dict[str, CheckInfo]:
    """Finding id -> the check it breaks (empty without a conformance runner); cached."""
    state = page.request.app.state
    cached: dict[str, CheckInfo] | None = getattr(state, "console_finding_checks", None)
    if cached is None:
        runner = page.runner
        cached = {}
        if runner is not None:
            checks = {check.id: check for check in runner.checks()}
            cached = {
                finding: checks[check_id]
                for finding, check_id in runner.finding_checks().items()
                if check_id in checks
            }
        state.console_finding_checks = cached
    return cached


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    if len(text) > _MAX_SHOWN:
        return text[:_MAX_SHOWN] + f"\n... ({len(text) - _MAX_SHOWN} more characters)"
    return text


def _row(entry: dict[str, Any], checks: dict[str, CheckInfo]) -> dict[str, Any]:
    findings = [
        {
            "id": str(f.get("id", "")),
            "detail": str(f.get("detail", "")),
            "meaning": FINDINGS.get(str(f.get("id", "")), ""),
            "check": checks.get(str(f.get("id", ""))),
        }
        for f in entry.get("findings") or []
        if isinstance(f, dict)
    ]
    return {
        "seq": entry["seq"],
        "at": entry.get("at", ""),
        "method": entry.get("method", ""),
        "path": entry.get("path", ""),
        "query": entry.get("query", ""),
        "status": entry.get("status", ""),
        "elapsed": entry.get("elapsed_ms", ""),
        "headers": entry.get("headers") or {},
        "body": _shown(entry.get("body")),
        "response_headers": entry.get("response_headers") or {},
        "response": _shown(entry.get("response")),
        "findings": findings,
    }


def _read(page: Page, filters: Filters, **window: Any) -> tuple[int, list[dict[str, Any]]]:
    total, entries = page.store.request_page(
        page.app.name,
        method=filters.method,
        status=filters.status,
        finding=filters.finding,
        since=filters.since,
        until=filters.until,
        **window,
    )
    checks = finding_checks(page)
    return total, [_row(e, checks) for e in entries]


async def requests_page(page: Page) -> Response:
    filters = _filters(page)
    before = _int(page.param("before"), "before")
    total, rows = _read(page, filters, before_seq=before, limit=PAGE_SIZE + 1)
    # The next page: records older than the last one shown (the extra row says there is one).
    older = rows[PAGE_SIZE - 1]["seq"] if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    return page.render(
        "requests.html",
        tab="requests",
        rows=rows,
        total=total,
        filters=filters,
        query=filters.query(),
        before=before,
        older=older,
        live=before is None,
        newest=rows[0]["seq"] if rows else 0,
        methods=METHODS,
        statuses=STATUSES,
        finding_ids=sorted(FINDINGS),
    )


async def feed(page: Page) -> Response:
    """The rows newer than ``after`` (newest first), as HTML to put on top of the table."""
    filters = _filters(page)
    after = _int(page.param("after"), "after") or 0
    _, rows = _read(page, filters, after_seq=after, limit=FEED_LIMIT)
    response = page.render("request_rows.html", rows=rows)
    response.headers["X-Newest-Seq"] = str(rows[0]["seq"] if rows else after)
    response.headers["X-Rows"] = str(len(rows))
    return response
