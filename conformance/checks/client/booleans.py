"""Client check on booleans: ``true``/``false`` JSON literals, never strings such as "False"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.body import patch_operations
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.protocol.grammar import (
    parse_patch_path,
    resolve_path,
    resolve_sub,
)
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType, resource_type

__all__ = ["json_booleans"]

Seen = tuple[str, Any]
"""A boolean attribute's place in the body and the value sent there."""


def _attribute(attr: Attribute, value: Any, where: str) -> Iterator[Seen]:
    if attr.type == "boolean":
        if value is not None:
            yield where, value
        return
    if not attr.is_complex:
        return
    items = value if attr.multi_valued and isinstance(value, list) else [value]
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        prefix = f"{where}[{position}]" if attr.multi_valued and isinstance(value, list) else where
        for key, sub_value in item.items():
            sub = attr.sub(key) if isinstance(key, str) else None
            if sub is not None:
                yield from _attribute(sub, sub_value, f"{prefix}.{sub.name}")


def _body(body: Any, rtype: ResourceType, where: str = "") -> Iterator[Seen]:
    """Every boolean attribute in a resource body (or a path-less PATCH value)."""
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        if not isinstance(key, str):
            continue
        ext = rtype.extension(key) if key.lower().startswith("urn:") else None
        if ext is not None and isinstance(value, dict):
            for name, inner in value.items():
                attr = ext.attribute(name) if isinstance(name, str) else None
                if attr is not None:
                    yield from _attribute(attr, inner, f"{where}{key}:{attr.name}")
            continue
        top_name, _, sub_name = key.partition(".")  # dotted keys (Entra aadOptscim062020)
        top = rtype.top_attribute(top_name)
        if top is None:
            continue
        if sub_name:
            sub = top.sub(sub_name)
            if sub is not None:
                yield from _attribute(sub, value, f"{where}{top.name}.{sub.name}")
        else:
            yield from _attribute(top, value, f"{where}{top.name}")


def _patch(record: Record, rtype: ResourceType) -> Iterator[Seen]:
    for op in patch_operations(record.body):
        where = f"{op.where()}."
        path = op.path_text
        if path is None:
            yield from _body(op.value, rtype, where)
            continue
        try:
            parsed = parse_patch_path(path, rtype)
        except ScimError:
            continue  # CLI-PAT-004 reports paths that do not parse
        resolved = resolve_path(parsed.attr, rtype)
        if resolved is None:
            continue
        leaf = resolved.leaf
        if parsed.sub is not None:
            found = resolve_sub(resolved.top, parsed.sub)
            if found is None:
                continue
            leaf = found
        if op.kind in ("add", "replace"):
            yield from _attribute(leaf, op.value, f"{where}{path}")


def _seen(record: Record) -> list[Seen]:
    if record.endpoint not in ("Users", "Groups") or record.search:
        return []
    rtype = resource_type("User" if record.endpoint == "Users" else "Group")
    if record.method in ("POST", "PUT"):
        return list(_body(record.body, rtype))
    if record.method == "PATCH":
        return list(_patch(record, rtype))
    return []


@client_check(
    "CLI-BOOL-001",
    level="MUST",
    area="booleans",
    reference="RFC 7643 §2.3.2; RFC 8259 §3",
    claim="Boolean attributes (active, primary...) are sent as JSON true/false, never as strings.",
    fix=(
        'Send "active": false (a JSON literal), not "False" or "false" in quotes, in creates, '
        "replaces and PATCH values; string booleans are refused by strict servers."
    ),
)
def json_booleans(traffic: Traffic) -> None:
    evidence = Evidence("requests carrying booleans")
    for record in traffic:
        seen = _seen(record)
        wrong = [f"{where} is {value!r}" for where, value in seen if not isinstance(value, bool)]
        wrong = wrong or record.finding_details("LENIENT-STRING-BOOLEAN")
        if wrong:
            evidence.bad(record, "; ".join(dict.fromkeys(wrong)) + " (not a JSON boolean)")
        elif seen:
            evidence.ok(record)
    evidence.conclude("no boolean attribute in any request of the traffic")
