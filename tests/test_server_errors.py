"""Bad input: every refusal is an RFC 7644 §3.12 error body, and nothing stored changes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from support import SCIM, user_body


def assert_error(
    response: httpx.Response, status: int, scim_type: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/scim+json; charset=utf-8"
    body: dict[str, Any] = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"]
    return body


async def _snapshot(scim: httpx.AsyncClient) -> Any:
    return (await scim.get("/Users")).json()


@pytest.mark.parametrize(
    ("content", "content_type", "status", "scim_type"),
    [
        pytest.param(b"{not json", SCIM, 400, "invalidSyntax", id="malformed-json"),
        pytest.param(b"", SCIM, 400, "invalidSyntax", id="empty-body"),
        pytest.param(b"[1, 2]", SCIM, 400, "invalidSyntax", id="array-body"),
        pytest.param(b"\xff\xfe", SCIM, 400, "invalidSyntax", id="not-utf8"),
        pytest.param(b"[" * 100_000, SCIM, 400, "invalidSyntax", id="deep-nesting"),
        pytest.param(b"userName=x", "application/x-www-form-urlencoded", 415, None, id="form"),
        pytest.param(b"{}", "text/plain", 415, None, id="text-plain"),
        pytest.param(
            json.dumps(
                {
                    "userName": "x",
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "active": "maybe",
                }
            ).encode(),
            SCIM,
            400,
            "invalidValue",
            id="bad-boolean",
        ),
        pytest.param(
            json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}).encode(),
            SCIM,
            400,
            "invalidValue",
            id="no-userName",
        ),
        pytest.param(
            json.dumps(
                {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": ""}
            ).encode(),
            SCIM,
            400,
            "invalidValue",
            id="empty-userName",
        ),
        pytest.param(
            json.dumps(
                {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": 42}
            ).encode(),
            SCIM,
            400,
            "invalidValue",
            id="userName-number",
        ),
        pytest.param(
            json.dumps(
                {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "x",
                    "emails": "a@b",
                }
            ).encode(),
            SCIM,
            400,
            "invalidValue",
            id="emails-string",
        ),
    ],
)
async def test_bad_create_is_refused_and_changes_nothing(
    scim: httpx.AsyncClient,
    created_user: dict[str, Any],
    content: bytes,
    content_type: str,
    status: int,
    scim_type: str | None,
) -> None:
    """Each malformed POST gets its SCIM error and the stored users stay as they were."""
    before = await _snapshot(scim)
    response = await scim.post("/Users", content=content, headers={"Content-Type": content_type})
    assert_error(response, status, scim_type)
    assert await _snapshot(scim) == before


async def test_body_over_the_limit_is_413(scim: httpx.AsyncClient) -> None:
    """A body over 1 MiB is 413 with the SCIM error body."""
    body = user_body("big.user", title="x" * (1024 * 1024 + 10))
    assert_error(await scim.post("/Users", json=body), 413)
    assert (await _snapshot(scim))["totalResults"] == 0


async def test_unknown_endpoint_is_404(scim: httpx.AsyncClient) -> None:
    """An unknown path is 404 in the SCIM error format."""
    assert_error(await scim.get("/Widgets"), 404)
    assert_error(await scim.get("/Users/x/y"), 404)


async def test_method_not_allowed_is_405(scim: httpx.AsyncClient) -> None:
    """DELETE on a collection is 405 in the SCIM error format."""
    assert_error(await scim.delete("/Users"), 405)


async def test_me_is_501(scim: httpx.AsyncClient) -> None:
    """/Me is not implemented: 501 (RFC 7644 §3.11)."""
    assert_error(await scim.get("/Me"), 501)


async def test_patch_with_bad_op_changes_nothing(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """A PatchOp whose second operation fails leaves the user untouched."""
    ops = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "explode", "path": "title", "value": "x"},
        ],
    }
    response = await scim.patch(f"/Users/{created_user['id']}", json=ops)
    assert response.status_code == 400
    assert (await scim.get(f"/Users/{created_user['id']}")).json() == created_user


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"startIndex": "abc"}, id="startIndex-text"),
        pytest.param({"count": "1.5"}, id="count-float"),
        pytest.param({"sortOrder": "sideways"}, id="sortOrder"),
    ],
)
async def test_bad_list_parameters_are_400(scim: httpx.AsyncClient, params: dict[str, str]) -> None:
    """Non-integer paging parameters and an unknown sortOrder are 400 invalidValue."""
    assert_error(await scim.get("/Users", params=params), 400, "invalidValue")


async def test_immutable_member_value_cannot_be_replaced_by_put(scim: httpx.AsyncClient) -> None:
    """Readonly id in a PUT body that differs from the URL is ignored, not applied."""
    user = (await scim.post("/Users", json=user_body("imm.user"))).json()
    response = await scim.put(f"/Users/{user['id']}", json=user_body("imm.user", id="other-id"))
    assert response.status_code == 200
    assert response.json()["id"] == user["id"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/users", 404, id="lower-case-endpoint"),
        pytest.param("PUT", "/Users", 405, id="put-on-collection"),
        pytest.param("POST", "/Users/some-id", 405, id="post-on-resource"),
        pytest.param("GET", "", 404, id="base-url-itself"),
    ],
)
async def test_unrouted_requests_are_answered_and_recorded(
    scim: httpx.AsyncClient, store: Any, method: str, path: str, status: int
) -> None:
    """A wrong path or method under an app's base URL is a SCIM error and is in the record."""
    assert_error(await scim.request(method, path), status)
    records = store.requests("demo")
    assert records[-1]["status"] == status
    assert records[-1]["method"] == method
    assert [f["id"] for f in records[-1]["findings"]] == ["REJECTED"]


async def test_unrouted_request_without_token_is_401(anonymous: httpx.AsyncClient) -> None:
    """Without a token the catch-all answers 401 like every SCIM endpoint."""
    assert_error(await anonymous.get("/users"), 401)
