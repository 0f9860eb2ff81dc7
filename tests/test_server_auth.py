"""Apps are isolated; a missing or wrong token is 401 with WWW-Authenticate (RFC 6750)."""

from __future__ import annotations

import httpx
import pytest
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette
from support import user_body


async def test_missing_token_is_401_with_www_authenticate(anonymous: httpx.AsyncClient) -> None:
    """No Authorization header: 401, SCIM error body, WWW-Authenticate: Bearer."""
    response = await anonymous.get("/Users")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == "401"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer wrong-token", id="wrong-token"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic-scheme"),
        pytest.param("Bearer", id="empty-bearer"),
    ],
)
async def test_bad_authorization_is_401(anonymous: httpx.AsyncClient, header: str) -> None:
    response = await anonymous.get("/Users", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/scim+json")


async def test_token_of_one_app_is_401_on_another(
    asgi_app: Starlette, boot: Bootstrap, other_boot: Bootstrap
) -> None:
    """App A's token gets 401 on app B's URL, and B's data stays invisible."""
    transport = httpx.ASGITransport(app=asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        own = {"Authorization": f"Bearer {other_boot.token}"}
        made = await http.post("/apps/other/scim/v2/Users", json=user_body("b.only"), headers=own)
        assert made.status_code == 201
        foreign = {"Authorization": f"Bearer {boot.token}"}
        assert (await http.get("/apps/other/scim/v2/Users", headers=foreign)).status_code == 401
        uid = made.json()["id"]
        assert (
            await http.get(f"/apps/demo/scim/v2/Users/{uid}", headers=foreign)
        ).status_code == 404
        assert (await http.get("/apps/demo/scim/v2/Users", headers=foreign)).json()[
            "totalResults"
        ] == 0


async def test_unknown_app_is_401(anonymous: httpx.AsyncClient, boot: Bootstrap) -> None:
    """An app that does not exist cannot be told apart from a bad token."""
    response = await anonymous.get(
        "http://testserver/apps/nope/scim/v2/Users",
        headers={"Authorization": f"Bearer {boot.token}"},
    )
    assert response.status_code == 401


def test_tokens_are_stored_hashed(store: SqliteStore, boot: Bootstrap) -> None:
    """The tokens table holds no token in the clear."""
    rows = store.execute("SELECT hash FROM tokens").fetchall()
    assert rows and all(boot.token not in r[0] for r in rows)
    assert all(len(r[0]) == 64 for r in rows)


def test_generated_tokens_are_prefixed_and_never_look_like_options(store: SqliteStore) -> None:
    """Tokens carry a scanner-friendly prefix, so none starts with '-'."""
    from scim_harness.reference_server.http.auth import new_token

    tokens = [new_token() for _ in range(200)]
    assert all(t.startswith("scimh_") for t in tokens)
    assert len(set(tokens)) == 200
    assert new_token("admin_").startswith("scimh_admin_")
