"""Writing a run's report files: JSON (a file, or ``-`` for stdout), JUnit XML and HTML."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from scim_harness.conformance.model import Report
from scim_harness.conformance.report.render import (
    console_report,
    report_json,
    write_html,
    write_json,
    write_junit,
)

__all__ = ["STDOUT", "ReportFiles", "emit_reports", "write_reports"]

STDOUT = Path("-")
"""``--json -``: the JSON report on standard output."""


@dataclass(frozen=True)
class ReportFiles:
    """Where to write the report files (each optional)."""

    json: Path | None = None
    junit: Path | None = None
    html: Path | None = None


def write_reports(reports: list[Report], files: ReportFiles) -> list[Path]:
    """Write the report files asked for; the paths written (one JSON file per report)."""
    written: list[Path] = []
    if files.json == STDOUT:
        documents = [report_json(report) for report in reports]
        json.dump(documents[0] if len(documents) == 1 else documents, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif files.json is not None:
        if len(reports) == 1:
            write_json(reports[0], files.json)
            written.append(files.json)
        else:
            for report in reports:
                path = files.json.with_suffix(f".{report.side}.json")
                write_json(report, path)
                written.append(path)
    if files.junit is not None:
        write_junit(reports, files.junit)
        written.append(files.junit)
    if files.html is not None:
        write_html(reports, files.html)
        written.append(files.html)
    return written


def emit_reports(
    reports: list[Report],
    console: Console,
    files: ReportFiles,
    *,
    show_passed: bool = True,
    show_skipped: bool = True,
) -> int:
    """Print the reports, write the files; the exit status (1 when a check at a report's
    ``fail_on`` level failed)."""
    for report in reports:
        console_report(report, console, show_passed=show_passed, show_skipped=show_skipped)
    for path in write_reports(reports, files):
        console.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
    return max((r.exit_code for r in reports), default=0)
