"""Enforcing a target preset's rules on one request (see :mod:`.presets` for the rules).

:func:`enforce` reads the request (method, endpoint, body, query) before any handler runs and
refuses, with the RFC 7644 §3.12 error a client can act on, what the platform would refuse.
Each refusal notes the finding ``PRESET-RULE`` with the rule and its public source. Requests
the rules do not concern (or whose shape is wrong in a way the handler reports better: a
filter that does not parse, a body that is not JSON) pass through untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from scim_harness.reference_server.platform.presets import Preset, PresetRule
from scim_harness.reference_server.protocol.discovery import Features
from scim_harness.reference_server.protocol.errors import (
    InvalidFilter,
    InvalidValue,
    NotImplementedByServer,
    ScimError,
)
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.grammar.nodes import (
    And,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
)
from scim_harness.reference_server.protocol.grammar.parser import parse_filter, parse_patch_path
from scim_harness.reference_server.protocol.schema import resource_type

__all__ = ["Target", "enforce", "features", "max_results"]

_TYPES = {"Users": "User", "Groups": "Group"}
_ECHOED = {"id", "meta", "schemas"}
"""Read-only members a client may echo in a path-less value; the server ignores them."""


@dataclass(frozen=True)
class Target:
    """What a request addresses: ``Users``, ``Groups``, ``Bulk``, ``Me``... and how."""

    method: str
    endpoint: str
    resource_id: str | None = None
    search: bool = False

    @property
    def rtype(self) -> str | None:
        return _TYPES.get(self.endpoint)


def _refuse(rule: PresetRule, preset: Preset, findings: Findings, error: ScimError) -> None:
    findings.note("PRESET-RULE", f"{preset.title}: {rule.kind}: {rule.cite()}")
    error.detail = f"{error.detail} ({preset.title}: {rule.says}; {rule.source})"
    error.args = (error.detail,)
    raise error


def _key(data: dict[str, Any], name: str) -> Any:
    wanted = name.lower()
    return next((v for k, v in data.items() if isinstance(k, str) and k.lower() == wanted), None)


def _operations(body: Any) -> list[dict[str, Any]]:
    ops = _key(body, "Operations") if isinstance(body, dict) else None
    return [op for op in ops if isinstance(op, dict)] if isinstance(ops, list) else []


def _op_name(op: dict[str, Any]) -> str:
    name = _key(op, "op")
    return name.lower() if isinstance(name, str) else ""


def _op_attribute(op: dict[str, Any], rtype: str) -> list[str]:
    """The top-level attributes an operation touches (lower case)."""
    path = _key(op, "path")
    if isinstance(path, str) and path.strip():
        try:
            parsed = parse_patch_path(path, resource_type(rtype))
        except ScimError:
            return []  # the PATCH engine names a bad path better
        return [(parsed.attr.attr or parsed.attr.uri or "").lower()]
    value = _key(op, "value")
    if isinstance(value, dict):
        names = [k.split(".", 1)[0].lower() for k in value if isinstance(k, str)]
        return [n for n in names if n not in _ECHOED]
    return []


def _member_values(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    return 1 if isinstance(value, dict) else 0


def _membership_changes(op: dict[str, Any], rtype: str) -> int:
    if "members" not in _op_attribute(op, rtype):
        return 0
    path = _key(op, "path")
    value = _key(op, "value")
    if not isinstance(path, str) or not path.strip():
        return _member_values(_key(value, "members")) if isinstance(value, dict) else 0
    if "[" in path:
        return 1  # members[value eq "..."]: one member
    return _member_values(value)


def _whole_members(op: dict[str, Any], rtype: str, rule: PresetRule) -> str | None:
    if "members" not in _op_attribute(op, rtype):
        return None
    name = _op_name(op)
    path = _key(op, "path")
    filtered = isinstance(path, str) and "[" in path
    if name == "replace":
        return "replaces the whole member list"
    if name == "remove" and not filtered:
        if _key(op, "value") is None:
            return "removes every member"
        if rule.params.get("removeNeedsFilter"):
            return 'removes members without a value filter (members[value eq "<id>"])'
    return None


def _operators(node: Filter) -> set[str]:
    if isinstance(node, Compare):
        return {node.op}
    if isinstance(node, Present):
        return {"pr"}
    if isinstance(node, Not):
        return {"not"} | _operators(node.inner)
    if isinstance(node, ValuePath):
        return {"[]"} | _operators(node.filter)
    if isinstance(node, And | Or):
        word = "and" if isinstance(node, And) else "or"
        return {word} | _operators(node.left) | _operators(node.right)
    return set()


def _filter_text(target: Target, body: Any, query: dict[str, Any]) -> str | None:
    if target.search:
        text = _key(body, "filter") if isinstance(body, dict) else None
    else:
        text = _key(query, "filter")
    return text if isinstance(text, str) else None


def enforce(
    preset: Preset, target: Target, body: Any, query: dict[str, Any], findings: Findings
) -> None:
    """Refuse ``target`` when a rule of ``preset`` forbids it; see the module docstring."""
    rtype = target.rtype
    writes = target.method in ("POST", "PUT", "PATCH") and not target.search
    for rule in preset.rules:
        p = rule.params
        if rule.kind == "unsupportedMethod":
            wanted = p.get("resourceType")
            if target.method == p.get("method") and rtype and wanted in (None, rtype):
                msg = f"{target.method} /{target.endpoint} is not supported by this platform"
                _refuse(rule, preset, findings, NotImplementedByServer(msg))
        elif rule.kind == "unsupportedEndpoint":
            hit = target.endpoint == p.get("endpoint") or (
                p.get("endpoint") == ".search" and target.search
            )
            if hit:
                msg = f"/{p.get('endpoint')} is not supported by this platform"
                _refuse(rule, preset, findings, NotImplementedByServer(msg))
        elif rule.kind == "filterOperators" and rtype and target.method in ("GET", "POST"):
            text = _filter_text(target, body, query)
            if text is None:
                continue
            try:
                used = _operators(parse_filter(text, resource_type(rtype)))
            except ScimError:
                continue  # the handler answers the malformed filter itself
            banned = sorted(used - set(p.get("allowed", [])))
            if banned:
                msg = f"filter operator(s) {', '.join(banned)} not supported by this platform"
                _refuse(rule, preset, findings, InvalidFilter(msg))
        elif rtype and writes:
            _check_write(rule, preset, target, rtype, body, findings)


def _check_write(
    rule: PresetRule, preset: Preset, target: Target, rtype: str, body: Any, findings: Findings
) -> None:
    p = rule.params
    ops = _operations(body) if target.method == "PATCH" else []
    if rule.kind == "maxPatchOperations" and p.get("resourceType") in (None, rtype):
        if len(ops) > p["limit"]:
            msg = f"{len(ops)} operations in one PATCH; at most {p['limit']} are taken"
            _refuse(rule, preset, findings, InvalidValue(msg))
    elif rule.kind == "maxMembershipChanges" and rtype == "Group" and ops:
        changes = sum(_membership_changes(op, rtype) for op in ops)
        if changes > p["limit"]:
            msg = f"{changes} membership changes in one PATCH; at most {p['limit']} are taken"
            _refuse(rule, preset, findings, InvalidValue(msg))
    elif rule.kind == "maxMembersOnCreate" and rtype == "Group" and target.method == "POST":
        members = _key(body, "members") if isinstance(body, dict) else None
        if isinstance(members, list) and len(members) > p["limit"]:
            msg = f"{len(members)} members in one create; at most {p['limit']} are taken"
            _refuse(rule, preset, findings, InvalidValue(msg))
    elif rule.kind == "noWholeMembersChange" and rtype == "Group":
        for index, op in enumerate(ops):
            why = _whole_members(op, rtype, rule)
            if why is not None:
                msg = f"Operations[{index}] {why}; change members one by one"
                _refuse(rule, preset, findings, InvalidValue(msg))
    elif rule.kind == "patchAttributes" and p.get("resourceType") == rtype:
        for index, op in enumerate(ops):
            allowed = {a.lower() for a in p.get(_op_name(op), [])}
            for attribute in _op_attribute(op, rtype):
                if attribute not in allowed:
                    msg = f"Operations[{index}]: {_op_name(op)!r} of {attribute!r} not supported"
                    _refuse(rule, preset, findings, InvalidValue(msg))
    elif rule.kind == "singleValued" and isinstance(body, dict):
        for attribute in p.get("attributes", []):
            given = _values_given(attribute, body, ops, rtype)
            if given > 1:
                msg = f"{attribute} takes a single value here, not {given}"
                _refuse(rule, preset, findings, InvalidValue(msg))


def _values_given(
    attribute: str, body: dict[str, Any], ops: list[dict[str, Any]], rtype: str
) -> int:
    """How many values of ``attribute`` one write sends (the most any part of it sends)."""
    if not ops:
        found = _key(body, attribute)
        return len(found) if isinstance(found, list) else 0
    most = 0
    for op in ops:
        value = _key(op, "value")
        path = _key(op, "path")
        if isinstance(path, str) and path.strip():
            if _op_attribute(op, rtype) == [attribute.lower()] and isinstance(value, list):
                most = max(most, len(value))
        elif isinstance(value, dict) and isinstance(_key(value, attribute), list):
            most = max(most, len(_key(value, attribute)))
    return most


def features(base: Features, preset: Preset | None) -> Features:
    """What discovery advertises for an app with ``preset``: what its rules leave working."""
    if preset is None:
        return base
    out = base
    for rule in preset.rules:
        if rule.kind == "unsupportedEndpoint" and rule.params.get("endpoint") == "Bulk":
            out = replace(out, bulk=False)
        elif rule.kind == "unsupportedMethod" and (
            rule.params.get("method") == "PATCH" and rule.params.get("resourceType") is None
        ):
            out = replace(out, patch=False)
    return replace(out, max_results=max_results(out.max_results, preset))


def max_results(base: int, preset: Preset | None) -> int:
    """The largest page of a list (RFC 7644 §3.4.2.4: the server may return fewer)."""
    limits = [int(r.params["limit"]) for r in preset.of_kind("maxResults")] if preset else []
    return min([base, *limits])
