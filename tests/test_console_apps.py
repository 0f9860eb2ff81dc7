"""Console apps and the Provisioning tab: create (token shown once), delete, tokens, settings."""

from __future__ import annotations

import re

import httpx
import pytest
from console_support import ConsoleClient, console, console_app, stub_runner
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette

__all__ = ["console", "console_app", "stub_runner"]


def _value(html: str, field: str) -> str:
    found = re.search(rf'id="{field}" type="text" value="([^"]*)"', html)
    assert found is not None, field
    return found.group(1)


async def _scim_status(app: Starlette, base_url: str, token: str) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as http:
        response = await http.get(f"{base_url}/Users", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


async def test_a_new_app_shows_its_base_url_and_token_once(
    console: ConsoleClient, console_app: Starlette
) -> None:
    """The answer to Create shows the two values that work; no later page shows the token."""
    response = await console.post("/console/apps", {"name": "acme"})
    assert response.status_code == 201
    base_url, token = _value(response.text, "scim-base-url"), _value(response.text, "bearer-token")
    assert base_url == "http://testserver/apps/acme/scim/v2"
    assert await _scim_status(console_app, base_url, token) == 200
    assert response.text.count('data-copy="') == 2
    for path in ("/console/apps", "/console/apps/acme/provisioning", "/console/apps/acme/mapping"):
        assert token not in (await console.get(path)).text


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        pytest.param("demo", 409, "an app named &#39;demo&#39; already exists", id="taken"),
        pytest.param("has space", 400, "name must match", id="bad-name"),
        pytest.param("", 400, "name must match", id="empty"),
    ],
)
async def test_a_bad_or_taken_name_is_refused_with_the_admin_api_message(
    console: ConsoleClient, name: str, status: int, message: str
) -> None:
    """The create form says what the admin API says, and keeps what was typed."""
    response = await console.post("/console/apps", {"name": name})
    assert response.status_code == status
    assert message in response.text


async def test_deleting_an_app_needs_its_name_typed_again(
    console: ConsoleClient, store: SqliteStore
) -> None:
    """A wrong confirmation deletes nothing; the right one deletes the app and its data."""
    response = await console.post("/console/apps/demo/delete", {"confirm": "dem"})
    assert response.status_code == 400
    assert store.get_app("demo") is not None
    response = await console.post("/console/apps/demo/delete", {"confirm": "demo"})
    assert response.headers["location"] == "/console/apps?deleted=demo"
    assert store.get_app("demo") is None


async def test_rotating_issues_a_token_and_revokes_the_others(
    console: ConsoleClient, console_app: Starlette, boot: Bootstrap
) -> None:
    """Rotate: the new token works, the earlier one gets 401."""
    old = boot.token
    base = "http://testserver/apps/demo/scim/v2"
    response = await console.post("/console/apps/demo/tokens", {"label": "next", "rotate": "on"})
    assert response.status_code == 201
    new = _value(response.text, "bearer-token")
    assert await _scim_status(console_app, base, new) == 200
    assert await _scim_status(console_app, base, old) == 401


async def test_revoking_a_token_stops_it(
    console: ConsoleClient, console_app: Starlette, store: SqliteStore
) -> None:
    """Revoke one token by its id: requests with it get 401."""
    issued = await console.post("/console/apps/demo/tokens", {"label": "spare"})
    token = _value(issued.text, "bearer-token")
    token_id = next(t["id"] for t in store.list_tokens("demo") if t["label"] == "spare")
    response = await console.post(f"/console/apps/demo/tokens/{token_id}/revoke", {})
    assert response.headers["location"] == "/console/apps/demo/provisioning?done=revoked"
    assert await _scim_status(console_app, "http://testserver/apps/demo/scim/v2", token) == 401
    missing = await console.post("/console/apps/demo/tokens/000000000000/revoke", {})
    assert missing.status_code == 404


async def test_the_settings_form_changes_the_apps_settings(
    console: ConsoleClient, store: SqliteStore
) -> None:
    """Delete on deactivation, strict mode, 204 answers and retention are stored."""
    form = {
        "deleteOnDeactivate": "on",
        "mode": "strict",
        "rules": "rfc",
        "userPatchStatus": "204",
        "groupPatchStatus": "200",
        "retention": "500",
    }
    response = await console.post("/console/apps/demo/settings", form)
    assert response.status_code == 303
    row = store.get_app("demo")
    assert row is not None
    shown = {"lenient", "rules", "deleteOnDeactivate", "userPatchStatus", "groupPatchStatus"}
    shown.add("retention")
    assert {k: v for k, v in row.settings.items() if k in shown} == {
        "lenient": False,
        "rules": "rfc",
        "deleteOnDeactivate": True,
        "userPatchStatus": 204,
        "groupPatchStatus": 200,
        "retention": 500,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("retention", "0", "app setting &#39;retention&#39; must be between 1 and"),
        ("retention", "many", "must be a whole number"),
        ("userPatchStatus", "201", "app setting &#39;userPatchStatus&#39; must be 200 or 204"),
        ("rules", "loose", "rules"),
    ],
)
async def test_a_bad_setting_is_refused_and_nothing_changes(
    console: ConsoleClient, store: SqliteStore, field: str, value: str, message: str
) -> None:
    """A bad value: 400 with the admin API's message, the settings as they were."""
    before = store.get_app("demo")
    form = {
        "mode": "lenient",
        "userPatchStatus": "200",
        "groupPatchStatus": "200",
        "retention": "10",
    }
    response = await console.post("/console/apps/demo/settings", {**form, field: value})
    assert response.status_code == 400
    assert message in response.text
    assert store.get_app("demo") == before


async def test_an_unknown_app_is_a_404_page(console: ConsoleClient) -> None:
    """A tab of an app that does not exist says so."""
    response = await console.get("/console/apps/nope/requests")
    assert response.status_code == 404
    assert "there is no app named &#39;nope&#39;" in response.text
