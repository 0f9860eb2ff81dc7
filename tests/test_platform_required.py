"""Required mapped attributes: a write that leaves one missing or empty is 400 and changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from platform_support import create_user, directory, patch_op
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import group_body, user_body

EMAIL = 'emails[type eq "work"].value is required (mapped to platform attribute "email")'
GIVEN = 'name.givenName is required (mapped to platform attribute "firstName")'
FAMILY = 'name.familyName is required (mapped to platform attribute "lastName")'
DISPLAY = 'displayName is required (mapped to platform attribute "displayName")'
ACTIVE = 'active is required (mapped to platform attribute "status")'


def _without(path: str) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        if "." in path:
            top, sub = path.split(".")
            del body[top][sub]
        else:
            del body[path]

    return change


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        if "." in path:
            top, sub = path.split(".")
            body[top][sub] = value
        else:
            body[path] = value

    return change


def _home_email_only(body: dict[str, Any]) -> None:
    body["emails"] = [{"value": "babs@home.example", "type": "home", "primary": True}]


MISSING = [
    pytest.param(_without("emails"), EMAIL, id="no-emails"),
    pytest.param(_home_email_only, EMAIL, id="no-work-email"),
    pytest.param(_set("emails", [{"value": "", "type": "work"}]), EMAIL, id="empty-work-email"),
    pytest.param(_set("emails", [{"type": "work"}]), EMAIL, id="work-email-without-value"),
    pytest.param(_without("name.givenName"), GIVEN, id="no-givenName"),
    pytest.param(_set("name.givenName", ""), GIVEN, id="empty-givenName"),
    pytest.param(_without("name.familyName"), FAMILY, id="no-familyName"),
    pytest.param(_set("name.familyName", "   "), FAMILY, id="blank-familyName"),
    pytest.param(_without("name"), f"{GIVEN}; {FAMILY}", id="no-name"),
    pytest.param(_without("displayName"), DISPLAY, id="no-displayName"),
    pytest.param(_set("displayName", ""), DISPLAY, id="empty-displayName"),
    pytest.param(_without("active"), ACTIVE, id="no-active"),
    pytest.param(_set("active", None), ACTIVE, id="null-active"),
]


def _error(response: httpx.Response, detail: str, scim_type: str = "invalidValue") -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["scimType"] == scim_type
    assert body["detail"] == detail


@pytest.mark.parametrize(("change", "detail"), MISSING)
async def test_create_missing_a_required_attribute_is_400(
    scim: httpx.AsyncClient, change: Callable[[dict[str, Any]], None], detail: str
) -> None:
    """POST without a required mapped attribute is 400 invalidValue naming it; nothing stored."""
    body = user_body("req.user")
    change(body)
    _error(await scim.post("/Users", json=body), detail)
    assert (await scim.get("/Users")).json()["totalResults"] == 0


async def test_every_missing_attribute_is_named(scim: httpx.AsyncClient) -> None:
    """With only userName, the detail lists the five other required attributes in mapping order."""
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bare"}
    _error(await scim.post("/Users", json=body), "; ".join([GIVEN, FAMILY, EMAIL, DISPLAY, ACTIVE]))


async def test_empty_username_is_refused(scim: httpx.AsyncClient) -> None:
    """An empty userName is refused with 400 before anything is stored."""
    response = await scim.post("/Users", json=user_body("x", userName=""))
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert (await scim.get("/Users")).json()["totalResults"] == 0


@pytest.mark.parametrize(("change", "detail"), MISSING)
async def test_put_missing_a_required_attribute_is_400_and_changes_nothing(
    scim: httpx.AsyncClient,
    store: SqliteStore,
    change: Callable[[dict[str, Any]], None],
    detail: str,
) -> None:
    """PUT without a required mapped attribute is refused; resource and record stay as they were."""
    user = await create_user(scim, "put.user")
    record = directory(store, "User", user["id"])
    body = user_body("put.user")
    change(body)
    _error(await scim.put(f"/Users/{user['id']}", json=body), detail)
    assert (await scim.get(f"/Users/{user['id']}")).json() == user
    assert directory(store, "User", user["id"]) == record


PATCHES = [
    pytest.param(patch_op({"op": "remove", "path": "emails"}), EMAIL, id="remove-emails"),
    pytest.param(
        patch_op({"op": "remove", "path": 'emails[type eq "work"]'}), EMAIL, id="remove-work-email"
    ),
    pytest.param(
        patch_op({"op": "remove", "path": 'emails[type eq "work"].value'}),
        EMAIL,
        id="remove-work-email-value",
    ),
    pytest.param(
        patch_op(
            {"op": "replace", "path": "emails", "value": [{"value": "h@x.org", "type": "home"}]}
        ),
        EMAIL,
        id="replace-emails-with-home",
    ),
    pytest.param(
        patch_op({"op": "replace", "path": 'emails[type eq "work"].type', "value": "home"}),
        EMAIL,
        id="retype-work-email",
    ),
    pytest.param(
        patch_op({"op": "remove", "path": "name.givenName"}), GIVEN, id="remove-givenName"
    ),
    pytest.param(
        patch_op({"op": "replace", "path": "name.familyName", "value": ""}),
        FAMILY,
        id="empty-familyName",
    ),
    pytest.param(
        patch_op({"op": "remove", "path": "name"}), f"{GIVEN}; {FAMILY}", id="remove-name"
    ),
    pytest.param(patch_op({"op": "remove", "path": "displayName"}), DISPLAY, id="remove-display"),
    pytest.param(patch_op({"op": "remove", "path": "active"}), ACTIVE, id="remove-active"),
    pytest.param(
        patch_op({"op": "replace", "value": {"displayName": "", "active": None}}),
        f"{DISPLAY}; {ACTIVE}",
        id="pathless-replace-empties",
    ),
    pytest.param(
        patch_op(
            {"op": "replace", "path": "title", "value": "Pilot"},
            {"op": "remove", "path": "displayName"},
        ),
        DISPLAY,
        id="valid-op-then-removal",
    ),
]


@pytest.mark.parametrize(("body", "detail"), PATCHES)
async def test_patch_removing_a_required_attribute_is_400_and_changes_nothing(
    scim: httpx.AsyncClient, store: SqliteStore, body: dict[str, Any], detail: str
) -> None:
    """A PATCH leaving a required attribute unassigned is 400 mutability (RFC 7644 §3.5.2.2)."""
    user = await create_user(scim, "patch.user")
    record = copy.deepcopy(directory(store, "User", user["id"]))
    refusal = f"{detail} - a PATCH cannot remove it (RFC 7644 §3.5.2.2)"
    _error(await scim.patch(f"/Users/{user['id']}", json=body), refusal, "mutability")
    after = (await scim.get(f"/Users/{user['id']}")).json()
    assert after == user
    assert after["meta"]["version"] == user["meta"]["version"]
    assert directory(store, "User", user["id"]) == record


@pytest.mark.parametrize(
    ("endpoint", "path", "detail"),
    [
        pytest.param("/Users", "userName", "userName is required", id="user-userName"),
        pytest.param("/Groups", "displayName", "displayName is required", id="group-displayName"),
    ],
)
async def test_patch_removing_a_schema_required_attribute_is_mutability(
    scim: httpx.AsyncClient, endpoint: str, path: str, detail: str
) -> None:
    """userName and a Group's displayName are required by the schema itself: mutability."""
    if endpoint == "/Users":
        created = await create_user(scim, "schema.required")
    else:
        reply = await scim.post("/Groups", json=group_body("Schema Required"))
        created = reply.json()
    response = await scim.patch(
        f"{endpoint}/{created['id']}", json=patch_op({"op": "remove", "path": path})
    )
    assert response.status_code == 400, response.text
    assert response.json()["scimType"] == "mutability"
    assert response.json()["detail"].startswith(detail)
    assert (await scim.get(f"{endpoint}/{created['id']}")).json() == created


async def test_patch_keeping_the_required_attributes_is_accepted(scim: httpx.AsyncClient) -> None:
    """Replacing the work email with another work email keeps the user valid."""
    user = await create_user(scim, "keep.user")
    body = patch_op(
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"}
    )
    response = await scim.patch(f"/Users/{user['id']}", json=body)
    assert response.status_code == 200, response.text


async def test_the_refusal_is_in_the_request_record(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """The request record keeps the refused POST with a REJECTED finding naming the attribute."""
    body = user_body("rec.user")
    del body["displayName"]
    await scim.post("/Users", json=body)
    [entry] = store.requests("demo")
    assert entry["status"] == 400
    rejected = [f["detail"] for f in entry["findings"] if f["id"] == "REJECTED"]
    assert rejected == [f"400 invalidValue {DISPLAY}"]
