"""/Schemas shows the attributes the app's mapping requires (RFC 7643 §7 ``required``)."""

from __future__ import annotations

from typing import Any

import httpx
from platform_support import mapping
from scim_harness.reference_server.protocol import jsonschemas
from scim_harness.reference_server.protocol.schema import CORE_GROUP, CORE_USER, ENTERPRISE_USER
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette


def _attributes(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in schema["attributes"]}


def _subs(attribute: dict[str, Any]) -> dict[str, bool]:
    return {s["name"]: s["required"] for s in attribute.get("subAttributes", [])}


async def _schema(scim: httpx.AsyncClient, urn: str) -> dict[str, Any]:
    response = await scim.get(f"/Schemas/{urn}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert jsonschemas.validation_errors("schema", body) == []
    return body


async def test_user_schema_marks_the_six_required_attributes(scim: httpx.AsyncClient) -> None:
    """userName, name.givenName, name.familyName, emails.value, displayName, active: required."""
    attrs = _attributes(await _schema(scim, CORE_USER))
    required = sorted(name for name, a in attrs.items() if a["required"])
    assert required == ["active", "displayName", "emails", "name", "userName"]
    assert _subs(attrs["name"])["givenName"] is True
    assert _subs(attrs["name"])["familyName"] is True
    assert _subs(attrs["name"])["middleName"] is False
    # emails[type eq "work"].value: the schema can say "value is required", not "of type work".
    assert _subs(attrs["emails"]) == {
        "value": True,
        "display": False,
        "type": False,
        "primary": False,
    }


async def test_group_schema_marks_display_name(scim: httpx.AsyncClient) -> None:
    """The Group Name row makes displayName required."""
    attrs = _attributes(await _schema(scim, CORE_GROUP))
    assert attrs["displayName"]["required"] is True
    assert attrs["members"]["required"] is False


async def test_a_custom_required_row_shows_in_its_extension_schema(
    scim: httpx.AsyncClient, store: SqliteStore, boot: object
) -> None:
    """A required enterprise department row marks department required in the extension schema."""
    data = mapping("example-extended")
    data["users"][7]["required"] = True
    store.update_app("demo", mapping=data)
    attrs = _attributes(await _schema(scim, ENTERPRISE_USER))
    assert attrs["department"]["required"] is True
    assert attrs["division"]["required"] is False
    listed = (await scim.get("/Schemas")).json()["Resources"]
    enterprise = next(s for s in listed if s["id"] == ENTERPRISE_USER)
    assert _attributes(enterprise)["department"]["required"] is True


async def test_each_app_shows_its_own_mapping(
    scim: httpx.AsyncClient, store: SqliteStore, asgi_app: Starlette, other_boot: Bootstrap
) -> None:
    """A mapping that requires title in app 'other' marks it there and not in app 'demo'."""
    data = mapping("default")
    data["users"].append({"platform": "title", "scim": "title", "required": True})
    store.update_app("other", mapping=data)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi_app),
        base_url="http://testserver/apps/other/scim/v2",
        headers={"Authorization": f"Bearer {other_boot.token}"},
    ) as other:
        assert _attributes(await _schema(other, CORE_USER))["title"]["required"] is True
    assert _attributes(await _schema(scim, CORE_USER))["title"]["required"] is False
