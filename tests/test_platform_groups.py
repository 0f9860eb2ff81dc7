"""Directory group records: groupName follows displayName, members follow membership and renames."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from platform_support import create_group, create_user, mapping, patch_op, valid_directory
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import group_body


def _record(store: SqliteStore, group: dict[str, Any]) -> tuple[str, list[str]]:
    record = valid_directory(store, "Group", group["id"])
    return record["groupName"], record["members"]


async def test_a_created_group_gets_its_name_and_member_usernames(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """groupName <- displayName; members are the usernames of the member users."""
    ann = await create_user(scim, "ann.lee")
    bob = await create_user(scim, "bob.ray")
    group = await create_group(scim, "Tour Guides", [ann["id"], bob["id"]])
    record = valid_directory(store, "Group", group["id"])
    assert {k: v for k, v in record.items() if k != "updatedAt"} == {
        "id": group["id"],
        "groupName": "Tour Guides",
        "members": ["ann.lee", "bob.ray"],
        "attributes": {},
    }


async def test_an_empty_group_has_no_members(scim: httpx.AsyncClient, store: SqliteStore) -> None:
    """A group created without members (Entra ID's way) has an empty member list."""
    group = await create_group(scim, "Empty")
    assert _record(store, group) == ("Empty", [])


@pytest.mark.parametrize(
    "rename",
    [
        pytest.param(
            lambda gid: (
                "PATCH",
                patch_op({"op": "replace", "path": "displayName", "value": "New"}),
            ),
            id="patch-path",
        ),
        pytest.param(
            lambda gid: (
                "PATCH",
                patch_op({"op": "replace", "value": {"id": gid, "displayName": "New"}}),
            ),
            id="patch-pathless-okta",
        ),
        pytest.param(
            lambda gid: (
                "PATCH",
                patch_op({"op": "Replace", "path": "displayName", "value": "New"}),
            ),
            id="patch-entra",
        ),
        pytest.param(lambda gid: ("PUT", group_body("New")), id="put"),
    ],
)
async def test_group_name_follows_a_rename(
    scim: httpx.AsyncClient, store: SqliteStore, rename: Any
) -> None:
    """Every way of renaming a group changes the directory groupName."""
    group = await create_group(scim, "Old")
    method, body = rename(group["id"])
    response = await scim.request(method, f"/Groups/{group['id']}", json=body)
    assert response.status_code == 200, response.text
    assert _record(store, group) == ("New", [])


async def test_group_name_is_required(scim: httpx.AsyncClient, store: SqliteStore) -> None:
    """Removing displayName is refused and the group keeps its name."""
    group = await create_group(scim, "Keepers")
    response = await scim.patch(
        f"/Groups/{group['id']}", json=patch_op({"op": "remove", "path": "displayName"})
    )
    assert response.status_code == 400
    assert _record(store, group) == ("Keepers", [])


async def test_membership_changes_are_reflected(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """add, remove by value filter, Entra's remove with a value list, and replace of members."""
    ann, bob, cy = [await create_user(scim, n) for n in ("ann.lee", "bob.ray", "cy.fox")]
    group = await create_group(scim, "Crew")
    url = f"/Groups/{group['id']}"
    steps: list[tuple[dict[str, Any], list[str]]] = [
        (
            {"op": "add", "path": "members", "value": [{"value": ann["id"]}, {"value": bob["id"]}]},
            ["ann.lee", "bob.ray"],
        ),
        ({"op": "remove", "path": f'members[value eq "{ann["id"]}"]'}, ["bob.ray"]),
        ({"op": "Add", "path": "members", "value": [{"$ref": None, "value": cy["id"]}]}, None),
        ({"op": "Remove", "path": "members", "value": [{"value": bob["id"]}]}, ["cy.fox"]),
        ({"op": "replace", "path": "members", "value": [{"value": ann["id"]}]}, ["ann.lee"]),
        ({"op": "remove", "path": "members"}, []),
    ]
    for operation, expected in steps:
        response = await scim.patch(url, json=patch_op(operation))
        assert response.status_code == 200, response.text
        if expected is not None:
            assert _record(store, group) == ("Crew", expected), operation


async def test_a_renamed_user_is_renamed_in_its_groups(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """A userName change shows in every group record the user is in; the SCIM group is untouched."""
    ann = await create_user(scim, "ann.lee")
    one = await create_group(scim, "One", [ann["id"]])
    two = await create_group(scim, "Two", [ann["id"]])
    body = patch_op({"op": "replace", "path": "userName", "value": "ann.lee-smith"})
    assert (await scim.patch(f"/Users/{ann['id']}", json=body)).status_code == 200
    assert _record(store, one) == ("One", ["ann.lee-smith"])
    assert _record(store, two) == ("Two", ["ann.lee-smith"])
    fetched = (await scim.get(f"/Groups/{one['id']}")).json()
    assert fetched["meta"]["version"] == one["meta"]["version"]


async def test_a_user_rename_seen_through_a_transform(
    scim: httpx.AsyncClient, store: SqliteStore, boot: object
) -> None:
    """Members are named by their directory username, so a username transform shows there."""
    data = mapping("default")
    data["users"][0]["transform"] = "lower"
    store.update_app("demo", mapping=data)
    ann = await create_user(scim, "Ann.Lee")
    group = await create_group(scim, "Mixed", [ann["id"]])
    assert _record(store, group) == ("Mixed", ["ann.lee"])


async def test_a_deleted_user_leaves_its_group_records(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """DELETE of a user removes its username from every group record."""
    ann = await create_user(scim, "ann.lee")
    bob = await create_user(scim, "bob.ray")
    group = await create_group(scim, "Pair", [ann["id"], bob["id"]])
    assert (await scim.delete(f"/Users/{ann['id']}")).status_code == 204
    assert _record(store, group) == ("Pair", ["bob.ray"])


async def test_nested_groups_are_listed_by_display_name(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """A nested group is a member under its displayName, and follows its renames and deletion."""
    ann = await create_user(scim, "ann.lee")
    inner = await create_group(scim, "Inner", [ann["id"]])
    outer = await create_group(scim, "Outer", [inner["id"], ann["id"]])
    assert _record(store, outer) == ("Outer", ["Inner", "ann.lee"])
    rename = patch_op({"op": "replace", "path": "displayName", "value": "Core"})
    assert (await scim.patch(f"/Groups/{inner['id']}", json=rename)).status_code == 200
    assert _record(store, outer) == ("Outer", ["Core", "ann.lee"])
    assert (await scim.delete(f"/Groups/{inner['id']}")).status_code == 204
    assert _record(store, outer) == ("Outer", ["ann.lee"])
