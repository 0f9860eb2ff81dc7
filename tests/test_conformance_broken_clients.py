"""Each deliberately broken client is caught by the check meant for it, and by nothing unrelated."""

from __future__ import annotations

import pytest
from broken_clients import BROKEN_CLIENTS, BrokenClient, record_client
from scim_harness.conformance.client.suite import run_client_suite
from scim_harness.conformance.model import Level, Outcome, Report
from scim_harness.simulated_client.profiles.catalogue import RFC


def failing(report: Report) -> set[str]:
    return {r.check.id for r in report.results if r.outcome in (Outcome.FAILED, Outcome.ERROR)}


async def judge(broken: BrokenClient) -> Report:
    traffic = await record_client(
        broken.profile,
        broken.scenario,
        rewrite=broken.rewrite,
        throttle=broken.throttle,
        route=broken.route,
        script=broken.script,
        app_settings=broken.app_settings,
    )
    return run_client_suite(traffic, target=broken.name)


@pytest.mark.parametrize("broken", BROKEN_CLIENTS, ids=lambda b: b.name)
async def test_broken_client_is_caught_by_its_check_alone(broken: BrokenClient) -> None:
    """The meant check fails with evidence; every other failure is one the fault explains."""
    report = await judge(broken)
    by_id = {r.check.id: r for r in report.results}
    caught = by_id[broken.catches]
    assert caught.outcome is Outcome.FAILED, caught.message
    assert caught.exchanges
    assert failing(report) == {broken.catches} | broken.also
    unrelated_must = [
        r.check.id
        for r in report.blocking
        if r.check.id != broken.catches and r.check.id not in broken.also
    ]
    assert unrelated_must == []
    assert report.exit_code == (1 if caught.check.level is Level.MUST else 0)


@pytest.mark.parametrize("scenario", ["provision", "reactivate"])
async def test_the_unbroken_rfc_client_fails_nothing_in_the_same_scenarios(scenario: str) -> None:
    """The baseline the variants are cut from: the same scenarios with RFC fail no check."""
    traffic = await record_client(RFC, scenario)
    assert failing(run_client_suite(traffic)) == set()


def test_every_named_fault_has_a_broken_client() -> None:
    """Issue 6's list (six omitted attributes, string booleans, DELETE, no lookups, Retry-After)
    and issue 12's (blind re-creates, members dropped by replace or PUT, silent reactivation,
    no externalId)."""
    assert [b.catches for b in BROKEN_CLIENTS] == [
        "CLI-CRT-001",
        "CLI-CRT-002",
        "CLI-CRT-003",
        "CLI-CRT-004",
        "CLI-CRT-005",
        "CLI-CRT-006",
        "CLI-BOOL-001",
        "CLI-DEA-001",
        "CLI-LOOK-001",
        "CLI-RATE-001",
        "CLI-STA-001",
        "CLI-STA-002",
        "CLI-STA-002",
        "CLI-STA-003",
        "CLI-STA-003",
        "CLI-CRT-010",
    ]
