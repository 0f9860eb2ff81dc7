"""The cursor checks pass the reference server in both modes and catch each broken double."""

from __future__ import annotations

import httpx
import pytest
from broken_cursor_servers import BROKEN_CURSOR_SERVERS, BrokenCursorServer
from scim_harness.conformance.checks import registered
from scim_harness.conformance.model import Level, Outcome, Report
from scim_harness.conformance.server.suite import AdminAccess, run_server_suite
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore

BASE = "http://testserver/apps/demo/scim/v2"
CURSOR_CHECKS = {e.check.id for e in registered("server") if e.check.area == "cursor"}


async def _run(
    variant: BrokenCursorServer | None = None,
    *,
    lenient: bool = True,
    timeout: int = 3600,
    admin: bool = True,
) -> Report:
    store = SqliteStore(":memory:")
    try:
        boot = bootstrap(store, "demo", settings={"lenient": lenient})
        if variant is None:
            app = create_app(ServerSettings(cursor_timeout=timeout), store=store)
        else:
            app = variant.build(store)
        access = AdminAccess("http://testserver/admin", boot.admin_token, "demo")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
            return await run_server_suite(
                http, BASE, boot.token, seed=11, admin=access if admin else None
            )
    finally:
        store.close()


def _failed(report: Report) -> dict[str, str]:
    return {
        r.check.id: r.message
        for r in report.results
        if r.outcome in (Outcome.FAILED, Outcome.ERROR)
    }


@pytest.mark.parametrize("lenient", [True, False], ids=["lenient", "strict"])
async def test_the_reference_server_passes_every_cursor_check(lenient: bool) -> None:
    """Every cursor check passes, the expiry one too with a short cursorTimeout."""
    report = await _run(lenient=lenient, timeout=1)
    assert _failed(report) == {}
    outcomes = {r.check.id: r.outcome for r in report.results if r.check.id in CURSOR_CHECKS}
    assert set(outcomes) == CURSOR_CHECKS and len(CURSOR_CHECKS) == 20
    assert set(outcomes.values()) == {Outcome.PASSED}


async def test_without_admin_access_the_cross_app_checks_say_why_they_skip() -> None:
    """SRV-CUR-013/014 need a second app; the long default cursorTimeout skips SRV-CUR-017."""
    report = await _run(admin=False)
    skipped = {r.check.id: r.message for r in report.results if r.outcome is Outcome.SKIPPED}
    assert "admin API" in skipped["SRV-CUR-013"] and "admin API" in skipped["SRV-CUR-014"]
    assert "cursorTimeout 3600 s" in skipped["SRV-CUR-017"]
    assert not set(_failed(report)) & CURSOR_CHECKS


async def test_a_target_without_cursors_skips_every_cursor_check() -> None:
    """No pagination.cursor in /ServiceProviderConfig: each cursor check skips, saying so."""
    from broken_servers import Exchange, Rewriting, call, scim_rest, with_json_response

    async def no_cursor(app: object, exchange: Exchange) -> Exchange:
        done = await call(app, exchange.scope, exchange.body)  # type: ignore[arg-type]
        data = done.response_json()
        if scim_rest(exchange) == "/ServiceProviderConfig" and isinstance(data, dict):
            data["pagination"]["cursor"] = False
            return with_json_response(done, data)
        return done

    store = SqliteStore(":memory:")
    boot = bootstrap(store, "demo")
    app = Rewriting(create_app(ServerSettings(), store=store), no_cursor)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        report = await run_server_suite(
            client, BASE, boot.token, select=lambda c: c.id in CURSOR_CHECKS - {"SRV-CUR-001"}
        )
    store.close()
    assert {r.outcome for r in report.results} == {Outcome.SKIPPED}
    assert all("pagination.cursor is not true" in r.message for r in report.results)


@pytest.mark.parametrize("variant", [pytest.param(v, id=v.name) for v in BROKEN_CURSOR_SERVERS])
async def test_each_broken_cursor_server_fails_its_check(variant: BrokenCursorServer) -> None:
    """The meant check fails with evidence; the failures are exactly the expected ones."""
    report = await _run(variant)
    meant = next(r for r in report.results if r.check.id == variant.meant)
    assert meant.outcome is Outcome.FAILED, (meant.outcome, meant.message)
    assert meant.exchanges, "the failure carries the exchanges that prove it"
    assert set(_failed(report)) == variant.failed, _failed(report)


def test_the_broken_cursor_servers_are_distinct() -> None:
    """One variant per meant check; the MUST-level ones make the run fail."""
    assert len({v.meant for v in BROKEN_CURSOR_SERVERS}) == len(BROKEN_CURSOR_SERVERS)
    assert all(v.meant in v.failed <= CURSOR_CHECKS for v in BROKEN_CURSOR_SERVERS)
    levels = {e.check.id: e.check.level for e in registered("server")}
    assert levels["SRV-CUR-013"] is Level.MUST and levels["SRV-CUR-003"] is Level.MUST
