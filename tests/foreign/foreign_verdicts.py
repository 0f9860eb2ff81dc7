"""Expected verdicts of a foreign server: the reviewed list of its real defects, and the diff.

An expected-verdict file (``expected/<server>.json``) lists every check the server suite fails
on that server, each with the RFC section it enforces and a one-line reason, reviewed by a
person against the RFC text, that the failure is a real defect of the server::

    {
      "server": "django-scim2",
      "version": "0.23.0",
      "failures": {
        "SRV-GRP-003": {"section": "RFC 7644 §3.5.1", "reason": "..."}
      },
      "false_failures": {
        "SRV-PLT-002": {"section": "RFC 7643 §4.1", "reason": "...", "issue": "11"}
      }
    }

``false_failures`` is the known gap, like a strict xfail: checks that fail although the server
is right, each with the RFC sentence that allows what the server did and the issue that fixes
the suite. A run matches the file when it fails exactly the checks of both lists. Anything else
is a problem: a check that fails but is not listed (a false failure of the suite, or a
regression of the server), a listed defect that is no longer caught (a miss), a listed false
failure that no longer fails (fixed: drop the entry), an entry whose reason still says ``TODO``
(not reviewed), or a file reviewed against another version of the server.

Checks run under a vendor profile (``--profile entra``) are keyed ``SRV-VND-004@entra``.

``SCIM_HARNESS_REGEN_FOREIGN=1`` rewrites the files from the current run: entries that still
fail are kept as they are (in their list), new failures are added to ``failures`` with the
reason ``TODO: review`` (which the comparison refuses until a person replaces it or moves the
entry to ``false_failures``), entries that no longer fail are dropped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "FAILING_OUTCOMES",
    "TODO_REASON",
    "Expected",
    "Failure",
    "compare",
    "failures_of",
    "load_expected",
    "merge_runs",
    "regenerate",
    "regenerating",
]

FAILING_OUTCOMES = frozenset({"failed", "error"})
"""Report outcomes that count as failures (everything else, e.g. skipped, does not)."""
TODO_REASON = "TODO: review"
REGEN_VARIABLE = "SCIM_HARNESS_REGEN_FOREIGN"


def regenerating() -> bool:
    return os.environ.get(REGEN_VARIABLE, "").strip() not in {"", "0"}


@dataclass(frozen=True)
class Failure:
    """A failed check in a run's JSON report."""

    id: str
    level: str
    reference: str
    outcome: str
    message: str


@dataclass
class Expected:
    """The contents of one expected-verdict file."""

    server: str
    version: str
    failures: dict[str, Any] = field(default_factory=dict)
    """Real defects of the server, by check id."""
    false_failures: dict[str, Any] = field(default_factory=dict)
    """Known false failures of the suite, by check id."""

    def as_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "version": self.version,
            "failures": {k: self.failures[k] for k in sorted(self.failures)},
            "false_failures": {k: self.false_failures[k] for k in sorted(self.false_failures)},
        }


def merge_runs(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One report from one run per profile: results of a non-``rfc`` run keyed ``ID@profile``."""
    results: list[dict[str, Any]] = []
    for profile, report in runs.items():
        for result in report["results"]:
            if profile != "rfc":
                result = {**result, "id": f"{result['id']}@{profile}"}
            results.append(result)
    return {"results": results}


def failures_of(report: dict[str, Any]) -> dict[str, Failure]:
    """The failed (or errored) checks of a ``scim-harness check server --json`` report."""
    out: dict[str, Failure] = {}
    for result in report["results"]:
        if result["outcome"] in FAILING_OUTCOMES:
            check = result["check"]
            out[result["id"]] = Failure(
                result["id"],
                check["level"],
                check["reference"],
                result["outcome"],
                result.get("message", ""),
            )
    return out


def outcomes_of(report: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["outcome"] for r in report["results"]}


def load_expected(path: Path, server: str) -> Expected:
    """Read an expected-verdict file (a missing file expects no failure at all)."""
    if not path.exists():
        return Expected(server, "")
    data = json.loads(path.read_text(encoding="utf-8"))
    lists = {key: data.get(key, {}) for key in ("failures", "false_failures")}
    for key, value in lists.items():
        if not isinstance(value, dict):
            msg = f"{path}: {key!r} must be an object keyed by check id"
            raise ValueError(msg)
    return Expected(data.get("server", server), data.get("version", ""), **lists)


def _entry_problems(check_id: str, entry: Any) -> list[str]:
    """What makes an entry of either list unusable: no section, no reason, or a TODO."""
    if not isinstance(entry, dict):
        return [f"{check_id}: the entry must be an object with 'section' and 'reason'"]
    problems = []
    for key in ("section", "reason"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{check_id}: '{key}' is missing or empty")
    reason = str(entry.get("reason", ""))
    if reason.strip().upper().startswith("TODO"):
        problems.append(
            f"{check_id}: not reviewed (reason {reason!r}): trace the failure to the RFC text "
            "and write why it is a real defect of the server, or fix the suite if it is not"
        )
    return problems


def compare(expected: Expected, report: dict[str, Any], installed_version: str) -> list[str]:
    """Every way this run disagrees with the reviewed lists (empty when it matches)."""
    failures = failures_of(report)
    outcomes = outcomes_of(report)
    listed = set(expected.failures) | set(expected.false_failures)
    problems: list[str] = []
    if expected.version and expected.version != installed_version:
        problems.append(
            f"the list was reviewed against {expected.server} {expected.version}, this run has "
            f"{installed_version}: regenerate and review it"
        )
    for check_id in sorted(set(failures) - listed):
        f = failures[check_id]
        problems.append(
            f"{check_id} [{f.level}, {f.reference}] {f.outcome} but is not listed "
            f"(a false failure of the suite or a regression of the server): {f.message}"
        )
    for check_id in sorted(set(expected.failures) - set(failures)):
        outcome = outcomes.get(check_id, "not run")
        problems.append(
            f"{check_id} is a listed defect of {expected.server} but the run says {outcome!r} "
            "(a miss, or the server was fixed: then drop the entry)"
        )
    for check_id in sorted(set(expected.false_failures) - set(failures)):
        outcome = outcomes.get(check_id, "not run")
        problems.append(
            f"{check_id} is a listed false failure but the run says {outcome!r}: the suite is "
            "fixed there, drop the entry from false_failures"
        )
    for check_id in sorted(set(expected.failures) & set(expected.false_failures)):
        problems.append(f"{check_id}: listed both as a defect and as a false failure")
    for entries in (expected.failures, expected.false_failures):
        for check_id in sorted(entries):
            problems.extend(_entry_problems(check_id, entries[check_id]))
    return problems


def regenerate(
    path: Path, expected: Expected, report: dict[str, Any], installed_version: str
) -> Expected:
    """Rewrite the file from this run: keep entries still failing, add new ones as ``TODO``."""
    failures = failures_of(report)
    real: dict[str, Any] = {}
    false: dict[str, Any] = {}
    for check_id, failure in failures.items():
        if check_id in expected.false_failures:
            false[check_id] = expected.false_failures[check_id]
        elif check_id in expected.failures:
            real[check_id] = expected.failures[check_id]
        else:
            real[check_id] = {"section": failure.reference, "reason": TODO_REASON}
    fresh = Expected(expected.server, installed_version, real, false)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fresh.as_json(), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return fresh
