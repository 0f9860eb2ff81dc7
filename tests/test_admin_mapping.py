"""Admin API: read and replace an app's mapping, read and change its settings."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from platform_support import create_user, mapping, patch_op
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import user_body


async def test_an_app_without_a_mapping_shows_the_default(admin: httpx.AsyncClient) -> None:
    """GET /mapping of an app that configured none is fixtures/mappings/default.json."""
    response = await admin.get("/apps/demo/mapping")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == mapping("default")


async def test_put_mapping_takes_effect_on_the_next_write(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """A replaced mapping is what GET shows and what maps the next user."""
    data = mapping("default")
    data["users"].append({"platform": "title", "scim": "title", "required": True})
    response = await admin.put("/apps/demo/mapping", json=data)
    assert response.status_code == 200
    assert (await admin.get("/apps/demo/mapping")).json() == data
    refused = await scim.post("/Users", json=user_body("no.title"))
    assert refused.json()["detail"] == 'title is required (mapped to platform attribute "title")'
    user = await create_user(scim, "has.title", title="Captain")
    stored = store.get("demo", "User", user["id"])
    assert stored is not None and stored.directory is not None
    assert stored.directory["attributes"] == {"title": "Captain"}


async def test_put_mapping_applies_its_deactivation_option(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient
) -> None:
    """The mapping's options.deleteOnDeactivate becomes the app's setting."""
    await admin.put("/apps/demo/mapping", json=mapping("example-extended"))
    assert (await admin.get("/apps/demo/settings")).json()["deleteOnDeactivate"] is True
    user = await create_user(scim, "to.delete")
    off = patch_op({"op": "replace", "path": "active", "value": False})
    assert (await scim.patch(f"/Users/{user['id']}", json=off)).status_code == 204
    assert (await scim.get(f"/Users/{user['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        pytest.param(
            lambda d: d["users"][3].update(scim='emails[type eq "work"'),
            'invalid mapping: users[3] (platform "email"): invalid SCIM path',
            id="bad-path",
        ),
        pytest.param(
            lambda d: d["users"].pop(0),
            'users: no row for the required platform attribute "username"',
            id="missing-required-row",
        ),
        pytest.param(
            lambda d: d.update(extra=True),
            "invalid mapping: extra: attribute is not allowed here",
            id="unknown-member",
        ),
    ],
)
async def test_a_bad_mapping_is_400_naming_the_row_and_changes_nothing(
    admin: httpx.AsyncClient, change: Any, detail: str
) -> None:
    """PUT of a bad mapping is 400 invalidValue; the mapping in force stays."""
    data = mapping("default")
    change(data)
    response = await admin.put("/apps/demo/mapping", json=data)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert detail in response.json()["detail"]
    assert (await admin.get("/apps/demo/mapping")).json() == mapping("default")


async def test_settings_read_and_patch(admin: httpx.AsyncClient) -> None:
    """PATCH /settings changes the named settings only; GET shows them all."""
    before = (await admin.get("/apps/demo/settings")).json()
    assert before["deleteOnDeactivate"] is False
    response = await admin.patch(
        "/apps/demo/settings", json={"deleteOnDeactivate": True, "retention": 500}
    )
    assert response.status_code == 200
    after = (await admin.get("/apps/demo/settings")).json()
    assert after == {**before, "deleteOnDeactivate": True, "retention": 500}
    shown = (await admin.get("/apps/demo/mapping")).json()["options"]
    assert shown == {"deleteOnDeactivate": True}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param({"retention": 0}, "between 1 and", id="retention-zero"),
        pytest.param({"retention": 2**63 - 1}, "between 1 and", id="retention-int64-max"),
        pytest.param({"retention": 2**63}, "beyond the 64-bit range", id="retention-2-to-63"),
        pytest.param({"lenient": "no"}, "must be a bool", id="wrong-type"),
        pytest.param({"userPatchStatus": 201}, "200 or 204", id="bad-status"),
        pytest.param({"colour": "red"}, "unknown app setting 'colour'", id="unknown"),
        pytest.param([], "must be a JSON object", id="not-an-object"),
    ],
)
async def test_bad_settings_are_400_and_change_nothing(
    admin: httpx.AsyncClient, body: Any, detail: str
) -> None:
    """AppSettings refuses bad values with a clear 400."""
    before = (await admin.get("/apps/demo/settings")).json()
    response = await admin.patch("/apps/demo/settings", json=body)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert (await admin.get("/apps/demo/settings")).json() == before


async def test_the_deletion_option_takes_effect_at_once(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient
) -> None:
    """Turning deleteOnDeactivate off keeps the next deactivated user."""
    await admin.patch("/apps/demo/settings", json={"deleteOnDeactivate": True})
    await admin.patch("/apps/demo/settings", json={"deleteOnDeactivate": False})
    user = await create_user(scim, "kept.user")
    off = patch_op({"op": "replace", "path": "active", "value": False})
    assert (await scim.patch(f"/Users/{user['id']}", json=off)).status_code == 200
    assert (await scim.get(f"/Users/{user['id']}")).json()["active"] is False


async def test_the_first_release_snake_case_setting_names_are_still_read(
    admin: httpx.AsyncClient,
) -> None:
    """PATCH with ``delete_on_deactivate`` (the old spelling) sets ``deleteOnDeactivate``."""
    answer = await admin.patch("/apps/demo/settings", json={"delete_on_deactivate": True})
    assert answer.status_code == 200, answer.text
    assert answer.json()["deleteOnDeactivate"] is True
    assert "delete_on_deactivate" not in answer.json()
