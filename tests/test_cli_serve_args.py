"""``serve`` checks every argument and binds its port before it writes anything."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from serve_support import SERVE, refused, serving

from scim_harness import __version__


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    return lines[0]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        pytest.param(["--port", "99999"], "--port", id="port-out-of-range"),
        pytest.param(["--port", "http"], "--port", id="port-not-a-number"),
        pytest.param(["--log-level", "verbose"], "--log-level", id="log-level"),
        pytest.param(["--workers", "0"], "--workers", id="workers-zero"),
        pytest.param(["--token="], "--token", id="empty-token"),
        pytest.param(["--admin-token", "a b"], "--admin-token", id="token-with-space"),
        pytest.param(["--db", "/no/such/dir/x.db"], "--db", id="db-folder-missing"),
        pytest.param(["--host", "no-such-host.invalid"], "--host", id="unknown-host"),
        pytest.param(["--app", "bad name!"], "--app", id="bad-app-name"),
    ],
)
def test_a_bad_argument_is_one_line_naming_the_flag_and_exit_2(args: list[str], names: str) -> None:
    """Each bad argument stops serve with one line on stderr that names the flag."""
    line = _one_line(refused(*args))
    assert line.startswith("scim-harness serve: ")
    assert names in line


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """--db pointing at some other file is refused; the file keeps its bytes."""
    other = tmp_path / "notes.txt"
    other.write_bytes(b"my notes, not a database\n")
    line = _one_line(refused("--db", str(other)))
    assert "not a SQLite database" in line
    assert other.read_bytes() == b"my notes, not a database\n"


def _state(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def test_a_port_in_use_fails_before_the_database_is_written(tmp_path: Path) -> None:
    """A second serve on a live server's port and db names the port and changes nothing:
    the live server keeps its admin token and no app token is added."""
    db = tmp_path / "live.db"
    with serving("--admin-token", "scimh_admin_first", db=str(db)) as live:
        port = live.root.rsplit(":", 1)[1]
        before = _state(db)
        line = _one_line(
            refused("--port", port, "--db", str(db), "--admin-token", "scimh_admin_second")
        )
        assert f"port {port}" in line
        assert _state(db) == before
        answer = httpx.get(
            f"{live.admin}/apps", headers={"Authorization": "Bearer scimh_admin_first"}
        )
        assert answer.status_code == 200


def test_tokens_come_from_the_environment(tmp_path: Path) -> None:
    """$SCIM_TOKEN and $SCIM_ADMIN_TOKEN set serve's two tokens, which it does not print."""
    env = {"SCIM_TOKEN": "scimh_from_env", "SCIM_ADMIN_TOKEN": "scimh_admin_from_env"}
    proc = subprocess.Popen(
        [*SERVE, "--port", "0", "--db", ":memory:"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().removeprefix("SCIM Base URL: ")
        token_line = proc.stdout.readline().strip()
        admin_line = proc.stdout.readline().strip()
        assert token_line == "Bearer Token: (as given with --token or $SCIM_TOKEN; not printed)"
        assert "from_env" not in admin_line and "$SCIM_ADMIN_TOKEN" in admin_line
        headers = {"Authorization": "Bearer scimh_from_env"}
        for _ in range(200):
            try:
                assert httpx.get(f"{base}/Users", headers=headers).status_code == 200
                break
            except httpx.ConnectError:
                time.sleep(0.05)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_healthz_and_the_admin_index_answer() -> None:
    """/healthz says ok with the version; the printed Admin API URL lists its routes."""
    with serving() as live:
        health = httpx.get(f"{live.root}/healthz")
        assert health.json() == {"status": "ok", "version": __version__}
        index = httpx.get(live.admin, headers={"Authorization": f"Bearer {live.admin_token}"})
        assert index.status_code == 200
        routes = {(r["method"], r["path"]) for r in index.json()["routes"]}
        assert ("POST", "/admin/apps") in routes
        assert ("GET", "/admin/apps/{app}/requests.jsonl") in routes
        assert httpx.get(live.admin).status_code == 401


def test_info_log_level_prints_a_line_per_request() -> None:
    """--log-level info prints each request line (method, path, status) on stdout."""
    with serving("--log-level", "info") as live:
        httpx.get(f"{live.base}/ServiceProviderConfig")
        live.process.send_signal(signal.SIGINT)
        out, _ = live.process.communicate(timeout=10)
    assert 'GET /apps/demo/scim/v2/ServiceProviderConfig HTTP/1.1" 401' in out


def test_version_and_python_m_entry() -> None:
    """``python -m scim_harness --version`` prints the installed version."""
    done = subprocess.run(
        [sys.executable, "-m", "scim_harness", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"scim-harness {__version__}"
