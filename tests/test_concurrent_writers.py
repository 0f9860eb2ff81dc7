"""Two worker processes on one database: no lost update, one winner per If-Match version.

Each test runs ``scim-harness serve --workers 2`` on a file and races requests over many
connections, so both processes write the same group at once. Before the read, the If-Match
check and the write shared one transaction, 100 concurrent member adds left 86 members and
two PUTs with the same If-Match both won.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from platform_support import patch_op
from serve_support import Served, serving
from support import group_body, user_body

ADDS = 100
PUTS = 20


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Any:
    db = tmp_path_factory.mktemp("race") / "race.db"
    with serving("--workers", "2", db=str(db)) as served:
        yield served, db


def _client(served: Served) -> httpx.AsyncClient:
    # One connection per request in flight: the kernel hands them to both workers.
    limits = httpx.Limits(max_connections=ADDS, max_keepalive_connections=0)
    return httpx.AsyncClient(
        base_url=served.base,
        headers={"Authorization": f"Bearer {served.token}"},
        limits=limits,
        timeout=60,
    )


async def _users(http: httpx.AsyncClient, prefix: str, count: int) -> list[str]:
    ids = []
    for i in range(count):
        created = await http.post("/Users", json=user_body(f"{prefix}{i}.race"))
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


def test_concurrent_member_adds_lose_no_member(two_workers: tuple[Served, Path]) -> None:
    """100 concurrent PATCH adds to one group: 100 members, in the JSON and in the index."""
    served, db = two_workers

    async def race() -> tuple[list[httpx.Response], dict[str, Any], list[str]]:
        async with _client(served) as http:
            user_ids = await _users(http, "add", ADDS)
            group = (await http.post("/Groups", json=group_body("Racers"))).json()
            adds = [
                http.patch(
                    f"/Groups/{group['id']}",
                    json=patch_op({"op": "add", "path": "members", "value": [{"value": uid}]}),
                )
                for uid in user_ids
            ]
            answers = await asyncio.gather(*adds)
            final = (await http.get(f"/Groups/{group['id']}")).json()
            return list(answers), final, user_ids

    answers, final, user_ids = asyncio.run(race())
    assert [a.status_code for a in answers] == [200] * ADDS
    # Each add wrote a new version: no two answers share an ETag (one winner per version).
    assert len({a.headers["etag"] for a in answers}) == ADDS
    assert sorted(m["value"] for m in final["members"]) == sorted(user_ids)
    assert final["meta"]["version"] == f'W/"{ADDS + 1}"'
    with sqlite3.connect(db) as conn:
        indexed = {
            row[0]
            for row in conn.execute(
                "SELECT member_id FROM group_members m JOIN resources r ON r.seq = m.group_seq "
                "WHERE r.id = ?",
                (final["id"],),
            )
        }
    assert indexed == set(user_ids)


def test_conditional_puts_with_one_if_match_have_exactly_one_winner(
    two_workers: tuple[Served, Path],
) -> None:
    """20 concurrent PUTs with the same If-Match: one 200, nineteen 412, one new version."""
    served, _ = two_workers

    async def race() -> tuple[list[httpx.Response], dict[str, Any], str]:
        async with _client(served) as http:
            # Members make each PUT take longer, so the writers overlap more.
            members = await _users(http, "put", 50)
            group = (await http.post("/Groups", json=group_body("Renamed"))).json()
            version = group["meta"]["version"]
            puts = [
                http.put(
                    f"/Groups/{group['id']}",
                    json=group_body(f"Renamed {i}", members[i:]),
                    headers={"If-Match": version},
                )
                for i in range(PUTS)
            ]
            answers = await asyncio.gather(*puts)
            final = (await http.get(f"/Groups/{group['id']}")).json()
            return list(answers), final, version

    answers, final, version = asyncio.run(race())
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [412] * (PUTS - 1)
    [winner] = [a for a in answers if a.status_code == 200]
    assert final["meta"]["version"] == winner.headers["etag"] != version
    assert final["displayName"] == winner.json()["displayName"]
    assert final.get("members", []) == winner.json().get("members", [])
