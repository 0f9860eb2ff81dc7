"""``scim-harness checks``: the check catalogue, as a table or as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text
from scim_harness.conformance.checks import catalogue
from scim_harness.conformance.model import Check
from scim_harness.conformance.report.common import catalogue_version

__all__ = ["add_checks_parser", "catalogue_json", "catalogue_table", "run_checks"]


def add_checks_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "checks",
        help="list the conformance checks",
        description="List every check: id, level, area, the rule it enforces, claim and fix.",
    )
    p.add_argument("--side", choices=("server", "client"), help="only this side's checks")
    p.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (table)"
    )
    p.set_defaults(func=run_checks)
    return p


def catalogue_json(checks: list[Check]) -> dict[str, Any]:
    """The catalogue as one JSON document, with its version."""
    return {
        "catalogue_version": catalogue_version(),
        "count": len(checks),
        "checks": [check.as_json() for check in checks],
    }


def catalogue_table(checks: list[Check]) -> Table:
    """The catalogue as a rich table (the fix hints are in the JSON form)."""
    table = Table(title=f"{len(checks)} checks", show_lines=False, expand=False)
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("level", no_wrap=True)
    table.add_column("area", no_wrap=True)
    table.add_column("rule")
    table.add_column("claim")
    for check in checks:
        # Text, not markup: claims quote paths such as emails[type eq "work"].value.
        cells = (check.id, str(check.level), check.area, check.reference, check.claim)
        table.add_row(*(Text(cell) for cell in cells))
    return table


def run_checks(args: argparse.Namespace) -> int:
    checks = catalogue(args.side)
    if args.format == "json":
        sys.stdout.write(json.dumps(catalogue_json(checks), indent=2, ensure_ascii=False) + "\n")
    else:
        Console(file=sys.stdout).print(catalogue_table(checks))
    return 0
