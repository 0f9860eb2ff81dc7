"""Locations come from the configured public URL, never a client's Host header; one
Authorization header per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.settings import ServerSettings, public_url
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import group_body, user_body

PUBLIC = "https://scim.example.com/tenant-a"


async def test_the_host_header_does_not_choose_meta_location(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """A client's Host header is not what later clients are sent to (host-header injection)."""
    evil = {"Host": "evil.example"}
    created = await scim.post("/Users", json=user_body("host.user"), headers=evil)
    assert created.status_code == 201
    location = created.json()["meta"]["location"]
    assert location.startswith("http://testserver/apps/demo/scim/v2/Users/")
    assert created.headers["location"] == location
    group = await scim.post("/Groups", json=group_body("G", [created.json()["id"]]), headers=evil)
    assert "evil" not in group.text
    assert "evil" not in (await scim.get(f"/Users/{created.json()['id']}")).text


@pytest.fixture
async def public(store: SqliteStore, boot: Bootstrap) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ServerSettings(public_url=PUBLIC + "/"), store=store)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {boot.token}", "Host": "evil.example"}
    base = "http://internal:8000/apps/demo/scim/v2"
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as client:
        yield client


async def test_meta_location_and_refs_use_the_public_url(public: httpx.AsyncClient) -> None:
    """--public-url is the base of meta.location, Location, member and group $ref."""
    user: dict[str, Any] = (await public.post("/Users", json=user_body("pub.user"))).json()
    assert user["meta"]["location"] == f"{PUBLIC}/apps/demo/scim/v2/Users/{user['id']}"
    group = (await public.post("/Groups", json=group_body("Pub", [user["id"]]))).json()
    assert group["members"][0]["$ref"] == user["meta"]["location"]
    fetched = (await public.get(f"/Users/{user['id']}")).json()
    assert fetched["groups"][0]["$ref"] == group["meta"]["location"]
    config = (await public.get("/ServiceProviderConfig")).json()
    assert config["meta"]["location"].startswith(PUBLIC + "/apps/demo/scim/v2/")


async def test_the_admin_api_shows_base_urls_from_the_public_url(
    store: SqliteStore, boot: Bootstrap
) -> None:
    """scimBaseUrl of a new app is the public URL's, whatever the request's Host."""
    app = create_app(ServerSettings(public_url=PUBLIC), store=store)
    headers = {"Authorization": f"Bearer {boot.admin_token}", "Host": "evil.example"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://internal/admin", headers=headers
    ) as admin:
        created = (await admin.post("/apps", json={"name": "acme"})).json()
    assert created["scimBaseUrl"] == f"{PUBLIC}/apps/acme/scim/v2"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ftp://example.com", id="scheme"),
        pytest.param("http://", id="no-host"),
        pytest.param("https://example.com/x?y=1", id="query"),
        pytest.param("https://user:pw@example.com", id="credentials"),
        pytest.param("https://example.com:99999", id="port"),
    ],
)
def test_a_bad_public_url_is_refused(text: str) -> None:
    """--public-url must be http(s)://host[:port][/path] and nothing more."""
    with pytest.raises(ValueError, match="public URL"):
        public_url(text)


def test_a_public_url_loses_its_trailing_slash() -> None:
    """Locations are joined with '/': the base has none at its end."""
    assert public_url("https://example.com/base/") == "https://example.com/base"
    assert ServerSettings(public_url="http://h:1/").public_url == "http://h:1"


async def test_two_authorization_headers_are_400_and_recorded(
    asgi_app: Any, boot: Bootstrap, store: SqliteStore
) -> None:
    """RFC 9110 §5.3: Authorization appears once; two are refused, not guessed between."""
    transport = httpx.ASGITransport(app=asgi_app)
    headers = [("Authorization", f"Bearer {boot.token}"), ("Authorization", "Bearer other")]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/apps/demo/scim/v2/Users", headers=headers)
        admin = await http.get(
            "/admin/apps",
            headers=[("Authorization", f"Bearer {boot.admin_token}")] * 2,
        )
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidSyntax"
    assert "2 Authorization headers" in response.json()["detail"]
    assert admin.status_code == 400
    [record] = store.requests("demo")
    assert record["status"] == 400
    assert record["headers"]["authorization"] == "Bearer ***"
