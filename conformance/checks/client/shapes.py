"""Client check on value shapes: multi-valued attributes as arrays, complex ones as objects."""

from __future__ import annotations

from typing import Any

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.body import as_boolean, ci_get, patch_operations
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.protocol.grammar import parse_patch_path, resolve_path
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType, resource_type

__all__ = ["value_shapes"]


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def _shape(attr: Attribute, value: Any, where: str, *, whole: bool = True) -> list[str]:
    """What is wrong with ``value`` for ``attr``; ``whole`` False: one item of a multi-valued."""
    if value is None:
        return []
    if attr.multi_valued and whole:
        if not isinstance(value, list):
            return [f"{where} is a single {_kind(value)}, not an array"]
        problems: list[str] = []
        primaries = sum(1 for v in value if as_boolean(ci_get(v, "primary")) is True)
        if primaries > 1:
            # RFC 7643 §2.4: the primary value "true" MUST appear no more than once.
            problems.append(f"{where} has {primaries} values with primary true")
        for position, item in enumerate(value):
            problems += _shape(attr, item, f"{where}[{position}]", whole=False)
        return problems
    if attr.is_complex and not isinstance(value, dict):
        return [f"{where} is the {_kind(value)} {value!r:.40}, not an object"]
    return []


def _body(body: Any, rtype: ResourceType, where: str = "") -> tuple[bool, list[str]]:
    """(whether the body holds any multi-valued or complex attribute, what is wrong)."""
    if not isinstance(body, dict):
        return False, []
    seen, problems = False, list[str]()
    for key, value in body.items():
        if not isinstance(key, str):
            continue
        ext = rtype.extension(key) if key.lower().startswith("urn:") else None
        pairs: list[tuple[Attribute | None, Any, str]]
        if ext is not None and isinstance(value, dict):
            pairs = [
                (ext.attribute(name), inner, f"{where}{key}:{name}")
                for name, inner in value.items()
                if isinstance(name, str)
            ]
        else:
            pairs = [(rtype.top_attribute(key), value, f"{where}{key}")]
        for attr, inner, place in pairs:
            if attr is not None and (attr.multi_valued or attr.is_complex):
                seen = True
                problems += _shape(attr, inner, place)
    return seen, problems


def _patch(record: Record, rtype: ResourceType) -> tuple[bool, list[str]]:
    seen, problems = False, list[str]()
    for op in patch_operations(record.body):
        where = f"{op.where()}."
        path = op.path_text
        if path is None:
            found, wrong = _body(op.value, rtype, where)
            seen, problems = seen or found, problems + wrong
            continue
        if op.kind not in ("add", "replace"):
            continue
        try:
            parsed = parse_patch_path(path, rtype)
        except ScimError:
            continue  # CLI-PAT-004 reports it
        resolved = resolve_path(parsed.attr, rtype)
        if resolved is None or resolved.sub is not None or parsed.sub is not None:
            continue  # a simple sub-attribute: nothing to shape
        top = resolved.top
        if top.multi_valued or top.is_complex:
            seen = True
            whole = parsed.value_filter is None
            problems += _shape(top, op.value, f"{where}{path}", whole=whole)
    return seen, problems


@client_check(
    "CLI-CRT-007",
    level="MUST",
    area="create",
    reference="RFC 7643 §2.3.8, §2.4",
    claim="Values have their attribute's shape: multi-valued ones (emails...) are arrays with at "
    "most one primary, complex ones (name, manager) are objects.",
    fix=(
        'Send emails as an array, e.g. [{"value": "...", "type": "work", "primary": true}], '
        'even for one address, with at most one primary; send manager as {"value": "<id>"}, '
        "not a bare id."
    ),
)
def value_shapes(traffic: Traffic) -> None:
    evidence = Evidence("requests carrying multi-valued or complex attributes")
    for record in traffic:
        if record.endpoint not in ("Users", "Groups") or record.search:
            continue
        rtype = resource_type("User" if record.endpoint == "Users" else "Group")
        seen, problems = False, list[str]()
        if record.method in ("POST", "PUT"):
            seen, problems = _body(record.body, rtype)
        elif record.method == "PATCH":
            seen, problems = _patch(record, rtype)
        problems = problems or [
            *record.finding_details("LENIENT-SINGLE-AS-ARRAY"),
            *record.finding_details("LENIENT-COMPLEX-AS-STRING"),
        ]
        if problems:
            evidence.bad(record, "; ".join(dict.fromkeys(problems)))
        elif seen:
            evidence.ok(record)
    evidence.conclude("no multi-valued or complex attribute in the traffic")
