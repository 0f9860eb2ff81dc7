"""Discovery advertises what the server does (RFC 7644 §4, RFC 7643 §5-7)."""

from __future__ import annotations

import httpx
import pytest
from scim_harness.reference_server.protocol import jsonschemas

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


async def test_service_provider_config(scim: httpx.AsyncClient) -> None:
    """ServiceProviderConfig validates and advertises patch, filter, sort and etag."""
    response = await scim.get("/ServiceProviderConfig")
    assert response.status_code == 200
    body = response.json()
    assert jsonschemas.validation_errors("service-provider-config", body) == []
    assert body["patch"]["supported"] is True
    assert body["filter"] == {"supported": True, "maxResults": 1000}
    assert body["changePassword"]["supported"] is True
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


async def test_password_change_is_accepted_as_advertised(
    scim: httpx.AsyncClient, created_user: dict[str, object]
) -> None:
    """changePassword is advertised because a PATCH of password is taken, and never shown."""
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "password", "value": "N3w-Secret!"}],
    }
    response = await scim.patch(f"/Users/{created_user['id']}", json=patch)
    assert response.status_code == 200, response.text
    assert "password" not in response.json()
    again = (await scim.get(f"/Users/{created_user['id']}")).json()
    assert "password" not in again


async def test_advertised_max_results_is_enforced(scim: httpx.AsyncClient) -> None:
    """A count above filter.maxResults is capped at it."""
    body = (await scim.get("/Users", params={"count": 5000})).json()
    assert body["itemsPerPage"] <= 1000


async def test_resource_types(scim: httpx.AsyncClient) -> None:
    """ResourceTypes lists User (with the enterprise extension) and Group."""
    body = (await scim.get("/ResourceTypes")).json()
    assert body["totalResults"] == 2
    by_name = {r["name"]: r for r in body["Resources"]}
    assert by_name["User"]["endpoint"] == "/Users"
    assert by_name["User"]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    for resource in body["Resources"]:
        assert jsonschemas.validation_errors("resource-type", resource) == []
    one = await scim.get("/ResourceTypes/Group")
    assert one.json()["schema"] == "urn:ietf:params:scim:schemas:core:2.0:Group"
    assert (await scim.get("/ResourceTypes/Widget")).status_code == 404


async def test_schemas(scim: httpx.AsyncClient) -> None:
    """Schemas lists the three schemas; each is served by its URN."""
    body = (await scim.get("/Schemas")).json()
    ids = {s["id"] for s in body["Resources"]}
    assert ids == {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        ENTERPRISE,
    }
    for schema in body["Resources"]:
        assert jsonschemas.validation_errors("schema", schema) == []
    one = (await scim.get(f"/Schemas/{ENTERPRISE}")).json()
    assert one["name"] == "EnterpriseUser"


@pytest.mark.parametrize("path", ["/Schemas", "/ResourceTypes"])
async def test_discovery_refuses_filters(scim: httpx.AsyncClient, path: str) -> None:
    """A filter on a discovery endpoint is 403 (RFC 7644 §4)."""
    assert (await scim.get(path, params={"filter": 'id eq "x"'})).status_code == 403
