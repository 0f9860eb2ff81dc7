"""Admin API auth: only the admin token reaches /admin, and it reaches nothing else."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from platform_support import create_user
from scim_harness.reference_server.serve import Bootstrap
from starlette.applications import Starlette
from support import user_body

ROUTES = [
    ("GET", "/apps"),
    ("POST", "/apps"),
    ("GET", "/apps/demo"),
    ("DELETE", "/apps/demo"),
    ("POST", "/apps/demo/tokens"),
    ("GET", "/apps/demo/tokens"),
    ("DELETE", "/apps/demo/tokens/0123456789ab"),
    ("GET", "/apps/demo/mapping"),
    ("PUT", "/apps/demo/mapping"),
    ("GET", "/apps/demo/settings"),
    ("PATCH", "/apps/demo/settings"),
    ("GET", "/apps/demo/directory/users"),
    ("GET", "/apps/demo/directory/groups"),
    ("GET", "/apps/demo/requests"),
    ("GET", "/apps/demo/requests.jsonl"),
]


def _auth(boot: Bootstrap, kind: str) -> dict[str, str]:
    return {
        "none": {},
        "app-token": {"Authorization": f"Bearer {boot.token}"},
        "wrong-token": {"Authorization": "Bearer not-the-admin-token"},
        "basic": {"Authorization": "Basic YWRtaW46YWRtaW4="},
    }[kind]


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
@pytest.mark.parametrize("kind", ["none", "app-token", "wrong-token", "basic"])
async def test_every_admin_route_needs_the_admin_token(
    asgi_app: Starlette,
    admin: httpx.AsyncClient,
    boot: Bootstrap,
    method: str,
    path: str,
    kind: str,
) -> None:
    """Without the admin token (an app's token included) every route is 401, SCIM-style."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi_app),
        base_url="http://testserver/admin",
        headers=_auth(boot, kind),
    ) as client:
        response = await client.request(method, path, json={"name": "x"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "401"
    assert (await admin.get("/apps/demo")).status_code == 200
    assert [a["name"] for a in (await admin.get("/apps")).json()["apps"]] == ["demo"]


async def test_the_admin_token_is_refused_on_scim_endpoints(
    app_client: Any, boot: Bootstrap
) -> None:
    """The admin token is no app token: 401 on the app's SCIM endpoints."""
    async with app_client("demo", boot.admin_token) as scim:
        assert (await scim.get("/Users")).status_code == 401
        assert (await scim.post("/Users", json=user_body("sneaky"))).status_code == 401


async def test_app_isolation(
    app_client: Any, boot: Bootstrap, other_boot: Bootstrap, scim: httpx.AsyncClient
) -> None:
    """One app's token never reaches another app's data, in either direction."""
    user = await create_user(scim, "demo.only")
    async with app_client("other", boot.token) as wrong:
        assert (await wrong.get("/Users")).status_code == 401
        assert (await wrong.get(f"/Users/{user['id']}")).status_code == 401
    async with app_client("other", other_boot.token) as other:
        assert (await other.get("/Users")).json()["totalResults"] == 0
        assert (await other.get(f"/Users/{user['id']}")).status_code == 404
        assert (await other.delete(f"/Users/{user['id']}")).status_code == 404
        assert (await other.post("/Users", json=user_body("demo.only"))).status_code == 201
    assert (await scim.get(f"/Users/{user['id']}")).status_code == 200
