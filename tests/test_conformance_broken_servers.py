"""The server suite catches each deliberately broken variant of the reference server."""

from __future__ import annotations

import httpx
import pytest
from broken_servers import BROKEN_SERVERS, BrokenServer
from scim_harness.conformance.checks import catalogue
from scim_harness.conformance.model import Level, Outcome, Report
from scim_harness.conformance.server.suite import AdminAccess, run_server_suite
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore


async def _run(variant: BrokenServer) -> Report:
    store = SqliteStore(":memory:")
    try:
        boot = bootstrap(store, "demo")
        app = variant.build(store)
        admin = None
        if variant.admin:
            admin = AdminAccess("http://testserver/admin", boot.admin_token, "demo")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
            return await run_server_suite(
                http, "http://testserver/apps/demo/scim/v2", boot.token, seed=7, admin=admin
            )
    finally:
        store.close()


def _failed_must(report: Report) -> set[str]:
    return {
        r.check.id
        for r in report.results
        if r.check.level is Level.MUST and r.outcome in (Outcome.FAILED, Outcome.ERROR)
    }


@pytest.mark.parametrize("variant", [pytest.param(v, id=v.name) for v in BROKEN_SERVERS])
async def test_broken_server_is_caught_by_its_check_and_no_other(variant: BrokenServer) -> None:
    """The check meant for the breakage fails, and the failed MUST set is exactly the expected."""
    report = await _run(variant)
    meant = next(r for r in report.results if r.check.id == variant.meant)
    assert meant.outcome is Outcome.FAILED, (variant.name, meant.outcome, meant.message)
    assert meant.exchanges, "the failure carries the exchanges that prove it"
    assert _failed_must(report) == variant.expected, {
        r.check.id: r.message for r in report.results if r.check.id in _failed_must(report)
    }
    # A SHOULD-level catch alone passes the default run and fails it under --fail-on should.
    assert report.exit_code == (1 if variant.expected else 0)
    report.fail_on = Level.SHOULD
    assert report.exit_code == 1


def test_every_broken_variant_names_a_distinct_breakage() -> None:
    """Each variant has its own name and fault, and is expected to fail its meant check."""
    assert len(BROKEN_SERVERS) == 19
    assert len({v.name for v in BROKEN_SERVERS}) == len(BROKEN_SERVERS)
    assert len({v.description for v in BROKEN_SERVERS}) == len(BROKEN_SERVERS)
    levels = {c.id: c.level for c in catalogue("server")}
    for variant in BROKEN_SERVERS:
        if levels[variant.meant] is Level.MUST:
            assert variant.meant in variant.expected, variant.name
        else:
            assert variant.meant not in variant.expected, variant.name


def test_faults_of_issue_11_are_caught_without_admin_access_or_hints() -> None:
    """The data-loss, discovery and PATCH faults are run as a user would: no admin, no hint."""
    issue_11 = BROKEN_SERVERS[8:]
    assert issue_11 and not any(v.admin for v in issue_11)
