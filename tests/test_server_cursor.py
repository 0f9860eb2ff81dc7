"""RFC 9865 cursor pages on every list and search endpoint, beside unchanged index paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from cursor_support import SEARCH, cursor_walk, ids, search_walk
from starlette.applications import Starlette
from support import LiveServer, group_body, user_body

UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


@pytest.fixture
async def seven_users(scim: httpx.AsyncClient) -> list[str]:
    made = []
    for name in ("gina", "ada", "eve", "bob", "fay", "cy", "dan"):
        response = await scim.post("/Users", json=user_body(f"{name}.cursor"))
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    return made


async def test_service_provider_config_advertises_both_methods(scim: httpx.AsyncClient) -> None:
    """pagination (RFC 9865 §4): cursor and index, index the default, sizes and timeout."""
    body = (await scim.get("/ServiceProviderConfig")).json()
    assert body["pagination"] == {
        "cursor": True,
        "index": True,
        "defaultPaginationMethod": "index",
        "defaultPageSize": 1000,
        "maxPageSize": 1000,
        "cursorTimeout": 3600,
    }


@pytest.mark.parametrize("count", [1, 2, 3, 7, 50])
async def test_a_walk_returns_every_user_once_in_creation_order(
    scim: httpx.AsyncClient, seven_users: list[str], count: int
) -> None:
    """nextCursor leads through every page; only the last page has none (RFC 9865 §2)."""
    seen, pages = await cursor_walk(scim, count=count)
    assert ids(seen) == seven_users
    assert all(len(p["Resources"]) <= count for p in pages)
    assert all(p["itemsPerPage"] == len(p["Resources"]) for p in pages)
    assert all(p["totalResults"] == 7 for p in pages)
    assert all("startIndex" not in p for p in pages)
    assert len(pages) == -(-7 // count)
    for page in pages:
        for value in (page.get("nextCursor", "x"), page.get("previousCursor", "x")):
            assert set(value) <= UNRESERVED, "cursors are URL-safe (RFC 3986 §2.3)"


async def test_a_bare_cursor_parameter_starts_a_walk(
    scim: httpx.AsyncClient, seven_users: list[str]
) -> None:
    """``?cursor&count=2`` (the RFC's own example) is the first page."""
    body = (await scim.get("/Users?cursor&count=2")).json()
    assert ids(body["Resources"]) == seven_users[:2]
    assert "nextCursor" in body and "previousCursor" not in body


async def test_without_count_a_page_holds_the_default_page_size(
    scim: httpx.AsyncClient, seven_users: list[str]
) -> None:
    """No count: defaultPageSize (1000) results, so seven users are one last page."""
    body = (await scim.get("/Users", params={"cursor": ""})).json()
    assert ids(body["Resources"]) == seven_users
    assert "nextCursor" not in body


async def test_count_zero_answers_only_the_total(
    scim: httpx.AsyncClient, seven_users: list[str]
) -> None:
    """count=0: totalResults and no resources, no cursor; a negative count reads as 0."""
    for count in ("0", "-3"):
        body = (await scim.get("/Users", params={"cursor": "", "count": count})).json()
        assert (body["totalResults"], body["Resources"]) == (7, [])
        assert "nextCursor" not in body


async def test_filter_and_projection_apply_to_every_page(
    scim: httpx.AsyncClient, seven_users: list[str]
) -> None:
    """The filter selects, ``attributes`` projects, on each page of the walk."""
    flt = 'userName sw "d" or userName sw "e" or userName sw "f"'
    seen, pages = await cursor_walk(scim, count=1, filter=flt, attributes="userName")
    assert [u["userName"] for u in seen] == ["eve.cursor", "fay.cursor", "dan.cursor"]
    assert all(set(u) == {"schemas", "id", "userName"} for u in seen)
    assert pages[0]["totalResults"] == 3


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        pytest.param(None, ["ada", "bob", "cy", "dan", "eve", "fay", "gina"], id="ascending"),
        pytest.param("descending", ["gina", "fay", "eve", "dan", "cy", "bob", "ada"], id="desc"),
    ],
)
async def test_cursor_pages_follow_sort_by(
    scim: httpx.AsyncClient, seven_users: list[str], order: str | None, expected: list[str]
) -> None:
    """sortBy/sortOrder order the whole walk (RFC 9865 §2.2), page after page."""
    params: dict[str, Any] = {"count": 2, "sortBy": "userName"}
    if order:
        params["sortOrder"] = order
    seen, _ = await cursor_walk(scim, **params)
    assert [u["userName"].split(".")[0] for u in seen] == expected


async def test_sorting_by_an_attribute_some_users_lack_puts_them_last(
    scim: httpx.AsyncClient,
) -> None:
    """Users without the sort attribute come last in either order, each exactly once."""
    titles = ["b", None, "a", None, "c", "a"]
    made = []
    for n, title in enumerate(titles):
        extra = {"title": title} if title else {}
        made.append((await scim.post("/Users", json=user_body(f"t{n}.x", **extra))).json()["id"])
    up, _ = await cursor_walk(scim, count=2, sortBy="title")
    down, _ = await cursor_walk(scim, count=2, sortBy="title", sortOrder="descending")
    assert ids(up) == [made[2], made[5], made[0], made[4], made[1], made[3]]
    assert ids(down) == [made[4], made[0], made[2], made[5], made[1], made[3]]


async def test_previous_cursor_walks_back_and_never_comes_with_the_first_page(
    scim: httpx.AsyncClient, seven_users: list[str]
) -> None:
    """previousCursor reads the page before; the first page carries none (RFC 9865 §2)."""
    _, pages = await cursor_walk(scim, count=2)
    assert "previousCursor" not in pages[0]
    assert all("previousCursor" in p for p in pages[1:])
    back = pages[-1]
    walked: list[list[str]] = [ids(back["Resources"])]
    while "previousCursor" in back:
        response = await scim.get("/Users", params={"cursor": back["previousCursor"], "count": 2})
        back = response.json()
        walked.append(ids(back["Resources"]))
    assert walked == [ids(p["Resources"]) for p in reversed(pages)]
    again = await scim.get("/Users", params={"cursor": back["nextCursor"], "count": 2})
    assert ids(again.json()["Resources"]) == ids(pages[1]["Resources"])


@pytest.mark.parametrize("path", ["/Users/.search", "/.search"])
async def test_post_search_pages_with_the_cursor_in_the_body(
    scim: httpx.AsyncClient, seven_users: list[str], path: str
) -> None:
    """POST /.search takes cursor and count in the SearchRequest (RFC 9865 §3)."""
    seen, pages = await search_walk(scim, path, count=3)
    assert ids(seen) == seven_users
    assert [len(p["Resources"]) for p in pages] == [3, 3, 1]


async def test_root_search_walks_users_then_groups(
    scim: httpx.AsyncClient, seven_users: list[str]
) -> None:
    """POST /.search pages across resource types: every user, then every group, once each."""
    groups = []
    for name in ("one", "two", "three"):
        groups.append((await scim.post("/Groups", json=group_body(name))).json()["id"])
    seen, pages = await search_walk(scim, "/.search", count=4)
    assert ids(seen) == [*seven_users, *groups]
    assert pages[0]["totalResults"] == 10
    assert [len(p["Resources"]) for p in pages] == [4, 4, 2]
    back = await scim.post(
        "/.search", json={"schemas": [SEARCH], "cursor": pages[2]["previousCursor"], "count": 4}
    )
    assert ids(back.json()["Resources"]) == ids(pages[1]["Resources"])


async def test_groups_page_with_cursors_too(scim: httpx.AsyncClient) -> None:
    """GET /Groups walks like /Users."""
    made = []
    for n in range(5):
        made.append((await scim.post("/Groups", json=group_body(f"g{n}"))).json()["id"])
    seen, _ = await cursor_walk(scim, "/Groups", count=2)
    assert ids(seen) == made


async def test_index_paging_is_unchanged(scim: httpx.AsyncClient, seven_users: list[str]) -> None:
    """Without cursor: startIndex and count, startIndex echoed, no cursors (RFC 7644)."""
    body = (await scim.get("/Users", params={"startIndex": 3, "count": 2})).json()
    assert ids(body["Resources"]) == seven_users[2:4]
    assert body["startIndex"] == 3
    assert "nextCursor" not in body and "previousCursor" not in body
    body = (await scim.get("/Users", params={"count": 2})).json()
    assert "nextCursor" not in body, "index stays the default method"


async def test_a_cursor_walk_over_a_real_socket(
    asgi_app: Starlette, boot: Any, live_server: LiveServer
) -> None:
    """The same walk through uvicorn on 127.0.0.1."""
    base = f"{live_server.url}/apps/demo/scim/v2"
    headers = {"Authorization": f"Bearer {boot.token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as scim:
        made = [
            (await scim.post("/Users", json=user_body(f"live{n}.x"))).json()["id"] for n in range(5)
        ]
        seen, pages = await cursor_walk(scim, count=2)
    assert ids(seen) == made
    assert len(pages) == 3
