"""Against a throttled or failing app, broken clients fail the rate checks; the simulated
client, which waits, retries and looks up, passes them.

Each run pushes a population into an in-process reference server whose app answers by its
own fault plan (no test double in between), reads the request record back through the
admin API, and judges it with the client suite, as ``scim-harness check client`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest
from scim_harness.conformance.client.suite import run_client_suite
from scim_harness.conformance.model import Outcome, Report
from scim_harness.conformance.traffic.recording import Traffic, fetch_traffic
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from scim_harness.simulated_client.client import Reply, ScimClient
from scim_harness.simulated_client.errors import ScimServerError
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import RFC
from scim_harness.simulated_client.scenarios.catalogue import run_scenario
from scim_harness.simulated_client.wire import RequestSpec

ORIGIN = "http://testserver"
RATE_CHECKS = ("CLI-RATE-001", "CLI-RATE-002", "CLI-RATE-003")
THROTTLE_THIRD = {"failNth": [{"nth": 3, "status": 429, "retryAfter": 1}]}
UNAVAILABLE_THIRD = {"failNth": [{"nth": 3, "status": 503, "retryAfter": 1}]}
FAIL_FIRST_CREATE = {
    # Retry-After 0: only what the client does next is judged here, not how long it waits.
    "retryAfter": 0,
    "failNth": [{"nth": 1, "method": "POST", "endpoint": "Users", "status": 503}],
}
LOSE_FIRST_CREATE = {
    "failNth": [
        {"nth": 1, "method": "POST", "endpoint": "Users", "status": 500, "carriedOut": True}
    ]
}


class BlindRepostClient(ScimClient):
    """A client that POSTs a create again after a 5xx, without looking first."""

    async def create(self, request: RequestSpec, *, lookup: RequestSpec | None = None) -> Reply:
        try:
            return await self.send(request)
        except ScimServerError:
            return await self.send(request)


async def record(
    faults: dict[str, Any],
    *,
    client: Callable[..., ScimClient] = ScimClient,
    honour_retry_after: bool = True,
    throttle: dict[str, Any] | None = None,
    users: int = 6,
    concurrency: int = 1,
) -> Traffic:
    """Provision a seeded population into an app with this plan; its traffic via /admin."""
    store = SqliteStore(":memory:")
    try:
        settings: dict[str, Any] = {"faults": faults}
        if throttle is not None:
            settings["throttle"] = throttle
        boot = bootstrap(store, "demo", settings=settings)
        app = create_app(ServerSettings(), store=store)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
            scim = client(
                http,
                base_url=f"{ORIGIN}/apps/demo/scim/v2",
                token=boot.token,
                concurrency=concurrency,
                backoff=0.0,
                honour_retry_after=honour_retry_after,
            )
            profile = replace(RFC, honour_retry_after=honour_retry_after)
            await run_scenario("provision", scim, profile, generate_population(users, 2, seed=3))
            return await fetch_traffic(http, f"{ORIGIN}/admin", boot.admin_token, "demo")
    finally:
        store.close()


def outcomes(report: Report) -> dict[str, Outcome]:
    return {r.check.id: r.outcome for r in report.results if r.check.id in RATE_CHECKS}


def failing(report: Report) -> set[str]:
    return {r.check.id for r in report.results if r.outcome in (Outcome.FAILED, Outcome.ERROR)}


def injected(traffic: Traffic) -> list[str]:
    return [f for r in traffic for f in r.finding_ids if f.startswith("FAULT-")]


@pytest.mark.parametrize(
    ("faults", "finding"),
    [
        pytest.param(THROTTLE_THIRD, "FAULT-THROTTLED", id="429"),
        pytest.param(UNAVAILABLE_THIRD, "FAULT-ERROR", id="503"),
    ],
)
async def test_a_client_ignoring_retry_after_fails_the_retry_after_check(
    faults: dict[str, Any], finding: str
) -> None:
    """The third request is answered 429 (or 503), Retry-After 1; the impatient client asks
    again at once and fails CLI-RATE-001, and nothing else."""
    traffic = await record(faults, honour_retry_after=False)
    assert injected(traffic) == [finding]
    report = run_client_suite(traffic, target="impatient")
    assert failing(report) == {"CLI-RATE-001"}
    result = next(r for r in report.results if r.check.id == "CLI-RATE-001")
    assert "Retry-After asked for 1s" in result.message


@pytest.mark.parametrize(
    ("faults", "finding"),
    [
        pytest.param(THROTTLE_THIRD, "FAULT-THROTTLED", id="429"),
        pytest.param(UNAVAILABLE_THIRD, "FAULT-ERROR", id="503"),
    ],
)
async def test_the_simulated_client_waits_out_retry_after(
    faults: dict[str, Any], finding: str
) -> None:
    """The same plans: the simulated client pauses a second, then passes every check."""
    traffic = await record(faults)
    assert injected(traffic) == [finding]
    report = run_client_suite(traffic, target="simulated")
    assert failing(report) == set()
    assert outcomes(report)["CLI-RATE-001"] is Outcome.PASSED


@pytest.mark.parametrize(
    ("faults", "finding"),
    [
        pytest.param(FAIL_FIRST_CREATE, "FAULT-ERROR", id="503-not-carried-out"),
        pytest.param(LOSE_FIRST_CREATE, "FAULT-LOST-ANSWER", id="500-after-the-write"),
    ],
)
async def test_a_client_reposting_after_a_5xx_fails_the_lookup_check(
    faults: dict[str, Any], finding: str
) -> None:
    """After a 5xx on its first create, the blind client POSTs the user again without a
    lookup: CLI-RATE-003 fails (after a lost answer the re-POST also meets a 409)."""
    traffic = await record(faults, client=BlindRepostClient)
    assert finding in injected(traffic)
    report = run_client_suite(traffic, target="blind")
    assert "CLI-RATE-003" in failing(report)
    assert failing(report) <= {"CLI-RATE-003", "CLI-RATE-002"}
    result = next(r for r in report.results if r.check.id == "CLI-RATE-003")
    assert "without a lookup in between" in result.message


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param(FAIL_FIRST_CREATE, id="503-not-carried-out"),
        pytest.param(LOSE_FIRST_CREATE, id="500-after-the-write"),
    ],
)
async def test_the_simulated_client_looks_up_before_creating_again(
    faults: dict[str, Any],
) -> None:
    """The simulated client looks the user up after the 5xx and POSTs only when it is
    absent: CLI-RATE-003 passes and no check fails."""
    traffic = await record(faults)
    report = run_client_suite(traffic, target="simulated")
    assert failing(report) == set()
    assert outcomes(report)["CLI-RATE-003"] is Outcome.PASSED


async def test_the_simulated_client_passes_against_a_seeded_faulty_app() -> None:
    """A seeded share of 500/503 answers and lost creates over a whole provisioning: every
    injected fault is recorded, and the simulated client still fails no check."""
    faults = {"seed": 11, "errorRate": 0.1, "lostCreateRate": 0.2, "retryAfter": 0}
    traffic = await record(faults, users=10)
    found = injected(traffic)
    assert "FAULT-ERROR" in found
    assert "FAULT-LOST-ANSWER" in found
    report = run_client_suite(traffic, target="simulated")
    assert failing(report) == set()


async def test_at_concurrency_four_the_simulated_client_holds_every_request() -> None:
    """With four requests in flight, the 429's Retry-After holds the other workers too, so
    nothing is sent inside the window and CLI-RATE-001 passes."""
    faults = {"failNth": [{"nth": 6, "status": 429, "retryAfter": 1}]}
    traffic = await record(faults, concurrency=4, users=8)
    assert injected(traffic) == ["FAULT-THROTTLED"]
    report = run_client_suite(traffic, target="simulated")
    assert outcomes(report)["CLI-RATE-001"] is Outcome.PASSED
    assert failing(report) == set()
