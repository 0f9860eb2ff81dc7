"""The server suite against the reference server: in-process, with admin access, over a socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from broken_servers import Exchange, Rewriting, call, with_json_response
from scim_harness.conformance.checks import Registered, registered
from scim_harness.conformance.model import Check, Level, Outcome, Report, Result
from scim_harness.conformance.server.suite import AdminAccess, run_server_suite
from scim_harness.reference_server.serve import Bootstrap
from starlette.applications import Starlette
from starlette.types import ASGIApp
from support import LiveServer

BASE = "http://testserver/apps/demo/scim/v2"
ADMIN_ONLY = ("SRV-AUT-003", "SRV-PLT-007", "SRV-PLT-010", "SRV-PLT-011", "SRV-PLT-014")
DEACTIVATION = ("SRV-PLT-011", "SRV-PLT-012", "SRV-PLT-013", "SRV-PLT-014")


def _http(app: ASGIApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app))


@pytest.fixture
async def http(asgi_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with _http(asgi_app) as client:
        yield client


def _admin(boot: Bootstrap, root: str = "http://testserver") -> AdminAccess:
    return AdminAccess(f"{root}/admin", boot.admin_token, "demo")


def _by_id(report: Report) -> dict[str, Result]:
    return {r.check.id: r for r in report.results}


def _not_passed(report: Report) -> dict[str, str]:
    return {
        r.check.id: f"{r.outcome}: {r.message}"
        for r in report.results
        if r.outcome in (Outcome.FAILED, Outcome.ERROR)
    }


async def test_reference_server_passes_every_check(
    http: httpx.AsyncClient, boot: Bootstrap
) -> None:
    """Every MUST check and every SHOULD check passes in-process; none errors."""
    report = await run_server_suite(http, BASE, boot.token, seed=1)
    assert report.exit_code == 0, _not_passed(report)
    assert _not_passed(report) == {}
    assert {r.check.id for r in report.results} == {e.check.id for e in registered("server")}


async def test_admin_access_runs_the_platform_checks(
    http: httpx.AsyncClient, boot: Bootstrap
) -> None:
    """With admin access the isolation, directory and deactivation checks run and pass."""
    report = await run_server_suite(http, BASE, boot.token, admin=_admin(boot), seed=2)
    assert report.exit_code == 0, _not_passed(report)
    results = _by_id(report)
    for check_id in (*ADMIN_ONLY, *DEACTIVATION):
        assert results[check_id].outcome is Outcome.PASSED, (check_id, results[check_id].message)
    assert report.details["admin"] == "demo"


@pytest.mark.parametrize("profile", ["entra", "entra-2020", "okta"])
async def test_vendor_profiles_are_replayed_and_pass(
    http: httpx.AsyncClient, boot: Bootstrap, profile: str
) -> None:
    """The Entra ID and Okta request shapes are sent and the reference server copes."""
    select = lambda c: c.area == "vendor"  # noqa: E731
    report = await run_server_suite(http, BASE, boot.token, profile=profile, select=select)
    assert len(report.results) == 8
    own = [r for r in report.results if r.check.id not in ("SRV-VND-007", "SRV-VND-008")]
    assert all(r.outcome is Outcome.PASSED for r in own), _not_passed(report)
    lookup = _by_id(report)["SRV-VND-002"].exchanges[-1]
    if profile.startswith("entra"):
        assert "+eq+" in lookup.url, "Entra's filter spaces arrive '+'-encoded"


async def test_rfc_profile_skips_the_vendor_checks_with_the_reason(
    http: httpx.AsyncClient, boot: Bootstrap
) -> None:
    """Without a vendor profile the vendor checks are skipped, saying how to run them."""
    report = await run_server_suite(http, BASE, boot.token, select=lambda c: c.area == "vendor")
    assert {r.outcome for r in report.results} == {Outcome.SKIPPED}
    assert "entra" in report.results[0].message


ANY_TARGET = ("SRV-DEA-001", "SRV-DEA-002", "SRV-DEA-003")


@pytest.mark.parametrize(
    ("app_settings", "mode"),
    [
        pytest.param({}, "keep", id="keeps-deactivated-users"),
        pytest.param({"deleteOnDeactivate": True}, "delete", id="deletes-deactivated-users"),
    ],
)
async def test_deactivation_without_a_hint_accepts_either_and_says_which(
    http: httpx.AsyncClient, boot: Bootstrap, mode: str
) -> None:
    """With no hint, deleting and keeping inactive both pass; the report names what it saw."""
    select = lambda c: c.id in (*ANY_TARGET, *DEACTIVATION)  # noqa: E731
    report = await run_server_suite(http, BASE, boot.token, select=select)
    results = _by_id(report)
    assert {results[i].outcome for i in ANY_TARGET} == {Outcome.PASSED}, _not_passed(report)
    assert report.details["deactivation_seen"].startswith(f"{mode}: ")
    verb = "deleted" if mode == "delete" else "kept"
    assert all(verb in results[i].message for i in ANY_TARGET)
    for check_id in DEACTIVATION:  # the platform option needs two apps: admin access
        assert results[check_id].outcome is Outcome.SKIPPED
        assert "admin access" in results[check_id].message


@pytest.mark.parametrize(
    ("app_settings", "hint"),
    [
        pytest.param({}, "delete", id="told-delete-but-keeps"),
        pytest.param({"deleteOnDeactivate": True}, "keep", id="told-keep-but-deletes"),
    ],
)
async def test_a_deactivation_hint_makes_the_expectation_exact(
    http: httpx.AsyncClient, boot: Bootstrap, hint: str
) -> None:
    """--deactivation names the mode: the other one, though allowed by default, now fails."""
    report = await run_server_suite(
        http, BASE, boot.token, deactivation=hint, select=lambda c: c.id in ANY_TARGET
    )
    for result in report.results:
        assert result.outcome is Outcome.FAILED
        assert result.message.startswith(f"--deactivation {hint}, but after ")
    assert report.exit_code == 1


@pytest.mark.parametrize("with_admin", [False, True], ids=["as-any-target", "with-admin"])
@pytest.mark.parametrize(
    "app_settings",
    [
        pytest.param({"lenient": lenient, "deleteOnDeactivate": delete}, id=f"{mode}-{option}")
        for lenient, mode in ((True, "lenient"), (False, "strict"))
        for delete, option in ((False, "keep-deactivated"), (True, "delete-on-deactivate"))
    ],
)
async def test_reference_server_passes_everything_in_every_mode(
    http: httpx.AsyncClient, boot: Bootstrap, app_settings: dict[str, bool], with_admin: bool
) -> None:
    """Lenient or strict, deleting deactivated users or not, with admin access or without:
    no check fails, at any level."""
    admin = _admin(boot) if with_admin else None
    report = await run_server_suite(http, BASE, boot.token, seed=6, admin=admin)
    assert _not_passed(report) == {}
    reason = "admin access" if with_admin else "its /Schemas declares"
    assert report.details["target"].startswith(f"platform ({reason}")
    mode = "delete" if app_settings["deleteOnDeactivate"] else "keep"
    assert report.details["deactivation_seen"].startswith(f"{mode}: ")
    report.fail_on = Level.SHOULD
    assert report.exit_code == 0


async def _namespaced(http: httpx.AsyncClient, boot: Bootstrap, prefix: str) -> int:
    headers = {"Authorization": f"Bearer {boot.token}"}
    total = 0
    for endpoint, attr in (("/Users", "userName"), ("/Groups", "displayName")):
        reply = await http.get(
            BASE + endpoint, params={"filter": f'{attr} sw "{prefix}"'}, headers=headers
        )
        total += int(reply.json()["totalResults"])
    return total


async def test_test_data_is_removed_afterwards(http: httpx.AsyncClient, boot: Bootstrap) -> None:
    """Every user and group the suite made is gone after the run."""
    report = await run_server_suite(http, BASE, boot.token, seed=3, admin=_admin(boot))
    namespace = report.details["namespace"]
    assert namespace.startswith("scimh-3-")
    assert await _namespaced(http, boot, namespace) == 0
    assert "removed" in report.details["cleanup"]


async def test_keep_leaves_the_test_data(http: httpx.AsyncClient, boot: Bootstrap) -> None:
    """keep=True leaves what the suite created, and the report says where."""
    select = lambda c: c.area in ("users", "filter")  # noqa: E731
    report = await run_server_suite(http, BASE, boot.token, seed=4, keep=True, select=select)
    namespace = report.details["namespace"]
    assert await _namespaced(http, boot, namespace) > 5
    assert namespace in report.details["cleanup"]


async def test_a_crashing_check_is_an_error_not_a_crash(
    http: httpx.AsyncClient, boot: Bootstrap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check raising something unexpected is reported as ERROR and the run goes on."""

    async def boom(ctx: Any) -> None:
        raise RuntimeError("the check itself is broken")

    fake = Check("SRV-ZZZ-999", "server", "zzz", Level.MUST, "none", "crashes", "fix the check")
    real = next(e for e in registered("server") if e.check.id == "SRV-DSC-001")
    monkeypatch.setattr(
        "scim_harness.conformance.server.suite.registered",
        lambda side: [Registered(fake, boom), real],
    )
    report = await run_server_suite(http, BASE, boot.token)
    results = _by_id(report)
    assert results["SRV-ZZZ-999"].outcome is Outcome.ERROR
    assert "RuntimeError: the check itself is broken" in results["SRV-ZZZ-999"].message
    assert results["SRV-DSC-001"].outcome is Outcome.PASSED
    assert report.exit_code == 1


async def test_select_and_progress(http: httpx.AsyncClient, boot: Bootstrap) -> None:
    """Only the selected checks run, and progress hears of each result as it comes."""
    seen: list[str] = []
    report = await run_server_suite(
        http,
        BASE,
        boot.token,
        select=lambda c: c.area == "auth",
        progress=lambda r: seen.append(r.check.id),
    )
    assert seen == [r.check.id for r in report.results]
    assert set(seen) == {"SRV-AUT-001", "SRV-AUT-002", "SRV-AUT-003"}


async def test_evidence_masks_the_token(http: httpx.AsyncClient, boot: Bootstrap) -> None:
    """Each check keeps its exchanges, with the bearer token masked."""
    report = await run_server_suite(http, BASE, boot.token, select=lambda c: c.area == "users")
    exchanges = [e for r in report.results for e in r.exchanges]
    assert exchanges
    assert all(e.request_headers.get("Authorization") == "Bearer ***" for e in exchanges)
    assert boot.token not in json.dumps([e.as_json() for e in exchanges])


async def _no_patch(app: ASGIApp, exchange: Exchange) -> Exchange:
    done = await call(app, exchange.scope, exchange.body)
    data = done.response_json()
    if exchange.path.endswith("/ServiceProviderConfig") and isinstance(data, dict):
        data["patch"] = {"supported": False}
        return with_json_response(done, data)
    return done


async def test_checks_needing_an_unadvertised_feature_are_skipped(
    asgi_app: Starlette, boot: Bootstrap
) -> None:
    """When ServiceProviderConfig says patch is unsupported, the PATCH checks are skipped."""
    async with _http(Rewriting(asgi_app, _no_patch)) as http:
        report = await run_server_suite(http, BASE, boot.token, select=lambda c: c.area == "patch")
    assert {r.outcome for r in report.results} == {Outcome.SKIPPED}
    assert "patch" in report.results[0].message


async def _string_total(app: ASGIApp, exchange: Exchange) -> Exchange:
    done = await call(app, exchange.scope, exchange.body)
    data = done.response_json()
    if isinstance(data, dict) and "totalResults" in data:
        data["totalResults"] = str(data["totalResults"])
        return with_json_response(done, data)
    return done


async def test_a_response_breaking_its_schema_fails_the_schema_check(
    asgi_app: Starlette, boot: Bootstrap
) -> None:
    """A ListResponse with a string totalResults is named, with its exchange, by SRV-SCH-001."""
    async with _http(Rewriting(asgi_app, _string_total)) as http:
        report = await run_server_suite(
            http, BASE, boot.token, select=lambda c: c.id in ("SRV-DSC-002", "SRV-SCH-001")
        )
    result = _by_id(report)["SRV-SCH-001"]
    assert result.outcome is Outcome.FAILED
    assert "list-response.schema.json" in result.message
    assert "totalResults" in result.message
    assert result.exchanges and "breaks list-response.schema.json" in result.exchanges[0].note


async def test_bad_arguments_are_refused(http: httpx.AsyncClient, boot: Bootstrap) -> None:
    """An unknown profile or deactivation value is a ValueError naming the choices."""
    with pytest.raises(ValueError, match="okta"):
        await run_server_suite(http, BASE, boot.token, profile="nope")
    with pytest.raises(ValueError, match="delete"):
        await run_server_suite(http, BASE, boot.token, deactivation="sometimes")


async def test_suite_over_a_real_socket(live_server: LiveServer, boot: Bootstrap) -> None:
    """Over uvicorn on 127.0.0.1, with admin access, every MUST check passes."""
    async with httpx.AsyncClient(timeout=10) as http:
        report = await run_server_suite(
            http,
            f"{live_server.url}/apps/demo/scim/v2",
            boot.token,
            admin=_admin(boot, live_server.url),
            seed=5,
        )
    assert report.exit_code == 0, _not_passed(report)
    assert _by_id(report)["SRV-PLT-011"].outcome is Outcome.PASSED
