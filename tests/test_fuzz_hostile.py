"""Generated hostile requests: never a 5xx, every 4xx a SCIM error, every request in the
record, no secret written down.

Hypothesis draws each request (bodies, filters, paths, query strings, headers; see
``hostile_requests``), derandomised so every run sends the same ones, and bounded in count
so the suite stays quick. ``benchmarks/fuzz_hostile.py`` runs the same generator for
100,000 requests and more over a real socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
from hostile_requests import Hostile, hostile_request, problems
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import group_body, user_body

T = TypeVar("T")
EXAMPLES = 300


class HypothesisChooser:
    """Choices drawn from Hypothesis, so a failing request shrinks to a small one."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def pick(self, options: Any) -> Any:
        return self.data.draw(st.sampled_from(list(options)))

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def chance(self) -> bool:
        return self.data.draw(st.booleans())


@dataclass
class Target:
    loop: asyncio.AbstractEventLoop
    http: httpx.AsyncClient
    store: SqliteStore
    token: str
    ids: list[str]
    serial: int = 0

    def send(self, request: Hostile) -> httpx.Response:
        url = request.path + (f"?{request.query}" if request.query else "")
        return self.loop.run_until_complete(
            self.http.request(request.method, url, headers=request.headers, content=request.body)
        )

    def record_of(self, serial: int) -> str | None:
        """The stored record (JSON text) of the request with this X-Fuzz-Id."""
        self.store.flush_requests()
        row = self.store.execute(
            "SELECT record FROM requests WHERE app = 'demo' AND record ->> '$.headers.x-fuzz-id' = ?",
            (str(serial),),
        ).fetchone()
        return None if row is None else str(row[0])


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    store = SqliteStore(":memory:")
    boot = bootstrap(store, "demo", settings={"retention": 100_000})
    token = str(boot.token)
    app = create_app(ServerSettings(), store=store)
    loop = asyncio.new_event_loop()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    headers = {"Authorization": f"Bearer {token}"}

    async def seed() -> list[str]:
        ids = []
        for n in range(3):
            made = await http.post(
                "/apps/demo/scim/v2/Users", json=user_body(f"seed{n}.user"), headers=headers
            )
            ids.append(made.json()["id"])
        group = await http.post(
            "/apps/demo/scim/v2/Groups", json=group_body("Seeded", ids[:2]), headers=headers
        )
        return [*ids, group.json()["id"]]

    ids = loop.run_until_complete(seed())
    yield Target(loop, http, store, token, ids)
    loop.run_until_complete(http.aclose())
    loop.close()
    store.close()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_requests_get_scim_answers_are_recorded_and_leak_nothing(
    target: Target, data: st.DataObject
) -> None:
    """No 5xx (but /Me's 501), 4xx as SCIM errors, one record each, no secret in either."""
    target.serial += 1
    request = hostile_request(HypothesisChooser(data), target.token, target.ids, target.serial)
    response = target.send(request)
    record = target.record_of(target.serial)
    assert problems(request, response.status_code, response.content, record, target.token) == []
