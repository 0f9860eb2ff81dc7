"""Users: create, read, replace, delete, uniqueness and attribute characteristics (RFC 7644 §3)."""

from __future__ import annotations

from typing import Any

import httpx
from support import SCIM, user_body

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


async def test_create_assigns_id_meta_location_and_etag(scim: httpx.AsyncClient) -> None:
    """POST answers 201 with a server id, meta, Location and an ETag equal to meta.version."""
    response = await scim.post("/Users", json=user_body("ada.lovelace"))
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/scim+json; charset=utf-8"
    user = response.json()
    assert user["id"] and user["userName"] == "ada.lovelace"
    meta = user["meta"]
    assert meta["resourceType"] == "User"
    assert meta["location"] == f"http://testserver/apps/demo/scim/v2/Users/{user['id']}"
    assert response.headers["location"] == meta["location"]
    assert response.headers["etag"] == meta["version"]
    assert meta["created"] == meta["lastModified"]


async def test_get_returns_what_was_created(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """GET by id returns the stored resource."""
    response = await scim.get(f"/Users/{created_user['id']}")
    assert response.status_code == 200
    assert response.json() == created_user


async def test_client_supplied_id_and_meta_are_ignored(scim: httpx.AsyncClient) -> None:
    """readOnly id and meta in a POST are ignored (RFC 7643 §2.2)."""
    body = user_body("grace.hopper", id="mine", meta={"created": "1900-01-01T00:00:00Z"})
    user = (await scim.post("/Users", json=body)).json()
    assert user["id"] != "mine"
    assert not user["meta"]["created"].startswith("1900")


async def test_password_is_accepted_and_never_returned(scim: httpx.AsyncClient) -> None:
    """password is writeOnly and returned never (RFC 7643 §4.1.1)."""
    response = await scim.post("/Users", json=user_body("alan.turing", password="s3cret!"))
    assert response.status_code == 201
    assert "password" not in response.json()
    fetched = await scim.get(f"/Users/{response.json()['id']}")
    assert "password" not in fetched.json()


async def test_attribute_names_are_case_insensitive(scim: httpx.AsyncClient) -> None:
    """USERNAME and Name.GIVENNAME are stored under their canonical names (RFC 7643 §2.1)."""
    body = user_body("case.test")
    body["USERNAME"] = body.pop("userName")
    body["NAME"] = {"GIVENNAME": "Case", "familyname": "Test"}
    user = (await scim.post("/Users", json=body)).json()
    assert user["userName"] == "case.test"
    assert user["name"] == {"givenName": "Case", "familyName": "Test"}


async def test_duplicate_username_is_409_case_insensitively(scim: httpx.AsyncClient) -> None:
    """userName is unique per app regardless of case: 409 uniqueness (RFC 7644 §3.3)."""
    assert (await scim.post("/Users", json=user_body("dup.user"))).status_code == 201
    response = await scim.post("/Users", json=user_body("DUP.User"))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert (await scim.get("/Users")).json()["totalResults"] == 1


async def test_enterprise_extension_round_trips(scim: httpx.AsyncClient) -> None:
    """The enterprise extension is stored and listed in schemas (RFC 7643 §4.3)."""
    body = user_body("ent.user")
    body["schemas"].append(ENTERPRISE)
    body[ENTERPRISE] = {"employeeNumber": "701984", "department": "Tour Operations"}
    user = (await scim.post("/Users", json=body)).json()
    assert user[ENTERPRISE] == {"employeeNumber": "701984", "department": "Tour Operations"}
    assert ENTERPRISE in user["schemas"]


async def test_put_replaces_the_resource(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """PUT replaces every writable attribute; omitted ones are cleared (RFC 7644 §3.5.1)."""
    body = user_body("barbara.jensen", title="Tour Guide")
    first = (await scim.put(f"/Users/{created_user['id']}", json=body)).json()
    assert first["title"] == "Tour Guide"
    body.pop("title")
    body["displayName"] = "Babs"
    response = await scim.put(f"/Users/{created_user['id']}", json=body)
    assert response.status_code == 200
    user = response.json()
    assert "title" not in user and user["displayName"] == "Babs"
    assert user["id"] == created_user["id"]
    assert user["meta"]["created"] == created_user["meta"]["created"]
    assert user["meta"]["version"] != first["meta"]["version"]


async def test_put_to_a_taken_username_is_409_and_changes_nothing(scim: httpx.AsyncClient) -> None:
    """A PUT that would duplicate a userName is refused and both users stay as they were."""
    a = (await scim.post("/Users", json=user_body("first.user"))).json()
    b = (await scim.post("/Users", json=user_body("second.user"))).json()
    response = await scim.put(f"/Users/{b['id']}", json=user_body("first.user"))
    assert response.status_code == 409
    assert (await scim.get(f"/Users/{b['id']}")).json() == b
    assert (await scim.get(f"/Users/{a['id']}")).json() == a


async def test_delete_then_get_is_404(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """DELETE answers 204, then GET answers 404 (RFC 7644 §3.6)."""
    response = await scim.delete(f"/Users/{created_user['id']}")
    assert response.status_code == 204
    missing = await scim.get(f"/Users/{created_user['id']}")
    assert missing.status_code == 404
    assert missing.json()["status"] == "404"
    assert (await scim.delete(f"/Users/{created_user['id']}")).status_code == 404


async def test_simple_patch_replaces_and_removes(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """PATCH add/replace/remove on simple paths and a path-less replace work."""
    ops = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "displayName", "value": "Babs J"},
            {"op": "add", "path": "title", "value": "Guide"},
            {"op": "replace", "value": {"nickName": "Babs"}},
        ],
    }
    response = await scim.patch(f"/Users/{created_user['id']}", json=ops)
    assert response.status_code == 200
    user = response.json()
    assert (user["displayName"], user["title"], user["nickName"]) == ("Babs J", "Guide", "Babs")
    remove = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": "title"}],
    }
    user = (await scim.patch(f"/Users/{created_user['id']}", json=remove)).json()
    assert "title" not in user


async def test_etag_if_none_match_gives_304_and_if_match_gives_412(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """If-None-Match with the current version is 304; a stale If-Match is 412 (RFC 7644 §3.14)."""
    url = f"/Users/{created_user['id']}"
    version = created_user["meta"]["version"]
    assert (await scim.get(url, headers={"If-None-Match": version})).status_code == 304
    stale = await scim.put(url, json=user_body("barbara.jensen"), headers={"If-Match": 'W/"999"'})
    assert stale.status_code == 412
    assert (await scim.get(url)).json() == created_user
    fresh = await scim.put(url, json=user_body("barbara.jensen"), headers={"If-Match": version})
    assert fresh.status_code == 200


async def test_json_media_type_is_accepted(scim: httpx.AsyncClient) -> None:
    """Requests in application/json are accepted too (RFC 7644 §8.1)."""
    import json

    response = await scim.post(
        "/Users",
        content=json.dumps(user_body("json.user")),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201
    assert response.headers["content-type"].startswith(SCIM)


async def test_patch_that_changes_nothing_keeps_the_version(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """A PatchOp that sets what is already there writes nothing: same version, same lastModified."""
    ops = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": True}],
    }
    response = await scim.patch(f"/Users/{created_user['id']}", json=ops)
    assert response.status_code == 200
    assert response.json()["meta"] == created_user["meta"]
