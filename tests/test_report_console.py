"""The console report: areas with failures first, evidence and fix for each failure."""

from __future__ import annotations

import io

from report_support import HOSTILE, SECRET, check, hostile_report, mixed_report
from rich.console import Console
from scim_harness.conformance.model import Level, Outcome, Report, Result
from scim_harness.conformance.report.render import console_report


def render(report: Report, **kwargs: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None, force_terminal=False)
    console_report(report, console, **kwargs)
    return out.getvalue()


def test_area_with_a_must_failure_comes_first() -> None:
    """The filter area (a MUST failure) is printed before the patch area (all fine)."""
    text = render(mixed_report())
    assert text.index("filter (FLT)") < text.index("patch (PAT)")


def test_failures_come_before_passes_within_an_area() -> None:
    """Inside an area the failed check is listed before the error, the passed one last."""
    text = render(mixed_report())
    assert text.index("SRV-FLT-002") < text.index("SRV-FLT-004") < text.index("SRV-FLT-001")


def test_failure_shows_reference_message_fix_and_the_exchange() -> None:
    """A failure carries the rule, why, how to fix, and the request and response."""
    text = render(mixed_report())
    block = text[text.index("SRV-FLT-002") : text.index("SRV-FLT-004")]
    assert "RFC 7644 §3.4.2.2" in block
    assert "2 of 40 users returned do not match" in block
    assert "fix   apply the filter before paging" in block
    assert "> GET http://scim.test/Users?filter=x  -> 200" in block
    assert "application/scim+json" in block


def test_long_response_bodies_are_trimmed() -> None:
    """A 40-resource list shows three resources and says how many more there were."""
    text = render(mixed_report())
    assert "user-002" in text
    assert "user-003" not in text
    assert "37 more items" in text


def test_not_exercised_is_labelled_apart_from_passed() -> None:
    """A check with no evidence reads NOT EXERCISED with its reason, never PASS."""
    text = render(mixed_report())
    line = next(line for line in text.splitlines() if "SRV-FLT-003" in line)
    assert "NOT EXERCISED" in line
    assert "PASS" not in line
    assert "no filtered request in the traffic" in line


def test_summary_line_counts_every_outcome() -> None:
    """The closing line counts passed, MUST and SHOULD failures, errors, skips, not exercised."""
    text = render(mixed_report())
    assert (
        "FAILED - 6 checks: 2 passed, 1 MUST failed, 0 SHOULD failed, 1 errors, 1 skipped, "
        "1 not exercised" in text
    )
    assert "MUST checks failed: SRV-FLT-002" in text


def _should_failure() -> Report:
    """A run whose only failure is a SHOULD check."""
    report = mixed_report()
    report.results = [r for r in report.results if r.check.id != "SRV-FLT-002"]
    report.results.append(
        Result(check("SRV-GRP-006", area="groups", level="SHOULD"), Outcome.FAILED, "no groups")
    )
    report.results = [r for r in report.results if r.outcome is not Outcome.ERROR]
    return report


def test_a_should_failure_is_counted_but_passes_under_fail_on_must() -> None:
    """SHOULD failures are in the summary line; with --fail-on must the run is still OK."""
    report = _should_failure()
    assert report.exit_code == 0
    assert "OK - 5 checks: 2 passed, 0 MUST failed, 1 SHOULD failed" in render(report)


def test_fail_on_should_fails_the_run_on_a_should_failure() -> None:
    """With --fail-on should the same run exits 1 and names the SHOULD check."""
    report = _should_failure()
    report.fail_on = Level.SHOULD
    assert report.exit_code == 1
    text = render(report)
    assert "FAILED - 5 checks: 2 passed, 0 MUST failed, 1 SHOULD failed" in text
    assert "MUST and SHOULD checks failed: SRV-GRP-006" in text


def test_may_failures_never_fail_a_run() -> None:
    """A MAY check's failure is shown but fails the run under neither setting."""
    report = Report(side="server", target="t", fail_on=Level.SHOULD)
    report.results = [Result(check("SRV-X-001", level="MAY"), Outcome.FAILED, "optional")]
    assert report.exit_code == 0
    assert "1 MAY failed" in render(report)


def test_passed_checks_can_be_hidden() -> None:
    """show_passed=False keeps failures and skips but drops the passes."""
    text = render(mixed_report(), show_passed=False)
    assert "SRV-FLT-001" not in text
    assert "SRV-FLT-002" in text
    assert "SRV-PAT-002" in text


def test_wire_content_is_printed_literally_not_as_markup() -> None:
    """Rich markup in a server's detail is shown as text and cannot break the report."""
    text = render(hostile_report())
    assert "[bold red]markup[/] [/nope]" in text
    assert HOSTILE in text


def test_bearer_tokens_are_masked() -> None:
    """The Authorization header and an access_token query parameter never show the secret."""
    text = render(hostile_report()) + render(mixed_report())
    assert SECRET not in text
    assert "Bearer ***" in text
    assert "access_token=***" in text


def test_the_json_report_counts_failures_by_level_and_names_fail_on() -> None:
    """JSON: failed_by_level matches the summary line; fail_on and exit_code follow --fail-on."""
    report = _should_failure()
    report.fail_on = Level.SHOULD
    data = report.as_json()
    assert data["failed_by_level"] == {"MUST": 0, "SHOULD": 1, "MAY": 0}
    assert data["fail_on"] == "should"
    assert data["exit_code"] == 1
