"""RFC 9865 §2.1 errors: cursors that do not verify, that expired, and counts out of bounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cursor_support import SEARCH
from scim_harness.reference_server.query.cursor import CursorCodec
from scim_harness.reference_server.serve import Bootstrap
from starlette.applications import Starlette
from support import user_body


@pytest.fixture
async def cursor(scim: httpx.AsyncClient) -> str:
    """The nextCursor of the first page of two, over five users."""
    for n in range(5):
        assert (await scim.post("/Users", json=user_body(f"e{n}.x"))).status_code == 201
    body = (await scim.get("/Users", params={"cursor": "", "count": 2})).json()
    value: str = body["nextCursor"]
    return value


async def _refused(response: httpx.Response, scim_type: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert (body["status"], body["scimType"]) == ("400", scim_type)
    assert body["detail"]
    return body


def _flip(text: str, at: int) -> str:
    swap = "B" if text[at] == "A" else "A"
    return text[:at] + swap + text[at + 1 :]


async def test_every_edited_character_is_refused(scim: httpx.AsyncClient, cursor: str) -> None:
    """Change any one character of a cursor: 400 invalidCursor, the same words each time."""
    details = set()
    for at in range(len(cursor)):
        edited = _flip(cursor, at)
        response = await scim.get("/Users", params={"cursor": edited, "count": 2})
        details.add((await _refused(response, "invalidCursor"))["detail"])
    assert len(details) == 1, "one message for every forgery (RFC 9865 §5.2)"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("not-a-cursor", id="made-up"),
        pytest.param("a+b/c=", id="not-unreserved"),
        pytest.param("x" * 5000, id="huge"),
        pytest.param("AAAA", id="too-short"),
        pytest.param("curs\u00e9r\u2603", id="non-ascii"),
        pytest.param("%00%ff", id="percent-escapes"),
    ],
)
async def test_a_made_up_cursor_is_refused(
    scim: httpx.AsyncClient, cursor: str, value: str
) -> None:
    """Anything the server did not issue is 400 invalidCursor."""
    response = await scim.get("/Users", params={"cursor": value, "count": 2})
    await _refused(response, "invalidCursor")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param("/Users", {"filter": 'userName sw "e"'}, id="another-filter"),
        pytest.param("/Users", {"sortBy": "userName"}, id="another-sort"),
        pytest.param("/Users", {"sortOrder": "descending"}, id="another-order"),
        pytest.param("/Groups", {}, id="another-endpoint"),
    ],
)
async def test_a_cursor_is_bound_to_its_endpoint_and_query(
    scim: httpx.AsyncClient, cursor: str, path: str, params: dict[str, str]
) -> None:
    """A cursor used with another filter, order or endpoint is 400 invalidCursor."""
    response = await scim.get(path, params={**params, "cursor": cursor, "count": 2})
    await _refused(response, "invalidCursor")


async def test_the_same_query_in_a_search_body_is_another_endpoint(
    scim: httpx.AsyncClient, cursor: str
) -> None:
    """A GET /Users cursor is refused by the root /.search (another scope)."""
    body = {"schemas": [SEARCH], "cursor": cursor, "count": 2}
    await _refused(await scim.post("/.search", json=body), "invalidCursor")
    ok = await scim.post("/Users/.search", json=body)
    assert ok.status_code == 200, "the same query on the same endpoint, by POST, is the same walk"


async def test_another_apps_cursor_is_refused(
    cursor: str,
    other_boot: Bootstrap,
    app_client: Callable[[str, str | None], httpx.AsyncClient],
) -> None:
    """A cursor of app demo, sent to app other with other's token: 400 invalidCursor."""
    async with app_client("other", other_boot.token) as other:
        for n in range(5):
            await other.post("/Users", json=user_body(f"o{n}.x"))
        response = await other.get("/Users", params={"cursor": cursor, "count": 2})
        await _refused(response, "invalidCursor")


async def test_an_app_made_again_under_the_same_name_refuses_the_old_cursors(
    scim: httpx.AsyncClient, cursor: str, admin: httpx.AsyncClient, asgi_app: Starlette
) -> None:
    """The binding holds the app's creation time: a deleted app's cursors die with it."""
    await admin.post("/apps", json={"name": "reborn"})
    token = (await admin.post("/apps/reborn/tokens", json={})).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    base = "http://testserver/apps/reborn/scim/v2"
    transport = httpx.ASGITransport(app=asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as app:
        for n in range(3):
            await app.post("/Users", json=user_body(f"r{n}.x"))
        old = (await app.get("/Users", params={"cursor": "", "count": 1})).json()["nextCursor"]
    assert (await admin.delete("/apps/reborn")).status_code in (200, 204)
    await admin.post("/apps", json={"name": "reborn"})
    token = (await admin.post("/apps/reborn/tokens", json={})).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as app:
        response = await app.get("/Users", params={"cursor": old, "count": 1})
    await _refused(response, "invalidCursor")


@pytest.mark.parametrize(
    ("count", "words"),
    [
        pytest.param("1001", "above maxPageSize", id="above-max"),
        pytest.param("ten", "must be an integer", id="not-a-number"),
        pytest.param("1.5", "must be an integer", id="fraction"),
    ],
)
async def test_a_bad_count_is_invalid_count(
    scim: httpx.AsyncClient, count: str, words: str
) -> None:
    """count beyond maxPageSize or not an integer: 400 invalidCount (RFC 9865 §2.1)."""
    response = await scim.get("/Users", params={"cursor": "", "count": count})
    assert words in (await _refused(response, "invalidCount"))["detail"]


async def test_a_walk_keeps_its_count(scim: httpx.AsyncClient, cursor: str) -> None:
    """A cursor sent with another count than the walk's first request: 400 invalidCount."""
    for params in ({"count": "3"}, {}):
        response = await scim.get("/Users", params={**params, "cursor": cursor})
        await _refused(response, "invalidCount")


async def test_index_paging_still_clamps_count(scim: httpx.AsyncClient) -> None:
    """Without cursor a count above the maximum is capped, as RFC 7644 §3.4.2.4 has it."""
    response = await scim.get("/Users", params={"count": "5000"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"cursor": "", "startIndex": "1"}, id="empty-cursor"),
        pytest.param({"cursor": "x", "startIndex": "3"}, id="some-cursor"),
    ],
)
async def test_cursor_with_start_index_is_refused(
    scim: httpx.AsyncClient, params: dict[str, str]
) -> None:
    """Asking for both methods at once is 400 invalidValue, naming both parameters."""
    body = await _refused(await scim.get("/Users", params=params), "invalidValue")
    assert "cursor" in body["detail"] and "startIndex" in body["detail"]


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        pytest.param({"cursor": 12}, "invalidValue", id="number"),
        pytest.param({"cursor": "zzz"}, "invalidCursor", id="forged"),
        pytest.param({"cursor": "", "count": 5000}, "invalidCount", id="count-above-max"),
        pytest.param({"cursor": "", "startIndex": 2}, "invalidValue", id="with-startIndex"),
    ],
)
async def test_search_body_errors(
    scim: httpx.AsyncClient, body: dict[str, Any], scim_type: str
) -> None:
    """The same refusals for a SearchRequest body (RFC 9865 §3)."""
    response = await scim.post("/Users/.search", json={"schemas": [SEARCH], **body})
    await _refused(response, scim_type)


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_cursor_expires_after_the_cursor_timeout(
    scim: httpx.AsyncClient, asgi_app: Starlette
) -> None:
    """Within cursorTimeout a cursor pages on; past it, 400 expiredCursor (RFC 9865 §2.1)."""
    server = asgi_app.state.server
    clock = _Clock()
    server.cursors = CursorCodec(server.store.cursor_secret(), timeout=60, clock=clock)
    for n in range(4):
        await scim.post("/Users", json=user_body(f"x{n}.y"))
    first = (await scim.get("/Users", params={"cursor": "", "count": 1})).json()
    clock.now += 60
    on_time = await scim.get("/Users", params={"cursor": first["nextCursor"], "count": 1})
    assert on_time.status_code == 200
    clock.now += 61
    late = await scim.get("/Users", params={"cursor": on_time.json()["nextCursor"], "count": 1})
    body = await _refused(late, "expiredCursor")
    assert "60 s" in body["detail"]


def test_workers_sharing_a_database_share_the_cursor_secret(tmp_path: Any) -> None:
    """Two stores on one file (two worker processes) sign with the same secret."""
    from scim_harness.reference_server.store.sqlite import SqliteStore

    first, second = SqliteStore(str(tmp_path / "s.db")), SqliteStore(str(tmp_path / "s.db"))
    try:
        assert first.cursor_secret() == second.cursor_secret()
        assert len(first.cursor_secret()) == 32
    finally:
        first.close()
        second.close()


async def test_refusals_are_recorded_with_their_scim_type(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, cursor: str
) -> None:
    """Each refusal is in the request record, like every other SCIM error."""
    await scim.get("/Users", params={"cursor": _flip(cursor, 3), "count": 2})
    records = (await admin.get("/apps/demo/requests")).json()["requests"]
    last = records[-1]
    assert last["status"] == 400
    assert any("invalidCursor" in f["detail"] for f in last["findings"])


def test_no_two_spellings_of_a_cursor_verify() -> None:
    """Each cursor has one spelling: every other value of any character is refused, the last
    one's unused bits included."""
    from scim_harness.reference_server.protocol.errors import InvalidCursor
    from scim_harness.reference_server.query.cursor import Position

    codec = CursorCodec(b"k" * 32, timeout=60, clock=lambda: 1_800_000_000.0)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for seq in range(1, 6):
        cursor = codec.issue(b"bound", "next", Position(0, False, "k" * seq, seq), 2)
        assert codec.verify(b"bound", cursor).position.seq == seq
        for at in (0, len(cursor) // 2, len(cursor) - 1):
            for char in alphabet:
                if char == cursor[at]:
                    continue
                with pytest.raises(InvalidCursor):
                    codec.verify(b"bound", cursor[:at] + char + cursor[at + 1 :])
        with pytest.raises(InvalidCursor):
            codec.verify(b"other binding", cursor)
