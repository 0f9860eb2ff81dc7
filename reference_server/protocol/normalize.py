"""Attribute names to their canonical case, and the lenient coercions real clients need.

RFC 7643 §2.1: attribute names and schema URIs are case-insensitive. Bodies are normalised
here before JSON Schema validation, so the schemas can be strict about canonical names.
This layer fixes only names and the tolerated shapes (each recorded as a finding); types are
the JSON Schemas' business.
"""

from __future__ import annotations

from typing import Any

from scim_harness.reference_server.protocol.errors import InvalidSyntax, InvalidValue
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType, Schema

__all__ = ["coerce_boolean", "normalize_attribute_value", "normalize_resource"]

_STRING_BOOLEANS = {"true": True, "false": False}


def coerce_boolean(value: Any, where: str, findings: Findings) -> Any:
    """A JSON boolean as is; "True"/"false" tolerated in lenient mode (Entra ID sends them)."""
    if isinstance(value, str) and value.lower() in _STRING_BOOLEANS:
        findings.tolerate(
            "LENIENT-STRING-BOOLEAN",
            f"{where}: boolean sent as the string {value!r}",
            InvalidValue,
        )
        return _STRING_BOOLEANS[value.lower()]
    return value


def normalize_attribute_value(attr: Attribute, value: Any, where: str, findings: Findings) -> Any:
    """Canonical names inside one attribute's value, with lenient coercions."""
    if value is None:
        return None
    if attr.multi_valued:
        if isinstance(value, dict) and attr.is_complex:
            findings.tolerate(
                "LENIENT-SINGLE-AS-ARRAY",
                f"{where}: multi-valued attribute sent as one object, not an array",
                InvalidValue,
            )
            value = [value]
        if not isinstance(value, list):
            return value  # the JSON Schema names the type error
        return [
            _normalize_single(attr, item, f"{where}[{i}]", findings) for i, item in enumerate(value)
        ]
    return _normalize_single(attr, value, where, findings)


def _normalize_single(attr: Attribute, value: Any, where: str, findings: Findings) -> Any:
    if attr.type == "boolean":
        return coerce_boolean(value, where, findings)
    if attr.is_complex and isinstance(value, str) and attr.sub("value") is not None:
        # Entra ID sends the enterprise manager as a bare id ({"path": "...:manager", "value": id}).
        findings.tolerate(
            "LENIENT-COMPLEX-AS-STRING",
            f"{where}: complex attribute sent as the string {value!r}, taken as its 'value'",
            InvalidValue,
        )
        return {"value": value}
    if attr.is_complex and isinstance(value, dict):
        return _normalize_object(value, attr.sub_attributes, where, findings)
    return value


def _normalize_object(
    value: dict[str, Any], attrs: dict[str, Attribute], where: str, findings: Findings
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        sub = attrs.get(key.lower())
        if sub is None:
            findings.tolerate(
                "LENIENT-UNKNOWN-ATTRIBUTE",
                f"{where}.{key}: no such sub-attribute",
                InvalidSyntax,
            )
            continue
        out[sub.name] = normalize_attribute_value(sub, item, f"{where}.{sub.name}", findings)
    return out


def _normalize_extension(schema: Schema, value: Any, findings: Findings) -> dict[str, Any] | Any:
    if not isinstance(value, dict):
        return value
    return _normalize_object(value, schema.attributes, schema.id, findings)


def normalize_resource(rtype: ResourceType, body: Any, findings: Findings) -> dict[str, Any]:
    """A request body with every known attribute name in canonical case.

    Unknown attributes are tolerated (dropped, with a finding) in lenient mode and refused
    with ``invalidSyntax`` in strict mode.
    """
    if not isinstance(body, dict):
        msg = f"a {rtype.name} must be a JSON object, not {type(body).__name__}"
        raise InvalidSyntax(msg)
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key.lower() == "schemas":
            out["schemas"] = _normalize_schemas(rtype, value, findings)
            continue
        ext = rtype.schema_for(key)
        if ext is not None and ext is not rtype.schema:
            out[ext.id] = _normalize_extension(ext, value, findings)
            continue
        attr = rtype.top_attribute(key)
        if attr is None:
            findings.tolerate(
                "LENIENT-UNKNOWN-ATTRIBUTE",
                f"{key}: not an attribute of {rtype.schema.id} or its extensions",
                InvalidSyntax,
            )
            continue
        out[attr.name] = normalize_attribute_value(attr, value, attr.name, findings)
    return out


def _normalize_schemas(rtype: ResourceType, value: Any, findings: Findings) -> Any:
    if not isinstance(value, list):
        return value
    known: list[str] = []
    for uri in value:
        if not isinstance(uri, str):
            return value  # the JSON Schema names the type error
        schema = rtype.schema_for(uri)
        if schema is None:
            findings.tolerate(
                "LENIENT-UNKNOWN-SCHEMA",
                f"schemas: {uri!r} is not a schema of the {rtype.name} resource type",
                InvalidValue,
            )
            continue
        if schema.id not in known:
            known.append(schema.id)
    return known
