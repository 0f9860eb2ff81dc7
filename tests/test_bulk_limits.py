"""/Bulk as a whole: request shape, maxOperations and maxPayloadSize (413), and discovery."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bulk_support import BULK_REQUEST, bulk_request, op, patch_op, send, total
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.protocol import jsonschemas
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import SCIM, user_body


async def _client(
    store: SqliteStore, boot: Bootstrap, settings: ServerSettings
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, store=store)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver/apps/demo/scim/v2",
        headers={"Authorization": f"Bearer {boot.token}"},
    ) as client:
        yield client


@pytest.fixture
async def limited(store: SqliteStore, boot: Bootstrap) -> AsyncIterator[httpx.AsyncClient]:
    """A server allowing 3 operations and 4000 bytes on /Bulk, 2000 bytes elsewhere."""
    settings = ServerSettings(max_bulk_operations=3, max_bulk_payload=4000, max_body_bytes=2000)
    async for client in _client(store, boot, settings):
        yield client


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert jsonschemas.validation_errors("error", body) == []
    assert body["status"] == str(status)
    return body


def _users(count: int) -> list[dict[str, Any]]:
    return [op("POST", "/Users", user_body(f"user.n{i}"), bulk_id=f"u{i}") for i in range(count)]


def _sized(ops: list[dict[str, Any]], size: int) -> bytes:
    """A BulkRequest of exactly ``size`` bytes: the first user's nickName pads it."""
    body = bulk_request(*ops)
    body["Operations"][0]["data"]["nickName"] = ""
    encoded = json.dumps(body).encode()
    body["Operations"][0]["data"]["nickName"] = "x" * (size - len(encoded))
    encoded = json.dumps(body).encode()
    assert len(encoded) == size
    return encoded


async def test_discovery_advertises_bulk_with_the_default_limits(scim: httpx.AsyncClient) -> None:
    """ServiceProviderConfig says bulk is supported, with the default limits."""
    body = (await scim.get("/ServiceProviderConfig")).json()
    assert jsonschemas.validation_errors("service-provider-config", body) == []
    assert body["bulk"] == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576}


async def test_discovery_advertises_the_configured_limits(limited: httpx.AsyncClient) -> None:
    """The advertised limits are the server's settings, not constants."""
    body = (await limited.get("/ServiceProviderConfig")).json()
    assert body["bulk"] == {"supported": True, "maxOperations": 3, "maxPayloadSize": 4000}


async def test_more_than_max_operations_is_413_and_stores_nothing(
    limited: httpx.AsyncClient,
) -> None:
    """RFC 7644 §3.7.4: past maxOperations the whole request is 413 naming the limit."""
    body = _error(await send(limited, bulk_request(*_users(4))), 413)
    assert body["detail"] == "The number of operations exceeds the maxOperations (3)."
    assert await total(limited, "/Users") == 0


async def test_a_body_past_max_payload_is_413_and_stores_nothing(
    limited: httpx.AsyncClient,
) -> None:
    """RFC 7644 §3.7.4: past maxPayloadSize the whole request is 413 naming the limit."""
    content = _sized(_users(1), 4001)
    response = await limited.post("/Bulk", content=content, headers={"Content-Type": SCIM})
    assert "4000" in _error(response, 413)["detail"]
    assert await total(limited, "/Users") == 0


async def test_bulk_bodies_have_their_own_limit(limited: httpx.AsyncClient) -> None:
    """/Bulk reads up to maxPayloadSize even past the general limit, which /Users keeps."""
    content = _sized(_users(2), 3000)
    response = await limited.post("/Bulk", content=content, headers={"Content-Type": SCIM})
    assert response.status_code == 200, response.text
    big_user = user_body("big.user", nickName="x" * 2500)
    _error(await limited.post("/Users", json=big_user), 413)
    assert await total(limited, "/Users") == 2


@pytest.mark.parametrize(
    ("max_operations", "max_payload"),
    [pytest.param(2, 3000, id="2-ops-3000-bytes"), pytest.param(5, 6000, id="5-ops-6000-bytes")],
)
async def test_advertised_limits_are_the_enforced_ones(
    store: SqliteStore, boot: Bootstrap, max_operations: int, max_payload: int
) -> None:
    """A request at each advertised limit is served; one operation or one byte more is 413."""
    settings = ServerSettings(max_bulk_operations=max_operations, max_bulk_payload=max_payload)
    async for client in _client(store, boot, settings):
        advertised = (await client.get("/ServiceProviderConfig")).json()["bulk"]
        ops_limit, size_limit = advertised["maxOperations"], advertised["maxPayloadSize"]
        at_limit = await send(client, bulk_request(*_users(ops_limit)))
        assert at_limit.status_code == 200, at_limit.text
        _error(await send(client, bulk_request(*_users(ops_limit + 1))), 413)
        for size, status in ((size_limit, 200), (size_limit + 1, 413)):
            ops = [op("POST", "/Users", user_body(f"sized.n{size}"), bulk_id="s")]
            response = await client.post(
                "/Bulk", content=_sized(ops, size), headers={"Content-Type": SCIM}
            )
            assert response.status_code == status, response.text


def _valid() -> dict[str, Any]:
    return op("POST", "/Users", user_body("never.stored"), bulk_id="v")


def _with(**changes: Any) -> dict[str, Any]:
    return {**_valid(), **changes}


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in _valid().items() if k != key}


BAD_SHAPES = [
    pytest.param([_valid()], id="not-an-object"),
    pytest.param({"Operations": [_valid()]}, id="no-schemas"),
    pytest.param(
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [_valid()]},
        id="wrong-schema",
    ),
    pytest.param({"schemas": [BULK_REQUEST]}, id="no-operations"),
    pytest.param(bulk_request(), id="empty-operations"),
    pytest.param({"schemas": [BULK_REQUEST], "Operations": _valid()}, id="operations-not-a-list"),
    pytest.param(
        {"schemas": [BULK_REQUEST], "Operations": [_valid(), "POST /Users"]},
        id="operation-not-an-object",
    ),
    pytest.param(bulk_request(_with(method="GET")), id="method-get"),
    pytest.param(bulk_request(_with(method="post")), id="method-lower-case"),
    pytest.param(bulk_request(_without("method")), id="no-method"),
    pytest.param(bulk_request(_without("path")), id="no-path"),
    pytest.param(bulk_request(_with(path="")), id="empty-path"),
    pytest.param(bulk_request(_without("bulkId")), id="post-without-bulk-id"),
    pytest.param(bulk_request(_with(bulkId="")), id="empty-bulk-id"),
    pytest.param(bulk_request(_without("data")), id="post-without-data"),
    pytest.param(bulk_request(_valid(), op("PUT", "/Users/x")), id="put-without-data"),
    pytest.param(bulk_request(_valid(), op("PATCH", "/Users/x")), id="patch-without-data"),
    pytest.param(bulk_request(_with(data="userName=x")), id="data-not-an-object"),
    pytest.param(bulk_request(_valid(), fail_on_errors=0), id="fail-on-errors-zero"),
    pytest.param({**bulk_request(_valid()), "failOnErrors": "1"}, id="fail-on-errors-string"),
    pytest.param(
        bulk_request(_valid(), op("POST", "/Groups", {"displayName": "G"}, bulk_id="v")),
        id="duplicate-bulk-id",
    ),
]


@pytest.mark.parametrize("body", BAD_SHAPES)
async def test_a_malformed_bulk_request_is_400_and_stores_nothing(
    scim: httpx.AsyncClient, body: Any
) -> None:
    """A BulkRequest that breaks its schema is refused whole with invalidSyntax."""
    error = _error(await send(scim, body), 400)
    assert error["scimType"] == "invalidSyntax"
    assert await total(scim, "/Users") == 0


async def test_malformed_json_is_400(scim: httpx.AsyncClient) -> None:
    """A body that is not JSON is refused before any operation runs."""
    response = await scim.post("/Bulk", content=b'{"schemas": [', headers={"Content-Type": SCIM})
    assert _error(response, 400)["scimType"] == "invalidSyntax"


async def test_member_names_are_case_insensitive(scim: httpx.AsyncClient) -> None:
    """RFC 7643 §2.1: 'operations', 'BulkId', 'DATA' are the defined members."""
    body = {
        "SCHEMAS": [BULK_REQUEST],
        "failonerrors": 1,
        "operations": [
            {"METHOD": "POST", "Path": "/Users", "BulkId": "c", "DATA": user_body("nina.case")},
            {
                "method": "PATCH",
                "path": "/Users/bulkId:c",
                "data": patch_op({"op": "add", "path": "title", "value": "T"}),
            },
        ],
    }
    response = await send(scim, body)
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["Operations"]] == ["201", "200"]


async def test_get_on_bulk_is_405(scim: httpx.AsyncClient) -> None:
    """/Bulk takes POST only."""
    _error(await scim.get("/Bulk"), 405)
