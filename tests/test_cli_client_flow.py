"""The README's flow on a live server: push, check server, check client; exit codes 0, 2 and 3.

``check server`` followed by ``check client`` on the same app must not blame the client for
the server suite's requests; a record with nothing to judge exits 3; ``push --expect-out``
and ``check client --expect`` close the loop.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from scim_harness.reference_server.serve import Bootstrap
from support import LiveServer

from scim_harness.cli import main


@pytest.fixture
def base_url(live_server: LiveServer) -> str:
    return f"{live_server.url}/apps/demo/scim/v2"


def admin(live_server: LiveServer, boot: Bootstrap) -> list[str]:
    return ["--admin-url", f"{live_server.url}/admin", f"--admin-token={boot.admin_token}"]


def push(base_url: str, boot: Bootstrap, *extra: str) -> int:
    args = ["push", "--base-url", base_url, f"--token={boot.token}", "--users", "6"]
    return main([*args, "--groups", "2", "--seed", "4", *extra])


def check_client(live_server: LiveServer, boot: Bootstrap, report: Path, *extra: str) -> int:
    args = ["check", "client", *admin(live_server, boot), "--app", "demo"]
    return main([*args, "--json", str(report), *extra])


def read(report: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return data


def failed(data: dict[str, Any]) -> list[str]:
    return [r["id"] for r in data["results"] if r["outcome"] in ("failed", "error")]


def record(live_server: LiveServer, boot: Bootstrap) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{live_server.url}/admin/apps/demo/requests.jsonl",
        headers={"Authorization": f"Bearer {boot.admin_token}"},
    )
    return [json.loads(line) for line in response.text.splitlines() if line]


def test_check_server_then_check_client_blames_the_client_for_nothing(
    live_server: LiveServer, base_url: str, boot: Bootstrap, tmp_path: Path
) -> None:
    """The README flow without admin access: the server suite's requests land in the app,
    carry the harness User-Agent, and the client suite leaves every one of them out."""
    assert push(base_url, boot, "--scenario", "reactivate") == 0
    server = main(["check", "server", "--base-url", base_url, f"--token={boot.token}"])
    assert server == 0
    harness = [r for r in record(live_server, boot) if "scim-harness/" in str(r["headers"])]
    assert len(harness) > 100  # the whole server suite ran in this app
    report = tmp_path / "client.json"
    assert check_client(live_server, boot, report) == 0
    data = read(report)
    assert failed(data) == []
    assert data["details"]["excluded"].startswith(f"{len(harness)} requests sent by scim-harness")


def test_with_admin_access_the_server_suite_works_in_a_throwaway_app(
    live_server: LiveServer, base_url: str, boot: Bootstrap, tmp_path: Path
) -> None:
    """check server with --admin-url: the user's app sees only the pre-flight probe, the
    throwaway copy is gone afterwards, and the report says where the suite ran."""
    assert push(base_url, boot) == 0
    before = len(record(live_server, boot))
    report = tmp_path / "server.json"
    args = ["check", "server", "--base-url", base_url, f"--token={boot.token}"]
    assert main([*args, *admin(live_server, boot), "--app", "demo", "--json", str(report)]) == 0
    added = record(live_server, boot)[before:]
    assert [(r["method"], r["status"]) for r in added] == [("GET", 200)]
    assert added[0]["headers"]["user-agent"].startswith("scim-harness/")
    assert "a throwaway copy of app demo" in read(report)["details"]["app"]
    apps = httpx.get(
        f"{live_server.url}/admin/apps", headers={"Authorization": f"Bearer {boot.admin_token}"}
    ).json()["apps"]
    assert [a["name"] for a in apps] == ["demo"]


def test_push_expect_out_and_check_client_expect_close_the_loop(
    live_server: LiveServer, base_url: str, boot: Bootstrap, tmp_path: Path
) -> None:
    """The state push meant to produce reconciles with the directory: the four checks pass."""
    expected = tmp_path / "expected.json"
    assert push(base_url, boot, "--scenario", "rename-groups", "--expect-out", str(expected)) == 0
    intent = read(expected)
    assert len(intent["users"]) == 6
    assert len(intent["groups"]) == 2
    report = tmp_path / "client.json"
    assert check_client(live_server, boot, report, "--expect", str(expected)) == 0
    outcomes = {r["id"]: r["outcome"] for r in read(report)["results"]}
    assert [outcomes[f"CLI-REC-00{n}"] for n in range(1, 5)] == ["passed"] * 4


def test_an_intent_the_directory_misses_fails_and_names_it(
    live_server: LiveServer, base_url: str, boot: Bootstrap, tmp_path: Path
) -> None:
    """A user the source has but never pushed: CLI-REC-001 fails (MUST), exit 1."""
    expected = tmp_path / "expected.json"
    assert push(base_url, boot, "--expect-out", str(expected)) == 0
    intent = read(expected)
    intent["users"].append({"userName": "never.pushed@example.com", "active": True})
    expected.write_text(json.dumps(intent), encoding="utf-8")
    report = tmp_path / "client.json"
    assert check_client(live_server, boot, report, "--expect", str(expected)) == 1
    (result,) = [r for r in read(report)["results"] if r["id"] == "CLI-REC-001"]
    assert "user 'never.pushed@example.com' is missing from the directory" in result["message"]


def test_a_bad_window_bound_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--since that is neither a seq nor a time: argparse's one line, exit 2."""
    with pytest.raises(SystemExit) as stopped:
        main(["check", "client", "--file", str(tmp_path / "t.jsonl"), "--since", "yesterday"])
    assert stopped.value.code == 2
    assert "argument --since: 'yesterday' is neither a seq" in capsys.readouterr().err


def test_an_unreadable_intended_state_exits_2(
    live_server: LiveServer, boot: Bootstrap, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--expect naming no file: one line naming it, exit 2, before any request."""
    missing = tmp_path / "missing.json"
    assert check_client(live_server, boot, tmp_path / "r.json", "--expect", str(missing)) == 2
    assert f"cannot read {missing}" in capsys.readouterr().err


def test_expect_needs_the_directory_not_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--expect with --file: refused (the directory is read through the admin API)."""
    traffic = tmp_path / "traffic.jsonl"
    traffic.write_text("", encoding="utf-8")
    expected = tmp_path / "expected.json"
    expected.write_text('{"users": [], "groups": []}', encoding="utf-8")
    args = ["check", "client", "--file", str(traffic), "--expect", str(expected)]
    assert main(args) == 2
    assert "use it with --admin-url, not --file" in capsys.readouterr().err


def test_an_empty_export_exits_3_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty requests.jsonl: exit 3 saying what is missing; --allow-empty: exit 0."""
    traffic = tmp_path / "traffic.jsonl"
    traffic.write_text("", encoding="utf-8")
    assert main(["check", "client", "--file", str(traffic)]) == 3
    assert "nothing to judge: no create" in capsys.readouterr().out
    assert main(["check", "client", "--file", str(traffic), "--allow-empty"]) == 0


def test_a_client_that_only_probed_exits_3(
    live_server: LiveServer, base_url: str, boot: Bootstrap, tmp_path: Path
) -> None:
    """Two GETs in the app (a connection test): nothing to judge, exit 3."""
    for _ in range(2):
        httpx.get(f"{base_url}/Users", headers={"Authorization": f"Bearer {boot.token}"})
    report = tmp_path / "client.json"
    assert check_client(live_server, boot, report) == 3
    assert read(report)["exit_code"] == 3


def test_since_judges_only_the_window(
    live_server: LiveServer, base_url: str, boot: Bootstrap, tmp_path: Path
) -> None:
    """--since after the last create leaves no create to judge (exit 3); --until before it
    keeps the provisioning (exit 0)."""
    assert push(base_url, boot) == 0
    seqs = [r["seq"] for r in record(live_server, boot)]
    report = tmp_path / "client.json"
    assert check_client(live_server, boot, report, "--since", str(seqs[-1])) == 3
    assert check_client(live_server, boot, report, "--until", str(seqs[-1])) == 0
    assert read(report)["details"]["window"].startswith(f"until seq {seqs[-1]}")
