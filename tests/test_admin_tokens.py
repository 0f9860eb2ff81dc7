"""Admin API: issue, list, rotate and revoke an app's bearer tokens."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from scim_harness.reference_server.serve import Bootstrap, bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore


async def _works(app_client: Any, token: str, app: str = "demo") -> bool:
    async with app_client(app, token) as scim:
        status = (await scim.get("/Users")).status_code
    assert status in (200, 401)
    return status == 200


async def test_a_second_token_works_beside_the_first(
    admin: httpx.AsyncClient, app_client: Any, boot: Bootstrap
) -> None:
    """POST /tokens adds a token (shown once, with its label); the old one keeps working."""
    response = await admin.post("/apps/demo/tokens", json={"label": "okta"})
    assert response.status_code == 201
    token = response.json()
    assert set(token) == {"id", "label", "created", "token"}
    assert token["label"] == "okta"
    assert await _works(app_client, token["token"])
    assert await _works(app_client, boot.token)
    listed = (await admin.get("/apps/demo/tokens")).json()["tokens"]
    assert sorted(t["label"] for t in listed) == ["okta", "serve"]
    assert token["token"] not in str(listed)


async def test_a_token_request_without_a_body_is_fine(admin: httpx.AsyncClient) -> None:
    """The body of POST /tokens is optional."""
    response = await admin.post("/apps/demo/tokens")
    assert response.status_code == 201
    assert response.json()["label"] == ""


async def test_rotation_invalidates_every_old_token(
    admin: httpx.AsyncClient, app_client: Any, boot: Bootstrap
) -> None:
    """revokeOthers: true leaves only the new token working."""
    extra = (await admin.post("/apps/demo/tokens", json={"label": "extra"})).json()
    response = await admin.post("/apps/demo/tokens", json={"revokeOthers": True})
    assert response.status_code == 201
    new = response.json()
    assert not await _works(app_client, boot.token)
    assert not await _works(app_client, extra["token"])
    assert await _works(app_client, new["token"])
    assert [t["id"] for t in (await admin.get("/apps/demo/tokens")).json()["tokens"]] == [new["id"]]


async def test_a_rotated_serve_token_does_not_come_back_on_restart(
    admin: httpx.AsyncClient, app_client: Any, boot: Bootstrap, store: SqliteStore
) -> None:
    """After rotation, restarting serve (bootstrap again) makes a new token, not the old one."""
    await admin.post("/apps/demo/tokens", json={"revokeOthers": True})
    restarted = bootstrap(store, "demo")
    assert restarted.token != boot.token
    assert not await _works(app_client, boot.token)
    assert await _works(app_client, restarted.token)


async def test_revoking_one_token(
    admin: httpx.AsyncClient, app_client: Any, boot: Bootstrap
) -> None:
    """DELETE /tokens/{id} stops that token only; a second DELETE is 404."""
    token = (await admin.post("/apps/demo/tokens", json={"label": "temp"})).json()
    assert (await admin.delete(f"/apps/demo/tokens/{token['id']}")).status_code == 204
    assert not await _works(app_client, token["token"])
    assert await _works(app_client, boot.token)
    assert (await admin.delete(f"/apps/demo/tokens/{token['id']}")).status_code == 404


async def test_a_token_of_another_app_cannot_be_revoked_through_this_one(
    admin: httpx.AsyncClient, app_client: Any, other_boot: Bootstrap
) -> None:
    """Token ids are looked up within the app in the path."""
    token = (await admin.post("/apps/other/tokens", json={"label": "o"})).json()
    assert (await admin.delete(f"/apps/demo/tokens/{token['id']}")).status_code == 404
    assert await _works(app_client, token["token"], "other")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param({"revokeOthers": "yes"}, "revokeOthers must be true or false", id="string"),
        pytest.param({"label": 5}, "label must be a string", id="label-type"),
        pytest.param({"label": "x" * 101}, "at most 100", id="label-long"),
        pytest.param({"rotate": True}, "unknown member(s) 'rotate'", id="unknown"),
    ],
)
async def test_a_bad_token_request_is_400(
    admin: httpx.AsyncClient, app_client: Any, boot: Bootstrap, body: Any, detail: str
) -> None:
    """A bad body is refused and revokes nothing."""
    response = await admin.post("/apps/demo/tokens", json=body)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert await _works(app_client, boot.token)
