"""Lists: ListResponse, paging and the indexed eq filters (RFC 7644 §3.4.2)."""

from __future__ import annotations

import httpx
import pytest
from scim_harness.reference_server.serve import Bootstrap, bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette
from support import group_body, user_body


@pytest.fixture
async def ten_users(scim: httpx.AsyncClient) -> list[str]:
    ids = []
    for i in range(10):
        body = user_body(f"user{i:02d}.test", externalId=f"ext-{i}")
        ids.append((await scim.post("/Users", json=body)).json()["id"])
    return ids


async def test_list_is_a_list_response_in_creation_order(
    scim: httpx.AsyncClient, ten_users: list[str]
) -> None:
    """GET /Users is a ListResponse with totalResults and a stable order."""
    body = (await scim.get("/Users")).json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert body["totalResults"] == 10
    assert [u["id"] for u in body["Resources"]] == ten_users


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        pytest.param(1, 3, slice(0, 3), id="first-page"),
        pytest.param(4, 3, slice(3, 6), id="second-page"),
        pytest.param(9, 5, slice(8, 10), id="last-partial"),
        pytest.param(11, 5, slice(10, 10), id="past-the-end"),
        pytest.param(0, 2, slice(0, 2), id="start-below-one-is-one"),
        pytest.param(1, 0, slice(0, 0), id="count-zero"),
        pytest.param(1, -4, slice(0, 0), id="negative-count-is-zero"),
    ],
)
async def test_paging(
    scim: httpx.AsyncClient, ten_users: list[str], start: int, count: int, expected: slice
) -> None:
    """startIndex/count page through the list; totalResults counts all (RFC 7644 §3.4.2.4)."""
    body = (await scim.get("/Users", params={"startIndex": start, "count": count})).json()
    assert body["totalResults"] == 10
    assert body["startIndex"] == max(start, 1)
    assert [u["id"] for u in body["Resources"]] == ten_users[expected]
    assert body["itemsPerPage"] == len(body["Resources"])


@pytest.mark.parametrize(
    "flt",
    [
        pytest.param('userName eq "user03.test"', id="userName"),
        pytest.param('USERNAME EQ "USER03.TEST"', id="case-insensitive"),
        pytest.param('externalId eq "ext-3"', id="externalId"),
        pytest.param('emails[type eq "work"].value eq "user03.test@example.com"', id="work-email"),
    ],
)
async def test_eq_filters_find_one_user(
    scim: httpx.AsyncClient, ten_users: list[str], flt: str
) -> None:
    """The lookups clients make before a create find exactly the user."""
    body = (await scim.get("/Users", params={"filter": flt})).json()
    assert body["totalResults"] == 1
    assert body["Resources"][0]["id"] == ten_users[3]


async def test_no_match_is_an_empty_list(scim: httpx.AsyncClient, ten_users: list[str]) -> None:
    """A filter with no match is 200 with an empty ListResponse."""
    response = await scim.get("/Users", params={"filter": 'userName eq "0f3b-unknown"'})
    assert response.status_code == 200
    assert response.json()["totalResults"] == 0
    assert response.json()["Resources"] == []


async def test_group_display_name_filter(scim: httpx.AsyncClient) -> None:
    """Group lookups by displayName work."""
    gid = (await scim.post("/Groups", json=group_body("Tour Guides"))).json()["id"]
    await scim.post("/Groups", json=group_body("Pilots"))
    body = (await scim.get("/Groups", params={"filter": 'displayName eq "tour guides"'})).json()
    assert [g["id"] for g in body["Resources"]] == [gid]


async def test_bad_filter_is_400_invalid_filter(scim: httpx.AsyncClient) -> None:
    """A malformed filter is 400 invalidFilter."""
    response = await scim.get("/Users", params={"filter": "userName eq"})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"


ENTRA_FILTER = 'emails[type eq "work"].value eq "user03.test@example.com"'


async def test_entra_value_path_filter_is_accepted_and_recorded_in_lenient_mode(
    scim: httpx.AsyncClient, store: SqliteStore, ten_users: list[str]
) -> None:
    """Lenient mode answers Entra's filter and records LENIENT-FILTER-VALUE-PATH."""
    response = await scim.get("/Users", params={"filter": ENTRA_FILTER})
    assert response.status_code == 200
    assert [u["id"] for u in response.json()["Resources"]] == [ten_users[3]]
    last = store.requests("demo")[-1]
    assert [f["id"] for f in last["findings"]] == ["LENIENT-FILTER-VALUE-PATH"]


async def test_entra_value_path_filter_is_refused_in_strict_mode(
    asgi_app: Starlette, store: SqliteStore, boot: Bootstrap
) -> None:
    """Strict mode answers the same filter 400 invalidFilter: it is not §3.4.2.2 grammar."""
    strict = bootstrap(store, "strict", admin_token=boot.admin_token, settings={"lenient": False})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi_app),
        base_url="http://testserver/apps/strict/scim/v2",
        headers={"Authorization": f"Bearer {strict.token}"},
    ) as client:
        response = await client.get("/Users", params={"filter": ENTRA_FILTER})
        plain = await client.get("/Users", params={"filter": 'emails[type eq "work"]'})
    assert response.status_code == 400, response.text
    assert response.json()["scimType"] == "invalidFilter"
    assert "LENIENT-FILTER-VALUE-PATH" in response.json()["detail"]
    assert plain.status_code == 200
