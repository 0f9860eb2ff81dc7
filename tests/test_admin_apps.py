"""Admin API: create, list, read and delete apps."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from platform_support import create_user, mapping
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import user_body


async def _create(admin: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await admin.post("/apps", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_a_new_app_gets_a_base_url_and_a_working_token(
    admin: httpx.AsyncClient, app_client: Any
) -> None:
    """POST /admin/apps answers 201 with the SCIM base URL and a token that works there."""
    response = await admin.post("/apps", json={"name": "acme"})
    assert response.status_code == 201
    assert response.headers["location"] == "/admin/apps/acme"
    created = response.json()
    assert created["scimBaseUrl"] == "http://testserver/apps/acme/scim/v2"
    assert created["settings"]["deleteOnDeactivate"] is False
    assert created["mapping"]["name"] == "default"
    assert created["defaultMapping"] is True
    async with app_client("acme", created["token"]) as scim:
        assert (await scim.post("/Users", json=user_body("first.user"))).status_code == 201


async def test_the_token_is_shown_once(admin: httpx.AsyncClient) -> None:
    """Neither the app's page nor the token list ever shows a token again."""
    created = await _create(admin, name="acme")
    for path in ("/apps/acme", "/apps/acme/tokens", "/apps"):
        assert created["token"] not in (await admin.get(path)).text
    [token] = (await admin.get("/apps/acme/tokens")).json()["tokens"]
    assert token == {"id": created["tokenId"], "label": "admin", "created": token["created"]}


async def test_settings_and_mapping_at_creation(
    admin: httpx.AsyncClient, app_client: Any, store: SqliteStore
) -> None:
    """Settings and a mapping given at creation are in force; the mapping's option sets deletion."""
    created = await _create(
        admin, name="ext", settings={"retention": 50}, mapping=mapping("example-extended")
    )
    assert created["settings"]["retention"] == 50
    # example-extended.json says deleteOnDeactivate: true.
    assert created["settings"]["deleteOnDeactivate"] is True
    assert created["mapping"]["name"] == "example-extended"
    assert created["defaultMapping"] is False
    async with app_client("ext", created["token"]) as scim:
        user = await create_user(scim, "ext.user", title="Pilot")
    stored = store.get("ext", "User", user["id"])
    assert stored is not None and stored.directory is not None
    assert stored.directory["attributes"] == {"title": "Pilot"}


async def test_explicit_settings_win_over_the_mapping_option(admin: httpx.AsyncClient) -> None:
    """settings.deleteOnDeactivate given with a mapping overrides the mapping's option."""
    created = await _create(
        admin,
        name="ext",
        settings={"deleteOnDeactivate": False},
        mapping=mapping("example-extended"),
    )
    assert created["settings"]["deleteOnDeactivate"] is False
    assert created["mapping"]["options"] == {"deleteOnDeactivate": False}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param({}, "name must match", id="no-name"),
        pytest.param({"name": ""}, "name must match", id="empty-name"),
        pytest.param({"name": "-dash"}, "name must match", id="leading-dash"),
        pytest.param({"name": "a/b"}, "name must match", id="slash"),
        pytest.param({"name": "x" * 65}, "name must match", id="too-long"),
        pytest.param({"name": 7}, "name must match", id="not-a-string"),
        pytest.param({"name": "ok", "colour": "red"}, "unknown member(s) 'colour'", id="unknown"),
        pytest.param({"name": "ok", "settings": {"retention": "5"}}, "retention", id="bad-setting"),
        pytest.param({"name": "ok", "settings": {"nope": 1}}, "unknown app setting", id="setting"),
        pytest.param({"name": "ok", "settings": []}, "settings must be a JSON object", id="list"),
        pytest.param(
            {"name": "ok", "mapping": {**mapping("default"), "users": [{"platform": "x"}]}},
            'users[0] (platform "x"): scim: required attribute is missing',
            id="bad-mapping",
        ),
    ],
)
async def test_a_bad_app_is_refused_with_a_clear_400(
    admin: httpx.AsyncClient, body: dict[str, Any], detail: str
) -> None:
    """Each bad creation body is 400 invalidValue with a detail saying what is wrong."""
    response = await admin.post("/apps", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["scimType"] == "invalidValue"
    assert detail in response.json()["detail"]
    assert [a["name"] for a in (await admin.get("/apps")).json()["apps"]] == ["demo"]


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        pytest.param(b"{", {"Content-Type": "application/json"}, 400, id="malformed-json"),
        pytest.param(b"[]", {"Content-Type": "application/json"}, 400, id="not-an-object"),
        pytest.param(b"", {"Content-Type": "application/json"}, 400, id="empty"),
        pytest.param(b"name=x", {"Content-Type": "text/plain"}, 415, id="not-json"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_refused(
    admin: httpx.AsyncClient, content: bytes, headers: dict[str, str], status: int
) -> None:
    """Malformed or non-JSON bodies are SCIM-style errors, never a 500."""
    response = await admin.post("/apps", content=content, headers=headers)
    assert response.status_code == status
    assert response.json()["status"] == str(status)


async def test_a_taken_name_is_409(admin: httpx.AsyncClient) -> None:
    """Creating an app whose name exists is 409 uniqueness."""
    response = await admin.post("/apps", json={"name": "demo"})
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"


async def test_list_and_read_apps(admin: httpx.AsyncClient) -> None:
    """GET /admin/apps lists every app by name; GET /admin/apps/{app} shows one with its tokens."""
    await _create(admin, name="acme")
    apps = (await admin.get("/apps")).json()["apps"]
    assert [a["name"] for a in apps] == ["acme", "demo"]
    assert apps[0]["scimBaseUrl"] == "http://testserver/apps/acme/scim/v2"
    one = (await admin.get("/apps/acme")).json()
    assert one["name"] == "acme"
    assert len(one["tokens"]) == 1
    assert one["mapping"]["users"][0] == {
        "platform": "username",
        "scim": "userName",
        "required": True,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/apps/nope"),
        ("DELETE", "/apps/nope"),
        ("GET", "/apps/nope/tokens"),
        ("POST", "/apps/nope/tokens"),
        ("GET", "/apps/nope/mapping"),
        ("GET", "/apps/nope/settings"),
        ("GET", "/apps/nope/directory/users"),
        ("GET", "/apps/nope/requests"),
        ("GET", "/apps/nope/requests.jsonl"),
    ],
)
async def test_an_unknown_app_is_404(admin: httpx.AsyncClient, method: str, path: str) -> None:
    """Every app route answers 404 for an app that does not exist."""
    response = await admin.request(method, path)
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


async def test_deleting_an_app_deletes_its_data_and_tokens(
    admin: httpx.AsyncClient, app_client: Any, store: SqliteStore
) -> None:
    """DELETE removes the app, its resources, records and tokens; a new app of that name is new."""
    created = await _create(admin, name="gone")
    async with app_client("gone", created["token"]) as scim:
        await create_user(scim, "gone.user")
    assert (await admin.delete("/apps/gone")).status_code == 204
    assert (await admin.get("/apps/gone")).status_code == 404
    assert store.execute("SELECT count(*) FROM resources WHERE app = 'gone'").fetchone()[0] == 0
    assert store.requests("gone") == []
    again = await _create(admin, name="gone")
    async with app_client("gone", created["token"]) as old:
        assert (await old.get("/Users")).status_code == 401
    async with app_client("gone", again["token"]) as scim:
        assert (await scim.get("/Users")).json()["totalResults"] == 0
