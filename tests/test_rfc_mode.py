"""RFC mode (setting ``rules: "rfc"``): a plain RFC 7643/7644 server, the mapping still applied."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from platform_support import directory, patch_op
from scim_harness.reference_server.protocol.schema import CORE_USER
from scim_harness.reference_server.store.sqlite import SqliteStore

BARE_USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bare.user"}


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"rules": "rfc"}


async def _required(scim: httpx.AsyncClient) -> list[str]:
    schema = (await scim.get(f"/Schemas/{CORE_USER}")).json()
    return sorted(a["name"] for a in schema["attributes"] if a["required"])


async def test_a_user_with_only_a_user_name_is_created(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """Only userName is required (RFC 7643 §4.1); the directory record keeps what maps."""
    response = await scim.post("/Users", json=BARE_USER)
    assert response.status_code == 201, response.text
    record = directory(store, "User", response.json()["id"])
    assert record is not None
    assert record["username"] == "bare.user"
    assert sorted(record) == ["attributes", "id", "updatedAt", "username"]


async def test_a_user_without_a_user_name_is_still_refused(scim: httpx.AsyncClient) -> None:
    """RFC 7643's own requirement stays: no userName is 400 invalidValue."""
    body = {"schemas": BARE_USER["schemas"], "displayName": "Nobody"}
    response = await scim.post("/Users", json=body)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"


async def test_patch_may_remove_what_the_platform_would_require(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """Removing the work email (required by the platform) succeeds and leaves the record."""
    user = (
        await scim.post(
            "/Users", json={**BARE_USER, "emails": [{"value": "b@example.com", "type": "work"}]}
        )
    ).json()
    assert directory(store, "User", user["id"])["email"] == "b@example.com"  # type: ignore[index]
    patched = await scim.patch(
        f"/Users/{user['id']}", json=patch_op({"op": "remove", "path": "emails"})
    )
    assert patched.status_code == 200, patched.text
    record = directory(store, "User", user["id"])
    assert record is not None and "email" not in record


async def test_schemas_declare_only_rfc_requirements(scim: httpx.AsyncClient) -> None:
    """/Schemas of an RFC-mode app marks userName alone required among User attributes."""
    assert await _required(scim) == ["userName"]


async def test_switching_rules_changes_what_is_refused(
    scim: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    """PATCH /admin/apps/demo/settings {"rules": "platform"} brings the platform's rules back."""
    answer = await admin.patch("/apps/demo/settings", json={"rules": "platform"})
    assert answer.json()["rules"] == "platform"
    refused = await scim.post("/Users", json=BARE_USER)
    assert refused.status_code == 400
    assert "mapped to platform attribute" in refused.json()["detail"]
    assert "emails" in await _required(scim)
    await admin.patch("/apps/demo/settings", json={"rules": "rfc"})
    assert (await scim.post("/Users", json=BARE_USER)).status_code == 201


@pytest.mark.parametrize(
    ("value", "says"),
    [
        pytest.param("RFC", "'rules' must be one of 'platform', 'rfc'", id="case"),
        pytest.param(None, "'rules' must be one of", id="null"),
        pytest.param(True, "'rules' must be one of", id="bool"),
    ],
)
async def test_a_bad_rules_value_is_400(admin: httpx.AsyncClient, value: Any, says: str) -> None:
    """Anything but "platform" or "rfc" is refused naming the choices; nothing changes."""
    answer = await admin.patch("/apps/demo/settings", json={"rules": value})
    assert answer.status_code == 400
    assert says in answer.json()["detail"]
    assert (await admin.get("/apps/demo/settings")).json()["rules"] == "rfc"
