"""Each new IdP profile pushes a population into the reference server, in-process and over a
real socket, and the server passes that IdP's replay (check server --profile <idp>)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from scim_harness.conformance.model import Outcome, Report
from scim_harness.conformance.server.suite import run_server_suite
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import get_profile
from scim_harness.simulated_client.scenarios.catalogue import run_scenario
from scim_harness.simulated_client.scenarios.results import ScenarioResult
from starlette.applications import Starlette
from support import LiveServer

NEW = ["onelogin", "jumpcloud", "pingfederate"]
BASE = "/apps/demo/scim/v2"


@pytest.fixture
async def http(asgi_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _push(http: httpx.AsyncClient, base: str, token: str, name: str) -> ScenarioResult:
    async def no_sleep(delay: float) -> None:
        return None

    client = ScimClient(http, base_url=base, token=token, concurrency=4, sleep=no_sleep)
    population = generate_population(12, 3, seed=14, edge_cases=True)
    return await run_scenario("lifecycle", client, get_profile(name), population)


def _vendor_verdicts(report: Report) -> dict[str, str]:
    return {r.check.id: f"{r.outcome}: {r.message}" for r in report.results}


@pytest.mark.parametrize("name", NEW)
async def test_a_lifecycle_push_succeeds_in_process(
    http: httpx.AsyncClient, boot: Bootstrap, name: str
) -> None:
    """Provision through delete with no failed change; the counts show the whole lifecycle."""
    result = await _push(http, f"http://testserver{BASE}", boot.token, name)
    assert result.counts.failed == 0, [o.message for o in result.failures]
    assert result.counts.users_created == 12 and result.counts.groups_created == 3
    assert result.counts.users_updated and result.counts.users_deactivated
    assert result.counts.members_added and result.counts.groups_renamed == 3


@pytest.mark.parametrize("name", NEW)
async def test_the_reference_server_passes_the_idps_replay(
    http: httpx.AsyncClient, boot: Bootstrap, name: str
) -> None:
    """check server --profile <idp>: every replay of that IdP passes; the others are skipped."""
    report = await run_server_suite(
        http,
        f"http://testserver{BASE}",
        boot.token,
        profile=name,
        select=lambda c: c.area == "vendor",
    )
    verdicts = _vendor_verdicts(report)
    mine = {"pingfederate": "SRV-VND-008"}.get(name)
    for check_id, verdict in verdicts.items():
        if check_id in ("SRV-VND-007", "SRV-VND-008") and check_id != mine:
            assert verdict.startswith("skipped: runs only with --profile"), verdict
        else:
            assert verdict.startswith("passed"), (check_id, verdict)


async def test_okta_import_reads_back_every_provisioned_account(
    http: httpx.AsyncClient, boot: Bootstrap
) -> None:
    """After provisioning, Okta's import walks both endpoints and misses nobody."""
    client = ScimClient(http, base_url=f"http://testserver{BASE}", token=boot.token)
    population = generate_population(9, 2, seed=3)
    result = await run_scenario("import", client, get_profile("okta"), population)
    step = result.steps[-1]
    assert step.counts.failed == 0, [o.message for o in step.failures]
    assert (step.counts.users_imported, step.counts.groups_imported) == (9, 2)


@pytest.mark.parametrize("name", NEW)
async def test_a_push_over_a_real_socket_succeeds_and_passes_the_replay(
    live_server: LiveServer, boot: Bootstrap, name: str
) -> None:
    """The same lifecycle and replay through uvicorn on 127.0.0.1."""
    base = f"{live_server.url}{BASE}"
    async with httpx.AsyncClient(timeout=30) as http:
        result = await _push(http, base, boot.token, name)
        assert result.counts.failed == 0, [o.message for o in result.failures]
        report = await run_server_suite(
            http, base, boot.token, profile=name, select=lambda c: c.area == "vendor", seed=5
        )
    failed = {r.check.id: r.message for r in report.results if r.outcome is Outcome.FAILED}
    assert failed == {}
