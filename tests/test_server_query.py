"""Query parameters: attributes/excludedAttributes, sorting and /.search (RFC 7644 §3.4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support import group_body, user_body

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
async def people(scim: httpx.AsyncClient) -> list[dict[str, Any]]:
    names = [("zoe.adams", "Sales"), ("Adam.young", "Ops"), ("mia.brown", None), ("luc.zed", "Ops")]
    out = []
    for name, dept in names:
        body = user_body(name, title=f"T-{name}")
        if dept:
            body["schemas"].append(ENTERPRISE)
            body[ENTERPRISE] = {"department": dept, "employeeNumber": name[:3]}
        response = await scim.post("/Users", json=body)
        assert response.status_code == 201, response.text
        out.append(response.json())
    return out


async def test_attributes_returns_only_those_and_id(
    scim: httpx.AsyncClient, people: list[dict[str, Any]]
) -> None:
    """attributes=userName,name.givenName returns those, plus id and schemas (returned always)."""
    user = people[0]
    body = (
        await scim.get(f"/Users/{user['id']}", params={"attributes": "userName,name.givenName"})
    ).json()
    assert body == {
        "id": user["id"],
        "schemas": user["schemas"],
        "userName": "zoe.adams",
        "name": {"givenName": "Zoe"},
    }


async def test_excluded_attributes_drops_them_but_never_id(
    scim: httpx.AsyncClient, people: list[dict[str, Any]]
) -> None:
    """excludedAttributes removes the listed attributes; id cannot be excluded."""
    params = {"excludedAttributes": "emails,name.familyName,id,meta"}
    body = (await scim.get("/Users", params=params)).json()["Resources"][0]
    assert "emails" not in body and "meta" not in body
    assert body["id"] == people[0]["id"]
    assert body["name"] == {"givenName": "Zoe"}


async def test_attributes_with_extension_urn_path(
    scim: httpx.AsyncClient, people: list[dict[str, Any]]
) -> None:
    """A fully qualified extension attribute can be requested."""
    params = {"attributes": f"{ENTERPRISE}:department"}
    body = (await scim.get(f"/Users/{people[0]['id']}", params=params)).json()
    assert body[ENTERPRISE] == {"department": "Sales"}
    assert "userName" not in body


@pytest.mark.parametrize(
    ("sort_by", "order", "expected"),
    [
        pytest.param(
            "userName",
            "ascending",
            ["Adam.young", "luc.zed", "mia.brown", "zoe.adams"],
            id="username-asc-caseless",
        ),
        pytest.param(
            "userName",
            "descending",
            ["zoe.adams", "mia.brown", "luc.zed", "Adam.young"],
            id="username-desc",
        ),
        pytest.param(
            f"{ENTERPRISE}:department",
            "ascending",
            ["Adam.young", "luc.zed", "zoe.adams", "mia.brown"],
            id="extension-missing-last",
        ),
    ],
)
async def test_sort(
    scim: httpx.AsyncClient,
    people: list[dict[str, Any]],
    sort_by: str,
    order: str,
    expected: list[str],
) -> None:
    """sortBy orders caseExact=false strings caselessly; missing values sort last (RFC 7644 §3.4.2.3)."""
    body = (await scim.get("/Users", params={"sortBy": sort_by, "sortOrder": order})).json()
    assert [u["userName"] for u in body["Resources"]] == expected


async def test_search_endpoint_equals_get(
    scim: httpx.AsyncClient, people: list[dict[str, Any]]
) -> None:
    """POST /Users/.search with a SearchRequest answers like the GET query."""
    request = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'title sw "T-" and not (userName eq "luc.zed")',
        "attributes": ["userName"],
        "sortBy": "userName",
        "startIndex": 1,
        "count": 2,
    }
    response = await scim.post("/Users/.search", json=request)
    assert response.status_code == 200
    body = response.json()
    assert body["totalResults"] == 3
    assert [u["userName"] for u in body["Resources"]] == ["Adam.young", "mia.brown"]
    assert set(body["Resources"][0]) == {"id", "schemas", "userName"}


async def test_root_search_spans_users_and_groups(
    scim: httpx.AsyncClient, people: list[dict[str, Any]]
) -> None:
    """POST /.search at the root returns Users and Groups together."""
    await scim.post("/Groups", json=group_body("Sales Team"))
    request = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    body = (await scim.post("/.search", json=request)).json()
    assert body["totalResults"] == 5
    kinds = {r["meta"]["resourceType"] for r in body["Resources"]}
    assert kinds == {"User", "Group"}


async def test_search_with_bad_body_is_400(scim: httpx.AsyncClient) -> None:
    """A SearchRequest with a negative startIndex type error is refused."""
    response = await scim.post(
        "/Users/.search",
        json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": "many"},
    )
    assert response.status_code == 400


async def test_unknown_query_parameter_is_tolerated_in_lenient_mode(
    scim: httpx.AsyncClient, people: list[dict[str, Any]]
) -> None:
    """Entra's aadOptscim062020 feature flag on the URL is ignored (and recorded)."""
    response = await scim.get("/Users", params={"aadOptscim062020": ""})
    assert response.status_code == 200
    assert response.json()["totalResults"] == 4


@pytest.mark.parametrize("app_settings", [{"lenient": False}])
async def test_unknown_query_parameter_is_refused_in_strict_mode(scim: httpx.AsyncClient) -> None:
    """Strict mode refuses a query parameter SCIM does not define."""
    response = await scim.get("/Users", params={"aadOptscim062020": ""})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert "aadOptscim062020" in response.json()["detail"]
