"""The server suite catches each deliberately broken variant of the reference server."""

from __future__ import annotations

import httpx
import pytest
from broken_servers import BROKEN_SERVERS, BrokenServer
from scim_harness.conformance.model import Level, Outcome, Report
from scim_harness.conformance.server.suite import AdminAccess, run_server_suite
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore


async def _run(variant: BrokenServer) -> Report:
    store = SqliteStore(":memory:")
    try:
        boot = bootstrap(store, "demo")
        app = variant.build(store)
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
    assert report.exit_code == 1


def test_every_broken_variant_names_a_distinct_breakage() -> None:
    """Eight variants, each meant for a check of its own, each expected to fail that check."""
    assert len(BROKEN_SERVERS) == 8
    assert len({v.meant for v in BROKEN_SERVERS}) == len(BROKEN_SERVERS)
    assert all(v.meant in v.expected for v in BROKEN_SERVERS)
