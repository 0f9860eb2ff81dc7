"""``serve`` stores its tokens hashed, shows a token only when it generated it, and prints
the public URL it was given."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

import httpx
from scim_harness.reference_server.http import auth
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore
from serve_support import SERVE, refused, serving


def _database_text(db: Path) -> str:
    """Every value of every table, as text: where a token in the clear would show."""
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            repr(row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"')
        )


def test_generated_tokens_are_shown_once_and_stored_only_as_hashes(tmp_path: Path) -> None:
    """First start prints both tokens; the file holds neither; a restart keeps both working."""
    db = tmp_path / "tokens.db"
    with serving(db=str(db)) as first:
        assert first.token.startswith(auth.TOKEN_PREFIX)
        assert first.admin_token.startswith(auth.TOKEN_PREFIX + "admin_")
    text = _database_text(db)
    assert first.token not in text and first.admin_token not in text
    assert auth.hash_token(first.token) in text
    with serving(db=str(db)) as second:
        assert second.token.startswith("(generated at an earlier start")
        assert second.admin_token.startswith("(generated at an earlier start")
        headers = {"Authorization": f"Bearer {first.token}"}
        assert httpx.get(f"{second.base}/Users", headers=headers).status_code == 200
        admin = {"Authorization": f"Bearer {first.admin_token}"}
        assert httpx.get(f"{second.admin}/apps", headers=admin).status_code == 200


def test_given_tokens_are_not_printed_back(tmp_path: Path) -> None:
    """--token and --admin-token work and are named, not echoed, in the start-up lines."""
    db = tmp_path / "given.db"
    with serving("--token", "app-secret-1", "--admin-token", "admin-secret-1", db=str(db)) as s:
        assert s.token == "(as given with --token or $SCIM_TOKEN; not printed)"
        assert "admin-secret-1" not in s.admin_token
        headers = {"Authorization": "Bearer app-secret-1"}
        assert httpx.get(f"{s.base}/Users", headers=headers).status_code == 200
    assert "app-secret-1" not in _database_text(db)
    assert "admin-secret-1" not in _database_text(db)


def test_tokens_kept_in_the_clear_by_earlier_versions_are_removed(tmp_path: Path) -> None:
    """A database from before keeps working, without its clear-text copies."""
    db = str(tmp_path / "legacy.db")
    store = SqliteStore(db)
    boot = bootstrap(store, "demo", token="legacy-token", admin_token="legacy-admin")
    store.set_meta("serve-token:demo", "legacy-token")
    store.set_meta("serve-admin-token", "legacy-admin")
    again = bootstrap(store, "demo")
    assert boot.token == "legacy-token" and again.token is None and again.admin_token is None
    assert store.get_meta("serve-token:demo") is None
    assert store.get_meta("serve-admin-token") is None
    assert auth.app_for_token(store, "legacy-token") == "demo"
    assert auth.admin_token_matches(store, "legacy-admin")
    store.close()


def test_a_revoked_serve_token_is_replaced_at_the_next_start(tmp_path: Path) -> None:
    """With no serve token left (revoked), the next start generates and shows a new one."""
    store = SqliteStore(str(tmp_path / "revoked.db"))
    first = bootstrap(store, "demo")
    store.revoke_tokens("demo")
    again = bootstrap(store, "demo")
    assert again.token is not None and again.token != first.token and again.token_generated
    assert auth.app_for_token(store, again.token) == "demo"
    store.close()


def test_the_public_url_is_what_serve_prints() -> None:
    """--public-url is the base of the printed SCIM and admin URLs (meta.location: in-process)."""
    public = "https://scim.example.com/base"
    proc = subprocess.Popen(
        [*SERVE, "--port", "0", "--db", ":memory:", "--public-url", public + "/"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(3)]
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert lines[0] == f"SCIM Base URL: {public}/apps/demo/scim/v2"
    assert lines[2].startswith(f"Admin API: {public}/admin (Admin Token: ")
    assert "Traceback" not in err


def test_a_bad_public_url_or_limit_stops_serve_with_exit_2() -> None:
    """Flags are checked before the server starts: one line on stderr, exit 2."""
    for args in (
        ["--public-url", "ftp://x"],
        ["--header-timeout", "0"],
        ["--max-connections", "-5"],
        ["--query-budget", "abc"],
    ):
        done = refused(*args)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr
