"""Builders for the /Bulk tests: operations, BulkRequests, and a poster that checks the reply."""

from __future__ import annotations

import json
from typing import Any

import httpx
from scim_harness.reference_server.protocol import jsonschemas
from support import SCIM

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def op(
    method: str,
    path: str,
    data: dict[str, Any] | None = None,
    *,
    bulk_id: str | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """One entry of a BulkRequest's Operations."""
    entry: dict[str, Any] = {"method": method, "path": path}
    if bulk_id is not None:
        entry["bulkId"] = bulk_id
    if version is not None:
        entry["version"] = version
    if data is not None:
        entry["data"] = data
    return entry


def bulk_request(*ops: dict[str, Any], fail_on_errors: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [BULK_REQUEST], "Operations": list(ops)}
    if fail_on_errors is not None:
        body["failOnErrors"] = fail_on_errors
    return body


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


async def send(scim: httpx.AsyncClient, body: Any) -> httpx.Response:
    """POST /Bulk as application/scim+json."""
    return await scim.post("/Bulk", content=json.dumps(body), headers={"Content-Type": SCIM})


async def run_bulk(
    scim: httpx.AsyncClient, *ops: dict[str, Any], **kw: Any
) -> list[dict[str, Any]]:
    """POST a BulkRequest, check the 200 BulkResponse against its schema, return its Operations."""
    response = await send(scim, bulk_request(*ops, **kw))
    assert response.status_code == 200, response.text
    body = response.json()
    assert jsonschemas.validation_errors("bulk-response", body) == []
    results: list[dict[str, Any]] = body["Operations"]
    return results


async def total(scim: httpx.AsyncClient, endpoint: str) -> int:
    response = await scim.get(endpoint)
    assert response.status_code == 200, response.text
    count: int = response.json()["totalResults"]
    return count


def resource_id(result: dict[str, Any]) -> str:
    """The id at the end of an operation result's location."""
    location: str = result["location"]
    return location.rsplit("/", 1)[-1]
