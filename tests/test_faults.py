"""Throttling and faults per app: 429 with Retry-After, seeded 5xx and slow answers, and
'fail the Nth request', each recorded with its own finding."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from scim_harness.reference_server.http.behaviour import Behaviour
from starlette.applications import Starlette
from support import user_body

USERS_FILTER = {"filter": 'userName eq "nth.user"'}


class FakeTime:
    """A clock the test moves, and a sleep that records its delays and returns at once
    (or waits for ``gate`` when one is set)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self.gate: asyncio.Event | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.gate is not None:
            await self.gate.wait()


@pytest.fixture
def fake(asgi_app: Starlette) -> FakeTime:
    time = FakeTime()
    asgi_app.state.server.behaviour = Behaviour(clock=time.clock, sleep=time.sleep)
    return time


async def settle(admin: httpx.AsyncClient, **settings: Any) -> None:
    answer = await admin.patch("/apps/demo/settings", json=settings)
    assert answer.status_code == 200, answer.text


async def last_findings(admin: httpx.AsyncClient, n: int = 1) -> list[list[str]]:
    page = (await admin.get("/apps/demo/requests", params={"limit": 1000})).json()["requests"]
    return [[f["id"] for f in r["findings"]] for r in page[-n:]]


async def test_the_request_rate_limit_answers_429_with_retry_after(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """rate 1/s, burst 2: the third request at once is 429, Retry-After 1; a second later, 200."""
    await settle(admin, throttle={"rate": 1, "burst": 2})
    statuses = [(await scim.get("/Users")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await scim.get("/Users")
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["status"] == "429"
    assert "schemas" in refused.json()
    fake.now += 1.0
    assert (await scim.get("/Users")).status_code == 200
    assert (await last_findings(admin, 3))[:2] == [["FAULT-RATE-LIMIT"], ["FAULT-RATE-LIMIT"]]


async def test_retry_after_says_how_long_until_the_bucket_refills(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """At 0.25 requests per second an empty bucket asks for 4 seconds, rounded up."""
    await settle(admin, throttle={"rate": 0.25})
    assert (await scim.get("/Users")).status_code == 200
    assert (await scim.get("/Users")).headers["retry-after"] == "4"
    await settle(admin, throttle={"rate": 0.25, "retryAfter": 9})
    await scim.get("/Users")
    assert (await scim.get("/Users")).headers["retry-after"] == "9"


async def test_the_concurrency_limit_answers_429_while_requests_are_in_flight(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """With one request held in flight (a slow answer), a second one is 429 at once."""
    await settle(admin, throttle={"concurrency": 1}, faults={"slowRate": 1, "latencyMs": 500})
    fake.gate = asyncio.Event()
    first = asyncio.create_task(scim.get("/Users"))
    while not fake.slept:
        await asyncio.sleep(0)
    second = await scim.get("/Users")
    fake.gate.set()
    assert (await first).status_code == 200
    assert second.status_code == 429
    assert second.headers["retry-after"] == "1"
    findings = await last_findings(admin, 2)
    assert ["FAULT-CONCURRENCY-LIMIT"] in findings
    assert ["FAULT-SLOW"] in findings


async def test_a_request_cancelled_while_slow_leaves_no_slot_taken(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """A client that gives up during a slow answer frees its place under the concurrency limit."""
    await settle(admin, throttle={"concurrency": 1}, faults={"slowRate": 1, "latencyMs": 500})
    fake.gate = asyncio.Event()
    abandoned = asyncio.create_task(scim.get("/Users"))
    while not fake.slept:
        await asyncio.sleep(0)
    abandoned.cancel()
    with pytest.raises(asyncio.CancelledError):
        await abandoned
    fake.gate = None
    assert (await scim.get("/Users")).status_code == 200


async def test_fail_the_nth_post_answers_503_and_creates_nothing(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """failNth {nth 2, POST Users, 503}: only the second create fails, with Retry-After."""
    rule = {"nth": 2, "method": "POST", "endpoint": "Users", "status": 503, "retryAfter": 3}
    await settle(admin, faults={"failNth": [rule]})
    assert (await scim.get("/Users")).status_code == 200  # not a POST: not counted
    assert (await scim.post("/Users", json=user_body("first.user"))).status_code == 201
    failed = await scim.post("/Users", json=user_body("nth.user"))
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "3"
    assert "failNth[0]" in failed.json()["detail"]
    assert (await scim.get("/Users", params=USERS_FILTER)).json()["totalResults"] == 0
    assert (await scim.post("/Users", json=user_body("nth.user"))).status_code == 201
    assert (await last_findings(admin, 4))[1] == ["FAULT-ERROR"]


async def test_a_carried_out_fault_creates_the_user_then_answers_500(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """carriedOut: the write happens, the answer is lost: a lookup finds the user."""
    rule = {"nth": 1, "method": "POST", "status": 500, "carriedOut": True}
    await settle(admin, faults={"failNth": [rule]})
    lost = await scim.post("/Users", json=user_body("nth.user"))
    assert lost.status_code == 500
    assert "retry-after" not in lost.headers
    assert (await scim.get("/Users", params=USERS_FILTER)).json()["totalResults"] == 1
    again = await scim.post("/Users", json=user_body("nth.user"))
    assert again.status_code == 409  # a blind re-POST meets the user it already made
    findings = await last_findings(admin, 3)
    assert "FAULT-LOST-ANSWER" in findings[0]
    assert "EFFECT-DIRECTORY-WRITTEN" in findings[0]


async def test_fail_nth_429_is_throttled_not_an_error(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """A 429 rule is recorded as FAULT-THROTTLED, with the plan's Retry-After."""
    await settle(admin, faults={"retryAfter": 2, "failNth": [{"nth": 1, "status": 429}]})
    throttled = await scim.get("/Users")
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "2")
    assert (await scim.get("/Users")).status_code == 200
    assert (await last_findings(admin, 2))[0] == ["FAULT-THROTTLED"]


async def _statuses(scim: httpx.AsyncClient, admin: httpx.AsyncClient, seed: int) -> list[int]:
    await settle(admin, faults={"seed": seed, "errorRate": 0.3})
    return [(await scim.get("/Users")).status_code for _ in range(40)]


async def test_seeded_errors_repeat_for_the_same_seed(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """errorRate 0.3 with seed 5: the same 500/503 answers at the same positions, twice;
    another seed answers differently. Setting the plan again starts its count afresh."""
    first = await _statuses(scim, admin, 5)
    await settle(admin, faults=None)
    second = await _statuses(scim, admin, 5)
    other = await _statuses(scim, admin, 6)
    assert first == second
    assert first != other
    assert set(first) == {200, 500, 503}
    failed = first.count(500) + first.count(503)
    ids = [f for fs in await last_findings(admin, 40) for f in fs]
    assert ids.count("FAULT-ERROR") == other.count(500) + other.count(503)
    assert 0 < failed < 40


async def test_slow_answers_wait_latency_plus_or_minus_jitter(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """slowRate 1, latency 200 ms, jitter 50 ms: every answer waits 150-250 ms first."""
    await settle(admin, faults={"seed": 1, "slowRate": 1, "latencyMs": 200, "jitterMs": 50})
    for _ in range(20):
        assert (await scim.get("/Users")).status_code == 200
    assert len(fake.slept) == 20
    assert all(0.15 <= s <= 0.25 for s in fake.slept)
    assert len(set(fake.slept)) > 1  # jitter varies


async def test_a_lost_create_rate_of_one_loses_every_create_answer(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """lostCreateRate 1: each POST /Users is carried out and answered 500; reads are not."""
    await settle(admin, faults={"lostCreateRate": 1})
    assert (await scim.post("/Users", json=user_body("nth.user"))).status_code == 500
    assert (await scim.get("/Users", params=USERS_FILTER)).json()["totalResults"] == 1


async def test_without_a_plan_nothing_is_injected(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient, fake: FakeTime
) -> None:
    """Turning throttle and faults off (null) restores plain answers."""
    await settle(admin, throttle={"rate": 1, "burst": 1}, faults={"errorRate": 1})
    assert (await scim.get("/Users")).status_code in (500, 503)
    await settle(admin, throttle=None, faults=None)
    assert [(await scim.get("/Users")).status_code for _ in range(5)] == [200] * 5
    settings = (await admin.get("/apps/demo/settings")).json()
    assert settings["throttle"] is None and settings["faults"] is None


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        pytest.param({"throttle": {"rate": -1}}, "throttle.rate must be a number", id="rate"),
        pytest.param({"throttle": {"burst": 1.5}}, "throttle.burst must be a whole", id="burst"),
        pytest.param({"throttle": {"speed": 1}}, "unknown member 'speed'", id="member"),
        pytest.param({"throttle": 5}, "must be a JSON object or null", id="not-object"),
        pytest.param(
            {"faults": {"errorRate": 2}},
            "faults.errorRate must be a number from 0 to 1",
            id="share",
        ),
        pytest.param({"faults": {"errorStatuses": [404]}}, "faults.errorStatuses", id="statuses"),
        pytest.param({"faults": {"failNth": [{"nth": 0}]}}, "faults.failNth[0].nth", id="nth"),
        pytest.param(
            {"faults": {"failNth": [{"nth": 1, "status": 418}]}},
            ".status must be one of",
            id="status",
        ),
        pytest.param(
            {"faults": {"failNth": [{"nth": 1, "method": "HEAD"}]}},
            ".method must be one of",
            id="method",
        ),
        pytest.param(
            {"faults": {"failNth": [{"nth": 1, "endpoint": "users"}]}},
            ".endpoint must be one of",
            id="endpoint",
        ),
        pytest.param(
            {"faults": {"failNth": [{"nth": 1, "status": 429, "carriedOut": True}]}},
            "RFC 6585",
            id="429-carried",
        ),
        pytest.param({"faults": {"failNth": {"nth": 1}}}, "failNth must be a list", id="rules"),
    ],
)
async def test_a_bad_plan_is_400_and_changes_nothing(
    admin: httpx.AsyncClient, settings: dict[str, Any], says: str
) -> None:
    """Each bad member is refused naming it; the settings stay as they were."""
    before = (await admin.get("/apps/demo/settings")).json()
    answer = await admin.patch("/apps/demo/settings", json=settings)
    assert answer.status_code == 400
    assert says in answer.json()["detail"]
    assert (await admin.get("/apps/demo/settings")).json() == before
