"""The Requests and Directory tabs: paging that reads one page, filters, the live feed,
findings linked to their check, secrets masked, directory search."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from console_support import ConsoleClient, console, console_app, stub_runner
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import user_body

__all__ = ["console", "console_app", "stub_runner"]


def _record(store: SqliteStore, n: int, **fields: Any) -> None:
    record = {
        "at": f"2026-01-01T00:{n // 3600 % 60:02d}:{n // 60 % 60:02d}.{n % 60:06d}Z",
        "method": "GET" if n % 2 else "POST",
        "path": f"/apps/demo/scim/v2/Users/{n}",
        "query": "",
        "headers": {"authorization": "Bearer ***"},
        "body": None,
        "status": 200 if n % 10 else 404,
        "response_headers": {},
        "response": None,
        "elapsed_ms": 1.0,
        "findings": [],
        **fields,
    }
    findings = [f["id"] for f in record["findings"]]
    store.record_request(
        "demo", record["at"], record["method"], record["path"], "", record, findings, 20_000
    )


def _text(page: str) -> str:
    """The page's text, tags removed."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _seqs(page: str) -> list[int]:
    return [int(s) for s in re.findall(r'data-seq="(\d+)"', page)]


async def test_a_record_of_10000_requests_pages_without_reading_them_all(
    console: ConsoleClient, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page reads at most one page of records from the store, newest first."""
    for n in range(10_000):
        _record(store, n)
    store.flush_requests()
    reads: list[tuple[int, int]] = []
    real = store.request_page

    def spy(app: str, **kwargs: Any) -> tuple[int, list[dict[str, Any]]]:
        total, rows = real(app, **kwargs)
        reads.append((kwargs["limit"], len(rows)))
        return total, rows

    monkeypatch.setattr(store, "request_page", spy)
    page = (await console.get("/console/apps/demo/requests")).text
    assert "10000 requests recorded" in _text(page)
    first = _seqs(page)
    assert len(first) == 50
    assert first == sorted(first, reverse=True)
    seen = list(first)
    for _ in range(3):  # follow "Older" three times
        older = re.search(r'requests\?before=(\d+)" rel="next"', page)
        assert older is not None
        page = (await console.get("/console/apps/demo/requests", before=older.group(1))).text
        seen += _seqs(page)
    assert len(seen) == len(set(seen)) == 200
    assert seen == sorted(seen, reverse=True)
    assert reads and all(limit <= 51 and rows <= 51 for limit, rows in reads)
    last = (await console.get("/console/apps/demo/requests", before=str(min(seen) - 9_790))).text
    assert 'rel="next"' not in last


async def test_the_filters_narrow_the_record(console: ConsoleClient, store: SqliteStore) -> None:
    """Method, status class and finding id each keep only matching requests."""
    for n in range(40):
        findings = [{"id": "LENIENT-OP-CASE", "detail": "op 'Add'"}] if n % 4 == 0 else []
        _record(store, n, findings=findings)
    page = (await console.get("/console/apps/demo/requests", method="GET")).text
    assert "20 requests recorded matching" in _text(page)
    page = (await console.get("/console/apps/demo/requests", status="4xx")).text
    assert "4 requests recorded matching" in _text(page)
    page = (await console.get("/console/apps/demo/requests", status="404", method="POST")).text
    assert "4 requests recorded matching" in _text(page)
    page = (await console.get("/console/apps/demo/requests", finding="LENIENT-OP-CASE")).text
    assert "10 requests recorded matching" in _text(page)
    page = (
        await console.get(
            "/console/apps/demo/requests",
            since="2026-01-01T00:00:00.000010",
            until="2026-01-01T00:00:00.000019",
        )
    ).text
    assert "10 requests recorded matching" in _text(page)


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("method", "BREW", "method must be one of GET, POST, PUT, PATCH, DELETE"),
        ("status", "teapot", "status must be 2xx, 3xx, 4xx, 5xx or a code"),
        ("finding", "NOPE", "unknown finding 'NOPE'"),
        ("since", "yesterday", "since must be a date and time"),
        ("before", "-1", "before must be a record number"),
    ],
)
async def test_a_bad_filter_is_a_400_page_that_says_why(
    console: ConsoleClient, param: str, value: str, message: str
) -> None:
    """A filter value that means nothing: 400 and the reason, never a 500."""
    response = await console.get("/console/apps/demo/requests", **{param: value})
    assert response.status_code == 400
    assert message in html.unescape(response.text)


async def test_the_feed_sends_only_newer_requests(
    console: ConsoleClient, store: SqliteStore
) -> None:
    """``feed?after=N``: the requests after N, newest first, and the newest seq in a header."""
    for n in range(5):
        _record(store, n)
    page = (await console.get("/console/apps/demo/requests")).text
    newest = int(re.search(r'data-newest="(\d+)"', page).group(1))  # type: ignore[union-attr]
    empty = await console.get("/console/apps/demo/requests/feed", after=str(newest))
    assert empty.headers["x-rows"] == "0"
    assert empty.headers["x-newest-seq"] == str(newest)
    for n in range(5, 8):
        _record(store, n)
    fresh = await console.get("/console/apps/demo/requests/feed", after=str(newest))
    assert fresh.headers["x-rows"] == "3"
    assert _seqs(fresh.text) == [newest + 3, newest + 2, newest + 1]
    assert fresh.headers["x-newest-seq"] == str(newest + 3)


async def test_a_finding_links_to_the_check_it_breaks_with_its_fix(
    console: ConsoleClient, store: SqliteStore
) -> None:
    """LENIENT-OP-CASE names CLI-PAT-002, links to it and shows its fix hint; an effect
    finding says what it means instead."""
    _record(
        store,
        1,
        findings=[
            {"id": "LENIENT-OP-CASE", "detail": "Operations[0]: op 'Add' is not lower case"},
            {"id": "EFFECT-DIRECTORY-WRITTEN", "detail": "User 1 mapped"},
        ],
    )
    page = html.unescape((await console.get("/console/apps/demo/requests")).text)
    assert '<a href="/console/checks#check-CLI-PAT-002">CLI-PAT-002</a>' in page
    assert "Fix:</span> Send op in lower case." in page
    assert "platform directory record written from the mapping" in page
    checks = (await console.get("/console/checks")).text
    assert 'id="check-CLI-PAT-002"' in checks


async def test_the_record_view_shows_no_secret(
    console: ConsoleClient, scim: httpx.AsyncClient, boot: Any
) -> None:
    """The bearer token and a password sent by the client are masked in the expanded row."""
    created = await scim.post("/Users", json={**user_body("ada"), "password": "hunter2-secret"})
    assert created.status_code == 201
    page = (await console.get("/console/apps/demo/requests")).text
    assert "Bearer ***" in page
    assert boot.token not in page
    assert "hunter2-secret" not in page


async def test_the_directory_is_searched_and_paged(
    console: ConsoleClient, scim: httpx.AsyncClient
) -> None:
    """30 users: 25 on the first page, 5 on the second; a search finds one by email."""
    for i in range(30):
        body = user_body(f"user{i:02d}.test")
        body["emails"] = [{"value": f"person{i:02d}@example.com", "type": "work", "primary": True}]
        assert (await scim.post("/Users", json=body)).status_code == 201
    first = (await console.get("/console/apps/demo/directory")).text
    assert "Users 1 to 25 of 30" in first
    second = (await console.get("/console/apps/demo/directory", page="2")).text
    assert "Users 26 to 30 of 30" in second
    found = (await console.get("/console/apps/demo/directory", q="PERSON07@")).text
    assert "Users 1 to 1 of 1" in found
    assert "user07.test" in found
    nothing = (await console.get("/console/apps/demo/directory", q="100%_")).text
    assert "No users match" in nothing


async def test_groups_show_their_members(console: ConsoleClient, scim: httpx.AsyncClient) -> None:
    """A group's row lists its members by username."""
    user = (await scim.post("/Users", json=user_body("grace.hopper"))).json()
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Navy",
        "members": [{"value": user["id"]}],
    }
    assert (await scim.post("/Groups", json=group)).status_code == 201
    page = (await console.get("/console/apps/demo/directory", kind="groups")).text
    assert "1 member</summary>" in page
    assert '<li class="mono">grace.hopper</li>' in page
