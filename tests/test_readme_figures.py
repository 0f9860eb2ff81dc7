"""The README's performance figures come from a named, tracked run, and every ratio adds up."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = README.split("<!-- perf-table -->\n", 1)[1].split("\n<!-- /perf-table -->", 1)[0]
RUN = re.search(r"Run `(run-[0-9T]+\.json)`", BLOCK)
ROWS = [
    line
    for line in BLOCK.splitlines()
    if line.startswith("| ") and not line.startswith(("| workload", "| ---"))
]


def _number(cell: str) -> tuple[Decimal, Decimal]:
    """A figure as printed and half a unit of its last digit (the rounding it may hide)."""
    text = cell.strip().rstrip("x").replace(",", "")
    places = len(text.split(".")[1]) if "." in text else 0
    return Decimal(text), Decimal(5) / Decimal(10) ** (places + 1)


def test_the_table_names_a_tracked_run() -> None:
    """The table says which saved run it shows, and that file is in benchmarks/results/."""
    assert RUN is not None
    assert (ROOT / "benchmarks" / "results" / RUN.group(1)).is_file()


def test_the_table_is_what_the_named_run_prints() -> None:
    """``readme_table.py <run>`` prints exactly the README's table: no figure by hand."""
    assert RUN is not None
    printed = subprocess.run(
        [sys.executable, "benchmarks/readme_table.py", f"benchmarks/results/{RUN.group(1)}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.rstrip("\n") == BLOCK


@pytest.mark.parametrize("row", ROWS, ids=[row.split("|")[1].strip() for row in ROWS])
def test_each_ratio_is_the_quotient_of_the_figures_beside_it(row: str) -> None:
    """ours / peer, within the rounding of the printed figures, is the printed ratio."""
    _, _, ours_cell, peer_cell, ratio_cell, _ = row.split("|")
    (ours, d_ours), (peer, d_peer), (ratio, d_ratio) = map(
        _number, (ours_cell, peer_cell, ratio_cell)
    )
    low, high = (ours - d_ours) / (peer + d_peer), (ours + d_ours) / (peer - d_peer)
    assert low - d_ratio <= ratio <= high + d_ratio


def test_the_ratio_check_catches_a_wrong_ratio() -> None:
    """The arithmetic above rejects the kind of slip the first README had (156/14.7 shown as
    11.9x)."""
    (ours, d_ours), (peer, d_peer), (ratio, d_ratio) = map(_number, ("156", "14.7", "11.9x"))
    high = (ours + d_ours) / (peer - d_peer)
    assert ratio > high + d_ratio


def test_the_results_json_files_parse() -> None:
    """Every tracked run is valid JSON with the targets the table reads."""
    for path in (ROOT / "benchmarks" / "results").glob("run-*.json"):
        assert "targets" in json.loads(path.read_text(encoding="utf-8"))
