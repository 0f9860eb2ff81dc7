"""A cursor walk under concurrent inserts and deletes sees every lasting resource exactly once.

Between pages the test inserts users (some sorting before the walk's position, some after) and
deletes users (some already seen, some not yet): the resources that existed for the whole walk
must each appear exactly once, and nothing may appear twice. Seeded; several orders.
"""

from __future__ import annotations

import random
import sqlite3
from typing import Any

import httpx
import pytest
from cursor_support import ids
from starlette.applications import Starlette
from support import user_body

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


class Churn:
    """Inserts and deletes users between pages, remembering what lasted the whole walk."""

    def __init__(self, scim: httpx.AsyncClient, seed: int) -> None:
        self.scim = scim
        self.rng = random.Random(seed)
        self.live: dict[str, str] = {}
        self.created: set[str] = set()
        self.original: set[str] = set()
        self.deleted: set[str] = set()
        self.serial = 0

    async def add(self, name: str, **extra: Any) -> None:
        response = await self.scim.post("/Users", json=user_body(name, **extra))
        assert response.status_code == 201, response.text
        self.live[response.json()["id"]] = name
        self.created.add(response.json()["id"])

    async def seed(self, count: int) -> None:
        for n in range(count):
            title = {"title": f"t{self.rng.randrange(5)}"} if n % 3 else {}
            await self.add(f"w{self.rng.randrange(10**6):06d}.n{n}", **title)
        self.original = set(self.live)

    async def step(self) -> None:
        for _ in range(self.rng.randrange(1, 4)):
            self.serial += 1
            title = {"title": f"t{self.rng.randrange(5)}"} if self.serial % 2 else {}
            await self.add(f"w{self.rng.randrange(10**6):06d}.new{self.serial}", **title)
        for _ in range(self.rng.randrange(0, 3)):
            victim = self.rng.choice(sorted(self.live))
            assert (await self.scim.delete(f"/Users/{victim}")).status_code == 204
            del self.live[victim]
            self.deleted.add(victim)

    @property
    def lasting(self) -> set[str]:
        return self.original - self.deleted


async def _walk(
    scim: httpx.AsyncClient, churn: Churn, path: str, body: dict[str, Any]
) -> list[str]:
    seen: list[str] = []
    cursor = ""
    for _ in range(500):
        if path.endswith(".search"):
            response = await scim.post(path, json={"schemas": [SEARCH], **body, "cursor": cursor})
        else:
            response = await scim.get(path, params={**body, "cursor": cursor})
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(ids(page["Resources"]))
        if "nextCursor" not in page:
            return seen
        cursor = page["nextCursor"]
        await churn.step()
    raise AssertionError("the walk did not end")


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("path", "query"),
    [
        pytest.param("/Users", {}, id="creation-order"),
        pytest.param("/Users", {"sortBy": "userName"}, id="userName"),
        pytest.param("/Users", {"sortBy": "userName", "sortOrder": "descending"}, id="desc"),
        pytest.param("/Users", {"sortBy": "title"}, id="title-some-missing"),
        pytest.param(
            "/Users", {"sortBy": "title", "sortOrder": "descending"}, id="title-descending"
        ),
        pytest.param("/Users/.search", {"sortBy": "name.givenName"}, id="search"),
        pytest.param("/.search", {}, id="root-search"),
    ],
)
async def test_lasting_users_are_seen_exactly_once(
    scim: httpx.AsyncClient, seed: int, path: str, query: dict[str, str]
) -> None:
    """No repeat, no lasting user missed, under inserts and deletes between pages."""
    churn = Churn(scim, seed)
    await churn.seed(24)
    walked = await _walk(scim, churn, path, {**query, "count": 3})
    assert len(walked) == len(set(walked)), "a resource was returned twice"
    missed = churn.lasting - set(walked)
    assert not missed, f"{len(missed)} users that existed for the whole walk were skipped"
    assert set(walked) <= churn.created, "only users the test made"


async def test_a_cursor_page_reads_a_range_of_the_list_index(
    scim: httpx.AsyncClient, asgi_app: Starlette
) -> None:
    """The page after a cursor is a keyset range of (app, rtype, seq): no OFFSET anywhere."""
    for n in range(6):
        await scim.post("/Users", json=user_body(f"k{n}.x"))
    first = (await scim.get("/Users", params={"cursor": "", "count": 2})).json()
    connection: sqlite3.Connection = asgi_app.state.server.store._conn
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    try:
        response = await scim.get("/Users", params={"cursor": first["nextCursor"], "count": 2})
    finally:
        connection.set_trace_callback(None)
    assert response.status_code == 200
    reads = [s for s in statements if "FROM resources r" in s and "r.data" in s]
    assert reads and not any("OFFSET" in s for s in statements)
    plan = connection.execute(f"EXPLAIN QUERY PLAN {reads[0]}").fetchall()
    assert "USING INDEX resources_list (app=? AND rtype=? AND rowid>?)" in plan[0][3]
