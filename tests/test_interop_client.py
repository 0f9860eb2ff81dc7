"""check client --profile interop: the SCIM 2.0 Interoperability Profile's client checks, on the
traffic of every simulated profile and on hand-built requests that break one rule each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from broken_clients import record_client, scim_record, traffic_of
from scim_harness.conformance.client.suite import dump_traffic_jsonl, run_client_suite
from scim_harness.conformance.model import Outcome, Report
from scim_harness.simulated_client.profiles.catalogue import PROFILES

from scim_harness.cli import main

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

# What each profile's lifecycle breaks of the draft, and why (the IdPs predate it).
EXPECTED = {
    "rfc": {},
    "entra": {"CLI-IOP-007": "the enterprise manager is sent as a bare id string (§6.5.2.1)"},
    "entra-2020": {
        "CLI-IOP-006": "single-valued changes merged into one path-less replace (§6.5.1.1)",
        "CLI-IOP-007": "the manager as a bare id string, as in the default job (§6.5.2.1)",
    },
    "okta": {
        "CLI-IOP-005": "profile updates are GET then PUT (§6.5)",
        "CLI-IOP-006": "path-less deactivation and group rename (§6.5.1.1)",
    },
    "onelogin": {"CLI-IOP-007": "emails replaced with one object, not an array (§6.5.2.2)"},
    "jumpcloud": {},
    "pingfederate": {"CLI-IOP-005": "users are never PATCHed: every update is a PUT (§6.5)"},
    "naive": {"CLI-IOP-002": "bodies sent as application/json (§6.2)"},
}


def _iop(report: Report) -> dict[str, Outcome]:
    return {r.check.id: r.outcome for r in report.results if r.check.area == "interop"}


@pytest.mark.parametrize("profile", list(PROFILES))
async def test_each_profile_breaks_only_what_its_idp_does(profile: str) -> None:
    """A lifecycle's traffic fails exactly the interop checks listed for its profile."""
    traffic = await record_client(PROFILES[profile], "lifecycle")
    report = run_client_suite(traffic, profile="interop")
    failed = {cid for cid, outcome in _iop(report).items() if outcome is Outcome.FAILED}
    assert failed == set(EXPECTED[profile]), {
        r.check.id: r.message for r in report.results if r.check.id in failed
    }


def _patch(ops: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return scim_record("PATCH", "/Users/u1", body={"schemas": [PATCH], "Operations": ops}, **extra)


BROKEN = [
    pytest.param(
        "CLI-IOP-001",
        [
            scim_record("POST", "/Users", body={"schemas": [USER], "userName": "bjensen"},
                        status=201, response={"id": "u1", "userName": "bjensen"}),
            scim_record("GET", "/Users/bjensen", status=404),
        ],
        id="addressed-by-userName",
    ),
    pytest.param("CLI-IOP-003", [scim_record("GET", "/Users", headers={"authorization": "Bearer ***"})], id="no-user-agent"),
    pytest.param("CLI-IOP-004", [scim_record("GET", "/Users", query="filter=userName%20co%20%22b%22")], id="operator-co"),
    pytest.param("CLI-IOP-004", [scim_record("DELETE", "/Users", query="filter=userName%20eq%20%22b%22", status=405)], id="filter-on-delete"),
    pytest.param("CLI-IOP-005", [scim_record("PUT", "/Users/u1", body={"schemas": [USER], "userName": "b"})], id="put"),
    pytest.param("CLI-IOP-006", [_patch([{"op": "replace", "value": {"active": False}}])], id="path-less"),
    pytest.param("CLI-IOP-007", [_patch([{"op": "replace", "path": 'emails[type eq "work"]', "value": {"value": "a@b"}}])], id="filter-without-sub-attribute"),
    pytest.param("CLI-IOP-007", [_patch([{"op": "replace", "path": "name", "value": "Ann Lee"}])], id="complex-as-string"),
    pytest.param("CLI-IOP-008", [scim_record("POST", "/Users", body={"schemas": [USER], "userName": "b", "emails": [{"value": "b@x", "type": "private"}]}, status=201)], id="non-canonical-type"),
    pytest.param("CLI-IOP-009", [_patch([{"op": "replace", "path": "active", "value": False}], headers={"authorization": "Bearer ***", "if-match": 'W/"1"'})], id="if-match"),
    pytest.param("CLI-IOP-010", [scim_record("GET", "/Users", headers={"authorization": "Basic ***", "user-agent": "x"})], id="basic-auth"),
]  # fmt: skip


@pytest.mark.parametrize(("check_id", "records"), BROKEN)
def test_a_request_breaking_one_rule_fails_its_check(
    check_id: str, records: list[dict[str, Any]]
) -> None:
    """The hand-built request fails the named check, with the request as evidence."""
    report = run_client_suite(
        traffic_of(*records), profile="interop", select=lambda c: c.id == check_id
    )
    (result,) = report.results
    assert result.outcome is Outcome.FAILED, result.message
    assert result.exchanges


def test_removing_a_member_by_value_filter_is_not_judged_a_write() -> None:
    """remove members[value eq "x"] is RFC 7644's only way to drop one member: not a breach."""
    ops = [{"op": "remove", "path": 'members[value eq "u2"]'}]
    record = scim_record("PATCH", "/Groups/g1", body={"schemas": [PATCH], "Operations": ops})
    report = run_client_suite(
        traffic_of(record), profile="interop", select=lambda c: c.id == "CLI-IOP-007"
    )
    assert report.results[0].outcome is Outcome.PASSED


def test_check_client_takes_profile_interop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """check client --file F --profile interop runs the CLI-IOP checks; without it they skip."""
    records = [
        scim_record(
            "PUT",
            "/Users/u1",
            body={"schemas": [USER], "userName": "b"},
            headers={
                "authorization": "Bearer ***",
                "content-type": "application/scim+json",
                "user-agent": "x",
            },
        )
    ]
    path = tmp_path / "t.jsonl"
    dump_traffic_jsonl(traffic_of(*records), path)
    argv = ["check", "client", "--file", str(path), "--allow-empty", "--select", "CLI-IOP-005"]
    assert main([*argv, "--profile", "interop"]) == 1
    assert "CLI-IOP-005" in capsys.readouterr().out
    assert main(argv) == 0
    assert "runs only with --profile interop" in capsys.readouterr().out
