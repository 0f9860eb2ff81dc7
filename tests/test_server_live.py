"""The main flows again over a real uvicorn socket on 127.0.0.1."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from scim_harness.reference_server.serve import Bootstrap
from support import LiveServer, group_body, user_body


def test_crud_over_a_real_socket(live_server: LiveServer, boot: Bootstrap) -> None:
    """Create, list, patch, group and delete over HTTP/1.1 on a real port."""
    base = f"{live_server.url}/apps/demo/scim/v2"
    headers = {"Authorization": f"Bearer {boot.token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
        assert http.get("/ServiceProviderConfig").status_code == 200
        user = http.post("/Users", json=user_body("live.user"))
        assert user.status_code == 201
        assert user.headers["location"].startswith(base)
        uid = user.json()["id"]
        found = http.get("/Users", params={"filter": 'userName eq "live.user"'}).json()
        assert found["totalResults"] == 1
        group = http.post("/Groups", json=group_body("Live", [uid])).json()
        assert group["members"][0]["value"] == uid
        patch = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        assert http.patch(f"/Users/{uid}", json=patch).json()["active"] is False
        assert http.delete(f"/Users/{uid}").status_code == 204
        assert http.get(f"/Users/{uid}").status_code == 404
        assert http.get("/Users", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_serve_command_prints_the_two_lines_and_answers(tmp_path: object) -> None:
    """`scim-harness serve --port 0 --db :memory:` prints a usable base URL and token."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "scim_harness.cli", "serve", "--port", "0", "--db", ":memory:"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_line = proc.stdout.readline().strip()
        token_line = proc.stdout.readline().strip()
        assert base_line.startswith("SCIM Base URL: http://127.0.0.1:")
        assert token_line.startswith("Bearer Token: ")
        base = base_line.removeprefix("SCIM Base URL: ")
        token = token_line.removeprefix("Bearer Token: ")
        assert not base.endswith(":0/apps/demo/scim/v2")
        response = None
        for _ in range(100):
            try:
                response = httpx.get(
                    f"{base}/ServiceProviderConfig",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=5,
                )
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert response is not None and response.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        _, err = proc.communicate(timeout=10)
    assert proc.returncode in (0, 130)
    assert "Traceback" not in err


def test_restart_on_the_same_db_keeps_app_token_and_data(tmp_path: object) -> None:
    """A second bootstrap on the same file keeps both tokens working (hashed) and the users."""
    from pathlib import Path

    from scim_harness.reference_server.http import auth
    from scim_harness.reference_server.serve import bootstrap
    from scim_harness.reference_server.store.sqlite import SqliteStore

    db = str(Path(str(tmp_path)) / "h.db")
    first = SqliteStore(db)
    boot1 = bootstrap(first, "demo")
    first.execute(
        "INSERT INTO resources(app, rtype, id, name_key, version, data) VALUES "
        "('demo', 'User', 'u1', 'x', 1, '{}')"
    )
    first.close()
    second = SqliteStore(db)
    boot2 = bootstrap(second, "demo")
    assert boot1.token is not None and boot1.admin_token is not None
    assert boot2.token is None and boot2.admin_token is None  # kept, and not shown again
    assert auth.app_for_token(second, boot1.token) == "demo"
    assert auth.admin_token_matches(second, boot1.admin_token)
    assert second.get("demo", "User", "u1") is not None
    second.close()


def test_bootstrap_refuses_a_bad_app_name_and_a_shared_token() -> None:
    """serve refuses app names the admin API would refuse, and one token for both roles."""
    import pytest
    from scim_harness.reference_server.serve import bootstrap
    from scim_harness.reference_server.store.sqlite import SqliteStore

    store = SqliteStore(":memory:")
    with pytest.raises(ValueError, match="--app must match"):
        bootstrap(store, "bad name!")
    with pytest.raises(ValueError, match="must differ"):
        bootstrap(store, "demo", token="same-secret", admin_token="same-secret")
    store.close()


def test_ctrl_c_keeps_the_last_request_records(tmp_path: Path) -> None:
    """Records still buffered when serve is stopped with Ctrl-C are written before it exits."""
    from scim_harness.reference_server.store.sqlite import SqliteStore

    db = str(tmp_path / "stop.db")
    proc = subprocess.Popen(
        [sys.executable, "-m", "scim_harness.cli", "serve", "--port", "0", "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().removeprefix("SCIM Base URL: ")
        token = proc.stdout.readline().strip().removeprefix("Bearer Token: ")
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(100):
            try:
                httpx.get(f"{base}/Users", headers=headers, timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        for i in range(3):
            httpx.get(f"{base}/Users/{i}", headers=headers, timeout=5)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    store = SqliteStore(db)
    paths = [r["path"] for r in store.requests("demo")]
    store.close()
    assert paths[-3:] == [f"/apps/demo/scim/v2/Users/{i}" for i in range(3)]
