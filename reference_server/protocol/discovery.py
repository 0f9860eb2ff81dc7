"""Discovery (RFC 7644 §4, RFC 7643 §5-7): what this server does, and nothing it does not.

Every flag here is read from :class:`Features`, which the app builds from what is really
wired in; an app's ``/Schemas`` also shows the attributes its mapping makes required.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol.schema import resource_types

__all__ = [
    "Features",
    "RequiredPath",
    "list_response",
    "resource_type_representation",
    "schema_representations",
    "service_provider_config",
]

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@dataclass(frozen=True)
class Features:
    """What the server implements; discovery advertises exactly this."""

    patch: bool = True
    bulk: bool = False
    max_bulk_operations: int = 0
    max_bulk_payload: int = 0
    filter: bool = True
    max_results: int = 1000
    sort: bool = True
    etag: bool = True
    change_password: bool = False
    cursor_paging: bool = True
    """RFC 9865 cursor pagination, beside RFC 7644 index paging (the default method)."""
    cursor_timeout: int = 3600


@dataclass(frozen=True)
class RequiredPath:
    """An attribute that an app's mapping makes required: schema URN, attribute, sub-attribute."""

    schema: str
    attribute: str
    sub: str | None = None


def list_response(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A complete (unpaged) ListResponse (RFC 7644 §3.4.2)."""
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def service_provider_config(features: Features, base_url: str) -> dict[str, Any]:
    """RFC 7643 §5, with RFC 9865 §4's ``pagination``."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/scim-harness/scim-harness#readme",
        "patch": {"supported": features.patch},
        "bulk": {
            "supported": features.bulk,
            "maxOperations": features.max_bulk_operations if features.bulk else 0,
            "maxPayloadSize": features.max_bulk_payload if features.bulk else 0,
        },
        "filter": {"supported": features.filter, "maxResults": features.max_results},
        "changePassword": {"supported": features.change_password},
        "sort": {"supported": features.sort},
        "etag": {"supported": features.etag},
        # RFC 9865 §4: both methods; index stays the default (§2.4, for existing clients).
        "pagination": {
            "cursor": features.cursor_paging,
            "index": True,
            "defaultPaginationMethod": "index",
            "defaultPageSize": features.max_results,
            "maxPageSize": features.max_results,
            **({"cursorTimeout": features.cursor_timeout} if features.cursor_paging else {}),
        },
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "The app's Bearer Token, sent as 'Authorization: Bearer <token>'.",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }


def resource_type_representation(name: str, base_url: str) -> dict[str, Any]:
    """RFC 7643 §6."""
    rtype = resource_types()[name]
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": rtype.name,
        "name": rtype.name,
        "endpoint": rtype.endpoint,
        "description": rtype.description,
        "schema": rtype.schema.id,
    }
    if rtype.extensions:
        body["schemaExtensions"] = [{"schema": e.id, "required": False} for e in rtype.extensions]
    body["meta"] = {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/{name}"}
    return body


def schema_representations(
    base_url: str, required: Iterable[RequiredPath] = ()
) -> list[dict[str, Any]]:
    """RFC 7643 §7: each schema, with ``required: true`` where the app's mapping requires it."""
    wanted: dict[str, list[RequiredPath]] = {}
    for path in required:
        wanted.setdefault(path.schema.lower(), []).append(path)
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for rtype in resource_types().values():
        for schema in (rtype.schema, *rtype.extensions):
            if schema.id in seen:
                continue
            seen.add(schema.id)
            body = copy.deepcopy(schema.representation)
            for path in wanted.get(schema.id.lower(), ()):
                _mark_required(body["attributes"], path)
            body["meta"] = {"resourceType": "Schema", "location": f"{base_url}/Schemas/{schema.id}"}
            out.append(body)
    return out


def _mark_required(attributes: list[dict[str, Any]], path: RequiredPath) -> None:
    for attr in attributes:
        if attr["name"].lower() != path.attribute.lower():
            continue
        attr["required"] = True
        if path.sub is not None:
            for sub in attr.get("subAttributes", []):
                if sub["name"].lower() == path.sub.lower():
                    sub["required"] = True
