"""Helpers for the platform tests: PatchOps, mappings, and reading directory records."""

from __future__ import annotations

from typing import Any

import httpx
from scim_harness.reference_server.protocol import jsonschemas
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import group_body, user_body

from scim_harness import fixtures

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def mapping(name: str) -> dict[str, Any]:
    """A mapping from fixtures/mappings (``default``, ``example-extended``)."""
    data: dict[str, Any] = fixtures.load_json("mappings", f"{name}.json")
    return data


def directory(store: SqliteStore, rtype: str, rid: str) -> dict[str, Any] | None:
    """The stored platform record of a resource of app 'demo' (None without one)."""
    stored = store.get("demo", rtype, rid)
    assert stored is not None, f"{rtype} {rid} is not stored"
    return stored.directory


def valid_directory(store: SqliteStore, rtype: str, rid: str) -> dict[str, Any]:
    """The platform record, checked against its JSON Schema."""
    record = directory(store, rtype, rid)
    assert record is not None
    name = "directory-user" if rtype == "User" else "directory-group"
    assert jsonschemas.validation_errors(name, record) == []
    return record


async def create_user(scim: httpx.AsyncClient, name: str, **overrides: Any) -> dict[str, Any]:
    response = await scim.post("/Users", json=user_body(name, **overrides))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def create_group(
    scim: httpx.AsyncClient, name: str, members: list[str] | None = None
) -> dict[str, Any]:
    response = await scim.post("/Groups", json=group_body(name, members))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data
