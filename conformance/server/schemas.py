"""Which JSON Schema a SCIM response must satisfy, and whether it does.

The schema is chosen from the request (method, endpoint) and the status: an error status is an
RFC 7644 §3.12 Error, a list or ``/.search`` a ListResponse whose every Resource is checked
against its own resource schema, and so on. With ``attributes``/``excludedAttributes`` a
resource may legitimately lack attributes (RFC 7644 §3.4.2.5), so missing ones are not counted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scim_harness.reference_server.protocol.jsonschemas import validation_errors

__all__ = ["response_schema_errors", "schema_for"]

_RESOURCE_SCHEMAS = {"users": "user", "groups": "group"}
_MISSING = "required attribute is missing"
_NO_TOTAL = f"totalResults: {_MISSING}"


def _segments(url: str) -> list[str]:
    return [s for s in urlsplit(url).path.split("/") if s]


def schema_for(method: str, url: str, status: int) -> str | None:
    """The schema name of the response body (None: no body is expected or none applies).

    A list schema is named ``list-response+<item schema>``.
    """
    if status in (204, 304):
        return None
    if status >= 400:
        return "error"
    if not 200 <= status < 300:
        return None
    segments = _segments(url)
    last = segments[-1].lower() if segments else ""
    before = segments[-2].lower() if len(segments) > 1 else ""
    if last == "serviceproviderconfig":
        return "service-provider-config"
    if last == "resourcetypes":
        return "list-response+resource-type"
    if before == "resourcetypes":
        return "resource-type"
    if last == "schemas":
        return "list-response+schema"
    if before == "schemas":
        return "schema"
    if last == "bulk":
        return "bulk-response"
    if last == ".search":
        return f"list-response+{_RESOURCE_SCHEMAS.get(before, 'any')}"
    if last in _RESOURCE_SCHEMAS:
        if method == "GET":
            return f"list-response+{_RESOURCE_SCHEMAS[last]}"
        return _RESOURCE_SCHEMAS[last] if method == "POST" else None
    if before in _RESOURCE_SCHEMAS and method in ("GET", "PUT", "PATCH", "POST"):
        return _RESOURCE_SCHEMAS[before]
    return None


def _item_schema(declared: str, resource: dict[str, Any]) -> str | None:
    if declared != "any":
        return declared
    meta = resource.get("meta")
    kind = meta.get("resourceType") if isinstance(meta, dict) else None
    if kind == "User":
        return "user"
    if kind == "Group":
        return "group"
    schemas = resource.get("schemas")
    if isinstance(schemas, list):
        if "urn:ietf:params:scim:schemas:core:2.0:User" in schemas:
            return "user"
        if "urn:ietf:params:scim:schemas:core:2.0:Group" in schemas:
            return "group"
    return None


def _errors(name: str, instance: Any, projected: bool) -> list[str]:
    found = validation_errors(name, instance)
    if projected:
        found = [m for m in found if not m.endswith(_MISSING)]
    return found


def response_schema_errors(
    method: str, url: str, status: int, body: Any, *, projected: bool = False, cursor: bool = False
) -> tuple[str, list[str]] | None:
    """(schema file, problems) for a response; None when no schema applies to it.

    ``cursor``: the request asked for a cursor page, where totalResults may be omitted
    (RFC 9865 §2), the last page included.
    """
    name = schema_for(method, url, status)
    if name is None:
        return None
    if body is None:
        if name == "error":
            return None  # an error without a body: nothing to validate (HEAD-like answers)
        return f"{name.split('+')[0]}.schema.json", ["(root): the response has no JSON body"]
    if not name.startswith("list-response+"):
        return f"{name}.schema.json", _errors(name, body, projected=projected)
    problems = _errors("list-response", body, projected=False)
    if cursor:
        problems = [m for m in problems if m != _NO_TOTAL]
    declared = name.split("+", 1)[1]
    resources = body.get("Resources") if isinstance(body, dict) else None
    for index, resource in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(resource, dict):
            continue
        item = _item_schema(declared, resource)
        if item is None:
            continue
        # Discovery lists are never projected; resources may be.
        partial = projected and item in ("user", "group")
        for message in _errors(item, resource, partial):
            joined = message.removeprefix("(root)")
            problems.append(f"Resources[{index}]{'' if joined != message else '.'}{joined}")
    return "list-response.schema.json", problems
