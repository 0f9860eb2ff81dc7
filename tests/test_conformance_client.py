"""The client suite judges a client by the traffic the reference server recorded from it."""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import json
from pathlib import Path

import httpx
import pytest
import scim_harness.conformance.traffic.recording
from broken_clients import ADMIN_URL, APP, ORIGIN, record_client, scim_record, traffic_of
from scim_harness.conformance.checks import Registered, registered
from scim_harness.conformance.client.suite import (
    Traffic,
    dump_traffic_jsonl,
    fetch_traffic,
    load_traffic_jsonl,
    run_client_check,
    run_client_suite,
)
from scim_harness.conformance.model import Check, Level, Outcome, Report
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from scim_harness.simulated_client.profiles.catalogue import RFC

# The checks an rfc client's lifecycle must exercise (and pass); the others need a 429, a 409
# or a 5xx, which a healthy run does not produce.
EXERCISED_BY_RFC_LIFECYCLE = (
    "CLI-TRN-001",
    "CLI-TRN-002",
    "CLI-TRN-003",
    "CLI-TRN-004",
    "CLI-TRN-005",
    "CLI-LOOK-001",
    "CLI-LOOK-002",
    "CLI-LOOK-003",
    "CLI-CRT-001",
    "CLI-CRT-002",
    "CLI-CRT-003",
    "CLI-CRT-004",
    "CLI-CRT-005",
    "CLI-CRT-006",
    "CLI-CRT-007",
    "CLI-CRT-008",
    "CLI-CRT-009",
    "CLI-CRT-010",
    "CLI-BOOL-001",
    "CLI-PAT-001",
    "CLI-PAT-002",
    "CLI-PAT-003",
    "CLI-PAT-004",
    "CLI-PAT-005",
    "CLI-DEA-001",
    "CLI-DEA-002",
    "CLI-DEA-003",
    "CLI-GRP-001",
    "CLI-GRP-002",
    "CLI-GRP-003",
    "CLI-GRP-004",
    "CLI-DSC-001",
    "CLI-STA-001",
    "CLI-STA-002",
    "CLI-STA-003",
)


RECONCILIATION = ("CLI-REC-001", "CLI-REC-002", "CLI-REC-003", "CLI-REC-004")


def outcomes(report: Report) -> dict[str, Outcome]:
    return {r.check.id: r.outcome for r in report.results}


def must_failures(report: Report) -> list[str]:
    return [f"{r.check.id}: {r.message}" for r in report.blocking]


@pytest.fixture(scope="module")
def rfc_traffic() -> Traffic:
    """The rfc client's whole lifecycle, read back through the admin API (recorded once)."""
    return asyncio.run(record_client(RFC, "lifecycle", users=12, groups=3, seed=11))


def test_rfc_client_passes_every_must_check(rfc_traffic: Traffic) -> None:
    """The strict RFC client breaks no MUST rule, so the run exits 0."""
    report = run_client_suite(rfc_traffic, target="rfc")
    assert must_failures(report) == []
    assert report.exit_code == 0


def test_rfc_client_passes_every_check_it_exercises(rfc_traffic: Traffic) -> None:
    """Nothing the rfc client does fails even a SHOULD; only the refusal checks lack evidence,
    and the cursor checks (a lifecycle walks no list: the import scenario does)."""
    report = run_client_suite(rfc_traffic)
    by_outcome: dict[Outcome, set[str]] = {}
    for result in report.results:
        by_outcome.setdefault(result.outcome, set()).add(result.check.id)
    assert by_outcome[Outcome.PASSED] == set(EXERCISED_BY_RFC_LIFECYCLE)
    assert by_outcome[Outcome.NOT_EXERCISED] == {
        *("CLI-RATE-001", "CLI-RATE-002", "CLI-RATE-003"),
        *("CLI-CUR-001", "CLI-CUR-002", "CLI-CUR-003", "CLI-CUR-004"),
    }
    # No --expect, no --profile interop: skipped, each saying why.
    interop = {e.check.id for e in registered("client") if e.profiles == ("interop",)}
    assert by_outcome[Outcome.SKIPPED] == set(RECONCILIATION) | interop
    assert set(by_outcome) == {Outcome.PASSED, Outcome.NOT_EXERCISED, Outcome.SKIPPED}


@pytest.mark.parametrize("check_id", EXERCISED_BY_RFC_LIFECYCLE)
def test_rfc_lifecycle_exercises_the_main_checks(rfc_traffic: Traffic, check_id: str) -> None:
    """Each main client check finds evidence in an rfc lifecycle, and passes."""
    report = run_client_suite(rfc_traffic, select=lambda c: c.id == check_id)
    assert outcomes(report) == {check_id: Outcome.PASSED}, report.results[0].message


async def test_rfc_client_passes_with_delete_on_deactivation() -> None:
    """With the platform deleting deactivated users, the rfc client's 404s and re-creates pass."""
    traffic = await record_client(
        RFC, "lifecycle", users=10, groups=2, seed=3, app_settings={"deleteOnDeactivate": True}
    )
    assert any("EFFECT-DELETED-ON-DEACTIVATION" in r.finding_ids for r in traffic)
    report = run_client_suite(traffic)
    assert must_failures(report) == []
    for check_id in ("CLI-DEA-001", "CLI-DEA-002", "CLI-DEA-003"):
        assert outcomes(report)[check_id] is Outcome.PASSED


async def test_rfc_client_waits_out_retry_after() -> None:
    """A 429 with Retry-After: 1 is followed by a pause of at least a second (real time)."""
    traffic = await record_client(RFC, "provision", users=2, groups=1, throttle=1)
    assert traffic.requests[0].status == 429
    report = run_client_suite(traffic, select=lambda c: c.id == "CLI-RATE-001")
    assert outcomes(report) == {"CLI-RATE-001": Outcome.PASSED}, report.results[0].message


def test_empty_traffic_exercises_nothing_and_exits_3() -> None:
    """No request, no evidence: every check is not exercised, none passed, exit code 3."""
    report = run_client_suite(Traffic([]), profile="interop")
    assert report.results
    judged = [r for r in report.results if r.check.id not in RECONCILIATION]
    assert {r.outcome for r in judged} == {Outcome.NOT_EXERCISED}
    assert all(r.message for r in report.results)
    assert report.exit_code == 3
    assert "no create" in report.nothing_to_judge


def test_failing_verdict_names_the_requests_and_carries_them() -> None:
    """A failure's message names method, path and seq; its evidence is those exchanges."""
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}
    traffic = traffic_of(scim_record("POST", "/Users", body=user, status=400))
    report = run_client_suite(traffic, select=lambda c: c.id == "CLI-CRT-003")
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert "POST /Users (seq 1): no name.familyName" in result.message
    (exchange,) = result.exchanges
    assert (exchange.method, exchange.url, exchange.status) == (
        "POST",
        f"/apps/{APP}/scim/v2/Users",
        400,
    )
    assert exchange.request_body == user
    assert "seq 1" in exchange.note
    assert report.exit_code == 1


def test_select_runs_only_the_chosen_checks() -> None:
    """``select`` keeps the checks it returns true for, and only those."""
    report = run_client_suite(Traffic([]), select=lambda c: c.area == "patch")
    assert report.results
    assert {r.check.area for r in report.results} == {"patch"}


def test_a_crashing_check_is_an_error_not_a_pass() -> None:
    """A bug inside a check gives an ``error`` verdict, which blocks like a MUST failure."""

    def broken(traffic: Traffic) -> None:
        raise KeyError("boom")

    check = Check("CLI-TST-001", "client", "test", Level.MUST, "none", "claim", "fix")
    result = run_client_check(Registered(check, broken), Traffic([]))
    assert result.outcome is Outcome.ERROR
    assert "KeyError" in result.message
    assert result.blocking


def test_jsonl_round_trip_keeps_records_and_verdicts(rfc_traffic: Traffic, tmp_path: Path) -> None:
    """Traffic written as JSON lines reads back to the same records and the same verdicts."""
    path = tmp_path / "requests.jsonl"
    dump_traffic_jsonl(rfc_traffic, path)
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(rfc_traffic)
    again = load_traffic_jsonl(path)
    assert again.records == [r.raw for r in rfc_traffic.requests]
    first = run_client_suite(rfc_traffic).results
    second = run_client_suite(again).results
    assert [(r.check.id, r.outcome, r.message) for r in first] == [
        (r.check.id, r.outcome, r.message) for r in second
    ]


def test_jsonl_loader_names_the_bad_line(tmp_path: Path) -> None:
    """A line that is not a JSON object is refused with its line number."""
    path = tmp_path / "requests.jsonl"
    path.write_text(json.dumps(scim_record("GET", "/Users")) + "\n\n[1, 2]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3"):
        load_traffic_jsonl(path)


async def test_fetch_traffic_reads_every_page_of_the_admin_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages of the admin API are followed to the end: the store's record, in order."""
    monkeypatch.setattr(scim_harness.conformance.traffic.recording, "_PAGE", 3)
    store = SqliteStore(":memory:")
    boot = bootstrap(store, APP)
    app = create_app(ServerSettings(), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as http:
        scim = {"Authorization": f"Bearer {boot.token}"}
        for n in range(8):
            await http.get(f"/apps/{APP}/scim/v2/Users", params={"count": n}, headers=scim)
        traffic = await fetch_traffic(http, ADMIN_URL, boot.admin_token, APP)
        with pytest.raises(httpx.HTTPStatusError):
            await fetch_traffic(http, ADMIN_URL, "not-the-admin-token", APP)
    assert traffic.records == store.requests(APP, limit=100)
    assert [r.seq for r in traffic] == list(range(1, 9))
    store.close()


CLIENT_MODULES = [
    "scim_harness.conformance.traffic.records",
    "scim_harness.conformance.traffic.recording",
    "scim_harness.conformance.traffic.index",
    "scim_harness.conformance.traffic.body",
    "scim_harness.conformance.client.suite",
    "scim_harness.conformance.client.scope",
    "scim_harness.conformance.client.state",
    "scim_harness.conformance.client.facts",
    "scim_harness.conformance.client.members",
    "scim_harness.conformance.client.expected",
    "scim_harness.conformance.client.reconcile",
    "scim_harness.conformance.attribution",
    *(
        f"scim_harness.conformance.checks.client.{name}"
        for name in (
            "booleans",
            "create",
            "discovery",
            "groups",
            "lifecycle",
            "lookup",
            "patch",
            "rate",
            "shapes",
            "state",
            "reconcile",
            "support",
            "transport",
        )
    ),
]


def _top_level_names(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_") and n != "__all__"}


@pytest.mark.parametrize("name", CLIENT_MODULES)
def test_module_exports_what_it_defines(name: str) -> None:
    """``__all__`` names every public name the module defines (type aliases aside), and only
    names it has (client_suite re-exports the traffic API)."""
    module = importlib.import_module(name)
    defined = _top_level_names(inspect.getsource(module))
    aliases = {"Term", "Judge", "Seen"}
    assert defined - aliases <= set(module.__all__) <= set(vars(module))
