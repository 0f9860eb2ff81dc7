"""The comparison of a foreign server's run with its reviewed defect list, without any server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from foreign_ports import unavailable
from foreign_servers import SERVERS
from foreign_verdicts import (
    TODO_REASON,
    Expected,
    compare,
    load_expected,
    merge_runs,
    regenerate,
)
from scim_harness.conformance.checks import registered

EXPECTED_DIR = Path(__file__).resolve().parent / "expected"


def _result(check_id: str, outcome: str, level: str = "MUST") -> dict[str, Any]:
    check = {"id": check_id, "level": level, "reference": f"RFC 7644 §{check_id[-1]}"}
    return {"id": check_id, "check": check, "outcome": outcome, "message": f"{check_id} said so"}


def _report(**outcomes: str) -> dict[str, Any]:
    return {"results": [_result(k.replace("_", "-"), v) for k, v in outcomes.items()]}


def _listed(
    *ids: str, reason: str = "the server drops it (RFC 7644 §3.3)", false: tuple[str, ...] = ()
) -> Expected:
    failures = {i: {"section": "RFC 7644 §3.3", "reason": reason} for i in ids}
    known = {i: {"section": "RFC 7643 §4.1", "reason": "a platform rule, not RFC"} for i in false}
    return Expected("some-server", "1.0", failures, known)


def test_a_run_failing_exactly_the_listed_defects_matches() -> None:
    """No problem when the failed checks are exactly the listed ones."""
    report = _report(SRV_A_1="failed", SRV_A_2="passed", SRV_A_3="skipped")
    assert compare(_listed("SRV-A-1"), report, "1.0") == []


def test_an_unlisted_failure_is_reported_as_false_failure_or_regression() -> None:
    """A failed check missing from the list is a problem that names the check and its message."""
    report = _report(SRV_A_1="failed", SRV_A_2="failed")
    problems = compare(_listed("SRV-A-1"), report, "1.0")
    assert len(problems) == 1
    assert "SRV-A-2" in problems[0] and "not listed" in problems[0]
    assert "SRV-A-2 said so" in problems[0]


def test_an_errored_check_counts_as_a_failure() -> None:
    """A check that ended in an error is not silently accepted."""
    problems = compare(_listed(), _report(SRV_A_1="error"), "1.0")
    assert len(problems) == 1 and "SRV-A-1" in problems[0]


def test_a_listed_defect_no_longer_caught_is_reported_as_a_miss() -> None:
    """A listed check that passes is a miss, with the outcome the run gave it."""
    problems = compare(_listed("SRV-A-1"), _report(SRV_A_1="passed"), "1.0")
    assert len(problems) == 1
    assert "SRV-A-1" in problems[0] and "'passed'" in problems[0] and "miss" in problems[0]


def test_a_listed_false_failure_is_tolerated_while_it_fails() -> None:
    """A known false failure of the suite, listed with its reason, does not fail the test."""
    report = _report(SRV_A_1="failed", SRV_B_1="failed")
    assert compare(_listed("SRV-A-1", false=("SRV-B-1",)), report, "1.0") == []


def test_a_listed_false_failure_that_passes_must_be_dropped() -> None:
    """Once the suite stops failing a listed false failure, the entry must go (a strict xfail)."""
    problems = compare(_listed(false=("SRV-B-1",)), _report(SRV_B_1="passed"), "1.0")
    assert len(problems) == 1
    assert "SRV-B-1" in problems[0] and "drop the entry from false_failures" in problems[0]


def test_a_check_listed_as_defect_and_false_failure_is_refused() -> None:
    """One check cannot be both a real defect and a false failure."""
    problems = compare(_listed("SRV-A-1", false=("SRV-A-1",)), _report(SRV_A_1="failed"), "1.0")
    assert problems == ["SRV-A-1: listed both as a defect and as a false failure"]


def test_vendor_profile_runs_are_keyed_by_profile() -> None:
    """A check replayed under a vendor profile is its own entry, ``ID@profile``."""
    merged = merge_runs({"rfc": _report(SRV_V_1="skipped"), "okta": _report(SRV_V_1="failed")})
    assert [(r["id"], r["outcome"]) for r in merged["results"]] == [
        ("SRV-V-1", "skipped"),
        ("SRV-V-1@okta", "failed"),
    ]
    assert compare(_listed("SRV-V-1@okta"), merged, "1.0") == []


def test_a_listed_check_missing_from_the_run_is_a_miss() -> None:
    """A listed check the run did not report at all is a miss too."""
    problems = compare(_listed("SRV-A-9"), _report(SRV_A_1="passed"), "1.0")
    assert problems and "not run" in problems[0]


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"section": "RFC 7644 §3.3", "reason": TODO_REASON}, id="todo"),
        pytest.param({"section": "RFC 7644 §3.3", "reason": "todo later"}, id="todo-lower"),
        pytest.param({"section": "", "reason": "drops members"}, id="no-section"),
        pytest.param({"section": "RFC 7644 §3.3"}, id="no-reason"),
        pytest.param("drops members", id="not-an-object"),
    ],
)
def test_an_unreviewed_or_incomplete_entry_is_refused(entry: Any) -> None:
    """An entry needs a section and a reviewed reason; ``TODO`` is not a reason."""
    expected = Expected("some-server", "1.0", {"SRV-A-1": entry})
    problems = compare(expected, _report(SRV_A_1="failed"), "1.0")
    assert len(problems) == 1 and problems[0].startswith("SRV-A-1:")


def test_a_list_reviewed_against_another_version_is_refused() -> None:
    """A new release of the server may fix or add defects: its list must be reviewed again."""
    problems = compare(_listed("SRV-A-1"), _report(SRV_A_1="failed"), "2.0")
    assert problems == [
        "the list was reviewed against some-server 1.0, this run has 2.0: regenerate and review it"
    ]


def test_a_missing_file_expects_no_failure(tmp_path: Path) -> None:
    """Without a file, any failure is a problem."""
    expected = load_expected(tmp_path / "absent.json", "some-server")
    assert compare(expected, _report(SRV_A_1="failed"), "1.0") != []
    assert compare(expected, _report(SRV_A_1="passed"), "1.0") == []


def test_regenerating_keeps_reviews_adds_todos_and_drops_fixed_defects(tmp_path: Path) -> None:
    """The rewritten file keeps reviewed entries in their list, adds new failures as TODO."""
    path = tmp_path / "expected" / "some-server.json"
    old = _listed("SRV-A-1", "SRV-A-2", false=("SRV-B-1", "SRV-B-2"))
    report = _report(SRV_A_1="failed", SRV_A_2="passed", SRV_A_3="failed", SRV_B_1="failed")
    fresh = regenerate(path, old, report, "1.1")
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk == fresh.as_json()
    assert on_disk["version"] == "1.1"
    assert list(on_disk["failures"]) == ["SRV-A-1", "SRV-A-3"]
    assert on_disk["failures"]["SRV-A-1"] == old.failures["SRV-A-1"]
    assert on_disk["failures"]["SRV-A-3"] == {"section": "RFC 7644 §3", "reason": TODO_REASON}
    assert on_disk["false_failures"] == {"SRV-B-1": old.false_failures["SRV-B-1"]}
    problems = compare(load_expected(path, "some-server"), report, "1.1")
    assert len(problems) == 1 and "SRV-A-3: not reviewed" in problems[0]


@pytest.mark.parametrize("ci", ["true", "1"])
def test_an_unavailable_server_fails_under_ci(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    """Under CI a server that cannot be installed or started is a failure, not a skip."""
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="no such package"):
        unavailable("no such package")


def test_an_unavailable_server_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside CI a server that cannot be installed is skipped with the reason."""
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no such package"):
        unavailable("no such package")


@pytest.mark.parametrize("server", SERVERS, ids=lambda s: s.name)
def test_each_expected_file_is_reviewed_and_names_real_checks(server: Any) -> None:
    """Every entry names a server check that exists, with an RFC section and a reviewed reason."""
    path = EXPECTED_DIR / f"{server.name}.json"
    expected = load_expected(path, server.name)
    assert path.exists() and expected.server == server.name and expected.version
    entries = {**expected.failures, **expected.false_failures}
    known = {r.check.id for r in registered("server")}
    assert sorted({i.partition("@")[0] for i in entries} - known) == []
    for check_id, entry in entries.items():
        assert entry["section"].startswith("RFC "), check_id
        assert len(entry["reason"]) > 20 and "TODO" not in entry["reason"].upper(), check_id
    for check_id, entry in expected.false_failures.items():
        assert entry.get("issue", "").isdigit(), f"{check_id}: name the issue that fixes the suite"
