"""Print the README's performance table for one saved benchmark run.

    python benchmarks/readme_table.py benchmarks/results/run-20261128T174012.json

Every figure in the table is read from that file (N = 10,000, the largest N both servers ran),
and every ratio is computed from the two figures beside it, in the unit the row shows:
requests per second where more is better, so the ratio is ours over the peer's.
``tests/test_readme_figures.py`` checks that the README's table is exactly this output for the
run the README names.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["ROWS", "table"]

OURS, PEER, ECHO = "scim-harness", "scim2-server", "echo"
N = "10000"
ROWS = (
    ("post_users", "POST /Users"),
    ("get_by_id", "GET /Users/{id}"),
    ("filter_username", "`userName eq`"),
    ("filter_email", '`emails[type eq "work"].value eq`'),
    ("filter_co", "`userName co` (a scan of 10,000)"),
    ("paging", "paging all users, 100 a page"),
    ("patch_active", "PATCH `active`"),
    ("group_patch", "PATCH on a 1,000-member group"),
)


def _rps(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def table(run: dict[str, Any], name: str) -> str:
    """The Markdown table (and the line naming the run) for ``run``, saved as ``name``."""
    steps = {target: run["targets"][target]["steps"][N] for target in (OURS, PEER)}
    lines = [
        f"Run `{name}` (commit {run['meta']['git']}, {run['meta']['started']} UTC), "
        "N = 10,000, requests per second:",
        "",
        "| workload | scim-harness | scim2-server | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for key, label in ROWS:
        ours, peer = (steps[t][key]["rps"] for t in (OURS, PEER))
        lines.append(f"| {label} | {_rps(ours)} | {_rps(peer)} | {ours / peer:.1f}x |")
    ours_get, echo_get = (run["targets"][t]["steps"][N]["get_by_id"]["rps"] for t in (OURS, ECHO))
    lines += [
        "",
        f"GET /Users/{{id}} reaches {ours_get / echo_get:.0%} of the bare echo app's "
        f"{_rps(echo_get)} requests per second on the same server stack.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: readme_table.py RUN.json", file=sys.stderr)
        return 2
    path = Path(argv[0])
    print(table(json.loads(path.read_text(encoding="utf-8")), path.name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
