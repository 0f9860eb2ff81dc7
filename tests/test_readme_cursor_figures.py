"""The README's cursor paging figures come from a named, tracked run of cursor_paging.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = README.split("<!-- cursor-table -->\n", 1)[1].split("\n<!-- /cursor-table -->", 1)[0]
RUN = re.search(r"Run `(cursor-[0-9T]+\.json)`", BLOCK)


def test_the_table_names_a_tracked_run() -> None:
    """The table says which saved run it shows, and that file is in benchmarks/results/."""
    assert RUN is not None
    assert (ROOT / "benchmarks" / "results" / RUN.group(1)).is_file()


def test_the_table_is_what_the_named_run_prints() -> None:
    """``cursor_paging.py --table <run>`` prints exactly the README's table."""
    assert RUN is not None
    printed = subprocess.run(
        [
            sys.executable,
            "benchmarks/cursor_paging.py",
            "--table",
            f"benchmarks/results/{RUN.group(1)}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.rstrip("\n") == BLOCK


def test_every_saved_cursor_run_has_both_walks() -> None:
    """Each tracked cursor run holds the cursor and the index walk over the same users."""
    runs = list((ROOT / "benchmarks" / "results").glob("cursor-*.json"))
    assert runs
    for path in runs:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["cursor"]["users"] == data["index"]["users"] == data["n"]
