"""Groups: members reference existing resources; deleting a user removes it from groups."""

from __future__ import annotations

from typing import Any

import httpx
from support import group_body, user_body


async def _user(scim: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await scim.post("/Users", json=user_body(name))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_server_fills_member_display_type_and_ref(scim: httpx.AsyncClient) -> None:
    """Members get display, type and $ref from the referenced user (RFC 7643 §4.2)."""
    user = await _user(scim, "babs.jensen")
    response = await scim.post("/Groups", json=group_body("Tour Guides", [user["id"]]))
    assert response.status_code == 201
    member = response.json()["members"][0]
    assert member == {
        "value": user["id"],
        "$ref": f"http://testserver/apps/demo/scim/v2/Users/{user['id']}",
        "type": "User",
        "display": user["displayName"],
    }


async def test_unknown_member_is_refused(scim: httpx.AsyncClient) -> None:
    """A member id that is not a resource of this app is 400 invalidValue; nothing is stored."""
    response = await scim.post("/Groups", json=group_body("Ghosts", ["no-such-id"]))
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert "no-such-id" in response.json()["detail"]
    assert (await scim.get("/Groups")).json()["totalResults"] == 0


async def test_duplicate_display_name_is_409(scim: httpx.AsyncClient) -> None:
    """Group displayName is unique per app: 409 uniqueness."""
    assert (await scim.post("/Groups", json=group_body("Pilots"))).status_code == 201
    response = await scim.post("/Groups", json=group_body("pilots"))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"


async def test_user_shows_its_groups(scim: httpx.AsyncClient) -> None:
    """A user's readOnly groups attribute lists the groups it is a member of."""
    user = await _user(scim, "kim.member")
    group = (await scim.post("/Groups", json=group_body("Crew", [user["id"]]))).json()
    fetched = (await scim.get(f"/Users/{user['id']}")).json()
    assert [(g["value"], g["display"]) for g in fetched["groups"]] == [(group["id"], "Crew")]


async def test_deleting_a_user_removes_it_from_every_group(scim: httpx.AsyncClient) -> None:
    """Deleting a user removes it from each group it was in."""
    a = await _user(scim, "a.member")
    b = await _user(scim, "b.member")
    g1 = (await scim.post("/Groups", json=group_body("One", [a["id"], b["id"]]))).json()
    g2 = (await scim.post("/Groups", json=group_body("Two", [a["id"]]))).json()
    assert (await scim.delete(f"/Users/{a['id']}")).status_code == 204
    one = (await scim.get(f"/Groups/{g1['id']}")).json()
    two = (await scim.get(f"/Groups/{g2['id']}")).json()
    assert [m["value"] for m in one["members"]] == [b["id"]]
    assert "members" not in two
    assert one["meta"]["version"] != g1["meta"]["version"]


async def test_member_add_and_remove_by_patch(scim: httpx.AsyncClient) -> None:
    """PATCH adds members and removes one with members[value eq ...]."""
    a = await _user(scim, "p.one")
    b = await _user(scim, "p.two")
    group = (await scim.post("/Groups", json=group_body("Patchers"))).json()
    add = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": a["id"]}, {"value": b["id"]}]}
        ],
    }
    response = await scim.patch(f"/Groups/{group['id']}", json=add)
    assert response.status_code == 200
    assert {m["value"] for m in response.json()["members"]} == {a["id"], b["id"]}
    remove = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": f'members[value eq "{a["id"]}"]'}],
    }
    response = await scim.patch(f"/Groups/{group['id']}", json=remove)
    assert [m["value"] for m in response.json()["members"]] == [b["id"]]


async def test_deleting_a_member_is_recorded_as_an_effect(
    scim: httpx.AsyncClient, store: Any
) -> None:
    """The request record says the deleted user left its groups."""
    user = await _user(scim, "gone.member")
    await scim.post("/Groups", json=group_body("Leavers", [user["id"]]))
    assert (await scim.delete(f"/Users/{user['id']}")).status_code == 204
    findings = store.requests("demo")[-1]["findings"]
    assert [f["id"] for f in findings] == ["EFFECT-MEMBERSHIP-REMOVED"]
    assert "1 group" in findings[0]["detail"]


async def test_membership_index_matches_the_groups_after_every_kind_of_change(
    scim: httpx.AsyncClient, store: Any
) -> None:
    """group_members holds exactly each group's member ids after adds, removes, PUT and deletes."""
    users = [await _user(scim, f"idx.user{i}") for i in range(4)]
    ids = [u["id"] for u in users]
    group = (await scim.post("/Groups", json=group_body("Indexed", ids[:2]))).json()
    op = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    await scim.patch(
        f"/Groups/{group['id']}",
        json={
            "schemas": [op],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": ids[2]}]}],
        },
    )
    await scim.patch(
        f"/Groups/{group['id']}",
        json={
            "schemas": [op],
            "Operations": [{"op": "remove", "path": f'members[value eq "{ids[0]}"]'}],
        },
    )
    await scim.delete(f"/Users/{ids[1]}")
    await scim.put(f"/Groups/{group['id']}", json=group_body("Indexed", [ids[2], ids[3]]))
    await scim.delete(f"/Users/{ids[3]}")
    stored = (await scim.get(f"/Groups/{group['id']}")).json()
    indexed = {r[0] for r in store.execute("SELECT member_id FROM group_members").fetchall()}
    assert indexed == {m["value"] for m in stored["members"]} == {ids[2]}


async def test_users_show_the_current_name_of_their_groups(scim: httpx.AsyncClient) -> None:
    """A renamed group, or a new group after a deleted one, shows its own name on its members."""
    user = await _user(scim, "named.member")
    first = (await scim.post("/Groups", json=group_body("First", [user["id"]]))).json()
    assert (await scim.get(f"/Users/{user['id']}")).json()["groups"][0]["display"] == "First"
    op = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    rename = {
        "schemas": [op],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Renamed"}],
    }
    await scim.patch(f"/Groups/{first['id']}", json=rename)
    assert (await scim.get(f"/Users/{user['id']}")).json()["groups"][0]["display"] == "Renamed"
    await scim.delete(f"/Groups/{first['id']}")
    await scim.post("/Groups", json=group_body("Second", [user["id"]]))
    assert [g["display"] for g in (await scim.get(f"/Users/{user['id']}")).json()["groups"]] == [
        "Second"
    ]
