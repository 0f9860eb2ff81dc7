"""Builders for the PATCH engine tests: stored resources, PatchOps, and a runner."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.patch.engine import PatchOutcome, apply_patch
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import (
    CORE_GROUP,
    CORE_USER,
    ENTERPRISE_USER,
    resource_type,
)

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_ID = "2819c223-7f76-453a-919d-413861904646"
MANAGER_ID = "26118915-6090-4610-87e4-49d8ca9f808d"
GROUP_ID = "e9e30dba-f08f-4109-8486-d5c6a331660a"
ALICE = "6c5bb468-14b2-4183-baf2-06d523e03bd3"
BOB = "902c246b-6245-4190-8e05-00816be7344a"
CAROL = "b7a1e3c2-5f0d-4e1b-9c8a-3d2f1e0a9b8c"
BASE = "https://scim.example.com/apps/demo/scim/v2"
_ABSENT = object()


def user(**overrides: Any) -> dict[str, Any]:
    """A stored canonical User as Entra ID would have created it, with the enterprise extension."""
    resource: dict[str, Any] = {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "id": USER_ID,
        "externalId": "bjensen-ext",
        "userName": "bjensen@example.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen",
            "familyName": "Jensen",
            "givenName": "Barbara",
        },
        "displayName": "Babs Jensen",
        "active": True,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
        "addresses": [
            {
                "type": "work",
                "streetAddress": "100 Universal City Plaza",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "USA",
                "primary": True,
            }
        ],
        ENTERPRISE_USER: {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {
                "value": MANAGER_ID,
                "$ref": f"{BASE}/Users/{MANAGER_ID}",
                "displayName": "John Smith",
            },
        },
        "meta": {
            "resourceType": "User",
            "created": "2024-01-23T04:56:22.000000Z",
            "lastModified": "2024-05-13T04:42:34.000000Z",
            "location": f"{BASE}/Users/{USER_ID}",
            "version": 'W/"3"',
        },
    }
    resource.update(overrides)
    return resource


def member(member_id: str, display: str) -> dict[str, Any]:
    return {
        "value": member_id,
        "$ref": f"{BASE}/Users/{member_id}",
        "type": "User",
        "display": display,
    }


def group(*members: tuple[str, str], **overrides: Any) -> dict[str, Any]:
    """A stored canonical Group; ``members`` as (id, display) pairs."""
    resource: dict[str, Any] = {
        "schemas": [CORE_GROUP],
        "id": GROUP_ID,
        "externalId": "tour-guides",
        "displayName": "Tour Guides",
        "members": [member(m, d) for m, d in members],
        "meta": {
            "resourceType": "Group",
            "created": "2024-01-23T04:56:22.000000Z",
            "lastModified": "2024-05-13T04:42:34.000000Z",
            "location": f"{BASE}/Groups/{GROUP_ID}",
            "version": 'W/"7"',
        },
    }
    if not members:
        del resource["members"]
    resource.update(overrides)
    return resource


def op(name: str, path: str | None = None, value: Any = _ABSENT) -> dict[str, Any]:
    """One PATCH operation; ``path`` and ``value`` left out when not given."""
    operation: dict[str, Any] = {"op": name}
    if path is not None:
        operation["path"] = path
    if value is not _ABSENT:
        operation["value"] = value
    return operation


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@dataclass
class Run:
    """The outcome of one PatchOp and the findings it recorded."""

    outcome: PatchOutcome
    findings: Findings

    @property
    def resource(self) -> dict[str, Any]:
        return self.outcome.resource

    @property
    def finding_ids(self) -> list[str]:
        return [f.id for f in self.findings.items]


def run(stored: dict[str, Any], *operations: dict[str, Any], lenient: bool = True) -> Run:
    """Apply ``operations`` to ``stored`` (a User or Group, told by its schemas)."""
    rtype = resource_type("Group" if CORE_GROUP in stored.get("schemas", []) else "User")
    findings = Findings(lenient=lenient)
    before = copy.deepcopy(stored)
    outcome = apply_patch(rtype, stored, patch_body(*operations), findings)
    if stored != before:
        msg = "apply_patch modified the stored resource"
        raise AssertionError(msg)
    return Run(outcome, findings)


def apply_raw(stored: dict[str, Any], body: Any, *, lenient: bool = True) -> PatchOutcome:
    """Apply any body, well-formed or not."""
    rtype = resource_type("Group" if CORE_GROUP in stored.get("schemas", []) else "User")
    return apply_patch(rtype, stored, body, Findings(lenient=lenient))


def emails_by_type(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e.get("type", ""): e for e in resource.get("emails", [])}


def member_ids(resource: dict[str, Any]) -> list[str]:
    return [m["value"] for m in resource.get("members", [])]
