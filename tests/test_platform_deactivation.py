"""Delete on deactivation: with the option on, every way of deactivating a user deletes it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from platform_support import create_group, create_user, directory, patch_op, valid_directory
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import user_body


@pytest.fixture(params=[True, False], ids=["delete-on", "delete-off"])
def app_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The 'demo' app, with delete_on_deactivate on and off."""
    return {"deleteOnDeactivate": request.param}


FORMS = [
    pytest.param(
        "PATCH",
        patch_op({"op": "replace", "path": "active", "value": False}),
        id="patch-replace-path",
    ),
    pytest.param(
        "PATCH", patch_op({"op": "add", "path": "active", "value": False}), id="patch-add-path"
    ),
    pytest.param(
        "PATCH", patch_op({"op": "replace", "value": {"active": False}}), id="patch-pathless-okta"
    ),
    pytest.param(
        "PATCH",
        patch_op({"op": "replace", "path": "active", "value": "False"}),
        id="patch-string-false",
    ),
    pytest.param(
        "PATCH",
        patch_op({"op": "Replace", "path": "active", "value": "False"}),
        id="patch-entra-default",
    ),
    pytest.param(
        "PATCH", patch_op({"op": "Add", "path": "active", "value": "false"}), id="patch-entra-add"
    ),
    pytest.param("PUT", user_body("dee.activated", active=False), id="put"),
    pytest.param("PUT", user_body("dee.activated", active="False"), id="put-string-false"),
]


def _ids(entry: dict[str, Any]) -> list[str]:
    return [f["id"] for f in entry["findings"]]


@pytest.mark.parametrize(("method", "body"), FORMS)
async def test_deactivation(
    scim: httpx.AsyncClient,
    store: SqliteStore,
    app_settings: dict[str, Any],
    method: str,
    body: dict[str, Any],
) -> None:
    """Option on: the user, its record and memberships go. Option off: kept, status inactive."""
    user = await create_user(scim, "dee.activated")
    other = await create_user(scim, "stays.here")
    group = await create_group(scim, "Crew", [user["id"], other["id"]])
    response = await scim.request(method, f"/Users/{user['id']}", json=body)
    entry = store.requests("demo")[-1]
    if app_settings["deleteOnDeactivate"]:
        # RFC 7644 §3.5.2: PATCH may answer 204; §3.5.1: PUT answers 200 with the resource.
        assert response.status_code == (204 if method == "PATCH" else 200), response.text
        assert "EFFECT-DELETED-ON-DEACTIVATION" in _ids(entry)
        assert (await scim.get(f"/Users/{user['id']}")).status_code == 404
        assert store.get("demo", "User", user["id"]) is None
        members = (await scim.get(f"/Groups/{group['id']}")).json()["members"]
        assert [m["value"] for m in members] == [other["id"]]
        assert valid_directory(store, "Group", group["id"])["members"] == ["stays.here"]
        again = await create_user(scim, "dee.activated")
        assert again["id"] != user["id"]
        assert valid_directory(store, "User", again["id"])["status"] == "active"
    else:
        assert response.status_code == 200, response.text
        assert "EFFECT-DELETED-ON-DEACTIVATION" not in _ids(entry)
        assert (await scim.get(f"/Users/{user['id']}")).json()["active"] is False
        assert valid_directory(store, "User", user["id"])["status"] == "inactive"
        assert valid_directory(store, "Group", group["id"])["members"] == [
            "dee.activated",
            "stays.here",
        ]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(patch_op({"op": "replace", "path": "active", "value": True}), id="patch"),
        pytest.param(patch_op({"op": "Replace", "path": "active", "value": "True"}), id="entra"),
    ],
)
async def test_reactivation_restores_status(
    scim: httpx.AsyncClient, store: SqliteStore, app_settings: dict[str, Any], body: dict[str, Any]
) -> None:
    """A user created inactive is kept (a POST deactivates nothing); reactivated, it is active."""
    user = await create_user(scim, "re.activated", active=False)
    assert valid_directory(store, "User", user["id"])["status"] == "inactive"
    response = await scim.patch(f"/Users/{user['id']}", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["active"] is True
    assert valid_directory(store, "User", user["id"])["status"] == "active"


async def test_activating_an_active_user_deletes_nothing(
    scim: httpx.AsyncClient, store: SqliteStore, app_settings: dict[str, Any]
) -> None:
    """active: true never deletes, whatever the option."""
    user = await create_user(scim, "still.active")
    body = patch_op({"op": "replace", "path": "active", "value": True})
    assert (await scim.patch(f"/Users/{user['id']}", json=body)).status_code == 200
    assert directory(store, "User", user["id"]) is not None


@pytest.mark.parametrize("app_settings", [{"deleteOnDeactivate": True, "lenient": False}])
async def test_strict_mode_refuses_the_string_false_and_keeps_the_user(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """In strict mode "False" is not a boolean: 400, and the user is not deleted."""
    user = await create_user(scim, "strict.user")
    body = patch_op({"op": "replace", "path": "active", "value": "False"})
    response = await scim.patch(f"/Users/{user['id']}", json=body)
    assert response.status_code == 400
    assert (await scim.get(f"/Users/{user['id']}")).status_code == 200
    assert valid_directory(store, "User", user["id"])["status"] == "active"
