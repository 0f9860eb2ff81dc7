"""``scim-harness demo``: a server, a pushed population, both suites and the reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from scim_harness.cli import main


def test_demo_exits_0_and_writes_the_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A small demo passes every MUST check of both suites (the reconciliation with the end
    state the client meant included) and leaves the intended state and four report files."""
    out_dir = tmp_path / "reports"
    code = main(["demo", "--users", "30", "--groups", "3", "--seed", "5", "--out", str(out_dir)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"HTML report: {out_dir / 'report.html'}" in out
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "expected.json",
        "report.client.json",
        "report.html",
        "report.junit.xml",
        "report.server.json",
    ]
    server = json.loads((out_dir / "report.server.json").read_text(encoding="utf-8"))
    client = json.loads((out_dir / "report.client.json").read_text(encoding="utf-8"))
    assert (server["side"], server["exit_code"]) == ("server", 0)
    assert (client["side"], client["exit_code"]) == ("client", 0)
    assert server["counts"]["passed"] > 50
    assert client["counts"]["passed"] > 10
    reconciled = {r["id"]: r["outcome"] for r in client["results"] if r["id"].startswith("CLI-REC")}
    assert reconciled == dict.fromkeys(
        ("CLI-REC-001", "CLI-REC-002", "CLI-REC-003", "CLI-REC-004"), "passed"
    )
    expected = json.loads((out_dir / "expected.json").read_text(encoding="utf-8"))
    assert len(expected["users"]) == 30
    assert len(expected["groups"]) == 3
    suites = ET.parse(out_dir / "report.junit.xml").getroot().findall("testsuite")
    assert len(suites) == 2


def test_demo_stops_its_server(tmp_path: Path) -> None:
    """After the demo returns, nothing listens on the port it used."""
    from rich.console import Console

    from scim_harness.demo import run_demo

    result = run_demo(users=5, groups=1, seed=1, out=tmp_path, console=Console(quiet=True))
    assert result.exit_code == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{result.server_url}/apps/demo/scim/v2/ServiceProviderConfig", timeout=5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--users", "0"], "argument --users: must be at least 1, got 0", id="users"),
        pytest.param(["--groups", "x"], "argument --groups: expected a whole number", id="groups"),
    ],
)
def test_demo_refuses_bad_arguments_in_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad counts stop the demo before it starts: exit 2, one line naming the flag."""
    with pytest.raises(SystemExit) as stop:
        main(["demo", *args])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_demo_refuses_a_report_folder_it_cannot_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out under a regular file is refused at once (exit 2), before any server starts."""
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["demo", "--out", str(blocker / "reports")]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"scim-harness demo: error: --out {blocker / 'reports'}")
    assert captured.out == ""
