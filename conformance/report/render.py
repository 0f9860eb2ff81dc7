"""Reports of a run: console (rich), JSON, JUnit XML and a self-contained HTML file.

The console report groups the results by area, failures first; each failure shows the
rule it breaks (reference), why (the message), the exchanges that show it (bodies trimmed)
and how to fix it. Checks that were not exercised are shown apart from those that passed:
no evidence is not a pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text
from scim_harness.conformance.model import Exchange, Level, Outcome, Report, Result
from scim_harness.conformance.report.common import (
    OUTCOME_LABELS,
    SHOWN_HEADERS,
    catalogue_version,
    group_by_area,
    harness_version,
    mask_headers,
    mask_url,
    masked_json,
    render_body,
    summary_line,
)
from scim_harness.conformance.report.html import write_html
from scim_harness.conformance.report.junit import write_junit

__all__ = [
    "console_report",
    "console_summary",
    "report_json",
    "write_html",
    "write_json",
    "write_junit",
]

OUTCOME_STYLES: dict[Outcome, str] = {
    Outcome.FAILED: "bold white on red",
    Outcome.ERROR: "bold white on magenta",
    Outcome.PASSED: "bold green",
    Outcome.SKIPPED: "yellow",
    Outcome.NOT_EXERCISED: "cyan",
}
_MAX_EXCHANGES = 3
_INDENT = " " * 8


def _header(report: Report) -> Text:
    text = Text.assemble(
        ("scim-harness ", "bold"),
        (f"{report.side} suite", "bold"),
        "  target ",
        (report.target or "-", "bold cyan"),
    )
    if report.details:
        params = ", ".join(f"{k}={v}" for k, v in report.details.items())
        text.append(f"  ({params})", style="dim")
    text.append(f"  started {report.started}", style="dim")
    return text


def _append_lines(out: Text, indent: str, text: str, style: str = "") -> None:
    for line in text.splitlines():
        out.append(indent)
        out.append(line, style=style)
        out.append("\n")


def _exchange(out: Text, exchange: Exchange, max_body: int) -> None:
    bad = exchange.status is None or exchange.status >= 400
    status = "no response" if exchange.status is None else str(exchange.status)
    out.append(_INDENT + "> ", style="dim")
    out.append(exchange.method, style="bold")
    out.append(f" {mask_url(exchange.url)}  -> ")
    out.append(status, style="red" if bad else "green")
    if exchange.note:
        out.append(f"  ({exchange.note})", style="italic")
    out.append("\n")
    for arrow, headers, body in (
        (">", exchange.request_headers, exchange.request_body),
        ("<", exchange.response_headers, exchange.response_body),
    ):
        for name, value in mask_headers(headers).items():
            if name.lower() in SHOWN_HEADERS:
                _append_lines(out, f"{_INDENT}  {arrow} ", f"{name}: {value}", "dim")
        _append_lines(out, f"{_INDENT}  {arrow} ", render_body(body, max_chars=max_body))


def _details(result: Result, max_body: int) -> Text:
    check = result.check
    out = Text()
    _append_lines(out, _INDENT + "rule  ", check.reference)
    if result.message:
        _append_lines(out, _INDENT + "why   ", result.message, "red")
    if result.outcome.is_failure:
        _append_lines(out, _INDENT + "fix   ", check.fix, "bold")
    for exchange in result.exchanges[:_MAX_EXCHANGES]:
        _exchange(out, exchange, max_body)
    hidden = len(result.exchanges) - _MAX_EXCHANGES
    if hidden > 0:
        _append_lines(out, _INDENT, f"... {hidden} more exchanges in the JSON/HTML report", "dim")
    return out


def _line(result: Result) -> Text:
    label = OUTCOME_LABELS[result.outcome]
    text = Text.assemble(
        "  ",
        (f" {label} ", OUTCOME_STYLES[result.outcome]),
        " " * max(1, 15 - len(label)),
        (f"{result.check.level!s:<7}", "bold" if result.check.level == "MUST" else ""),
        (result.check.id, "bold"),
        "  ",
        result.check.claim,
    )
    if result.outcome in (Outcome.SKIPPED, Outcome.NOT_EXERCISED) and result.message:
        text.append(f"  ({result.message})", style="dim")
    return text


def console_report(
    report: Report,
    console: Console,
    *,
    show_passed: bool = True,
    show_skipped: bool = True,
    max_body: int = 800,
) -> None:
    """Print ``report``: areas with failures first, every failure with its evidence and fix.

    ``show_passed``/``show_skipped`` False leave out the passed / the skipped and
    not-exercised checks (the summary line still counts them).
    """
    hidden: set[Outcome] = set()
    if not show_passed:
        hidden.add(Outcome.PASSED)
    if not show_skipped:
        hidden |= {Outcome.SKIPPED, Outcome.NOT_EXERCISED}
    console.print(_header(report), soft_wrap=True)
    for group in group_by_area(report.results):
        shown = [r for r in group.results if r.outcome not in hidden]
        if not shown:
            continue
        counts = ", ".join(
            f"{group.count(outcome)} {OUTCOME_LABELS[outcome].lower()}"
            for outcome in OUTCOME_LABELS
            if group.count(outcome)
        )
        console.print()
        console.print(Text.assemble((group.label, "bold underline"), ("  " + counts, "dim")))
        for result in shown:
            console.print(_line(result))
            if result.outcome.is_failure:
                console.print(_details(result, max_body))
    console.print()
    style = "bold red" if report.exit_code else "bold green"
    console.print(Text.assemble((summary_line(report), style), f"  ({report.duration_s:.1f} s)"))
    if report.blocking:
        ids = ", ".join(r.check.id for r in report.blocking)
        levels = "MUST" if report.fail_on is Level.MUST else "MUST and SHOULD"
        console.print(Text(f"{levels} checks failed: {ids}", style="red"))
    if report.nothing_to_judge:
        console.print(Text(_nothing_to_judge(report), style="yellow"), soft_wrap=True)


def _nothing_to_judge(report: Report) -> str:
    """What the run lacked and what exit code it gives (issue 12)."""
    outcome = "exit 0 (--allow-empty)" if report.allow_empty else f"exit {report.exit_code}"
    return f"{report.nothing_to_judge}; {outcome}"


def console_summary(report: Report, console: Console) -> None:
    """One line for ``report``: side, target and the counts."""
    style = "bold red" if report.exit_code else "bold green"
    console.print(
        Text.assemble(
            (f"{report.side} suite", "bold"),
            f"  {report.target}  ",
            (summary_line(report), style),
        ),
        soft_wrap=True,
    )


def report_json(report: Report) -> dict[str, Any]:
    """``Report.as_json()`` with secrets masked, the harness and catalogue versions."""
    data = masked_json(report)
    data["harness_version"] = harness_version()
    data["catalogue_version"] = catalogue_version()
    return data


def write_json(report: Report, path: Path) -> None:
    """Write the report as one JSON document (UTF-8, indented)."""
    text = json.dumps(report_json(report), indent=2, ensure_ascii=False, default=str)
    # A lone surrogate from the wire becomes a backslash escape (e.g. \udc80), not an error.
    path.write_text(text + "\n", encoding="utf-8", errors="backslashreplace")
