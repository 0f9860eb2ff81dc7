"""What a group request does to the group's members, as the client stated it.

:func:`member_changes` reads a PATCH or PUT of ``/Groups/{id}`` into :class:`MemberChange`
steps, in the order the server applies them (RFC 7644 §3.5.2: operations in sequence):

- ``add``: ``add`` with path ``members``, or a path-less ``add`` whose value holds ``members``;
- ``remove``: ``remove`` with ``members[value eq "<id>"]`` (any ``or`` of such terms), or with
  path ``members`` and a value list (Entra's form; the reference server removes just those);
- ``clear``: ``remove`` of ``members`` without a value, or with a filter this module cannot
  resolve to ids (the state model then forgets what it knew, rather than guess);
- ``replace``: ``replace`` with path ``members`` or a path-less ``replace`` holding
  ``members``, and a ``PUT`` (its ``members``, none when absent: RFC 7644 §3.5.1 replaces
  every attribute the body leaves out).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scim_harness.conformance.traffic.body import PatchOperation, ci_get, ci_has, patch_operations
from scim_harness.conformance.traffic.records import Record
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.protocol.grammar import Compare, Filter, Or, parse_patch_path
from scim_harness.reference_server.protocol.schema import resource_type

__all__ = ["MemberChange", "member_changes", "resource_members"]


@dataclass(frozen=True)
class MemberChange:
    kind: str
    """``add``, ``remove``, ``clear`` or ``replace``."""
    ids: tuple[str, ...] = ()
    how: str = ""
    """How messages name the request part: ``a replace of members``, ``a PUT``."""


def resource_members(body: Any) -> list[str]:
    """The ``members[].value`` ids of a group representation, in order."""
    return _values(ci_get(body, "members"))


def _values(members: Any) -> list[str]:
    items = members if isinstance(members, list) else [members] if isinstance(members, dict) else []
    out: list[str] = []
    for item in items:
        value = ci_get(item, "value")
        if isinstance(value, str) and value and value not in out:
            out.append(value)
    return out


def _filter_ids(node: Filter) -> Iterator[str] | None:
    if isinstance(node, Or):
        left, right = _filter_ids(node.left), _filter_ids(node.right)
        if left is None or right is None:
            return None
        return iter([*left, *right])
    if (
        isinstance(node, Compare)
        and node.op == "eq"
        and node.path.attr.lower() == "value"
        and isinstance(node.value, str)
    ):
        return iter([node.value])
    return None  # an `and`, another attribute or operator: not a list of ids


def _removed_by_filter(path: str) -> tuple[str, ...] | None:
    try:
        parsed = parse_patch_path(path, resource_type("Group"))
    except ScimError:
        return None
    if parsed.value_filter is None or parsed.sub is not None:
        return None
    found = _filter_ids(parsed.value_filter)
    return None if found is None else tuple(found)


def _is_members(path: str) -> bool:
    return path.strip().lower() == "members"


def _operation(op: PatchOperation) -> MemberChange | None:
    path = op.path_text
    if op.kind == "add":
        if path is not None and _is_members(path):
            return MemberChange("add", tuple(_values(op.value)))
        if path is None and ci_has(op.value, "members"):
            return MemberChange("add", tuple(resource_members(op.value)))
    elif op.kind == "replace":
        if path is not None and _is_members(path):
            return MemberChange("replace", tuple(_values(op.value)), "a replace of members")
        if path is None and ci_has(op.value, "members"):
            ids = tuple(resource_members(op.value))
            return MemberChange("replace", ids, "a path-less replace with members")
    elif op.kind == "remove" and path is not None:
        if _is_members(path):
            if op.has_value and _values(op.value):
                return MemberChange("remove", tuple(_values(op.value)))
            return MemberChange("clear")
        if path.strip().lower().startswith("members["):
            removed = _removed_by_filter(path)
            return MemberChange("clear") if removed is None else MemberChange("remove", removed)
    return None


def member_changes(record: Record) -> list[MemberChange]:
    """The member steps of a PUT or PATCH on one group (empty for anything else)."""
    if record.endpoint != "Groups" or record.resource_id is None:
        return []
    if record.method == "PUT":
        ids = tuple(resource_members(record.body))
        return [MemberChange("replace", ids, "a PUT")]
    if record.method != "PATCH":
        return []
    changes = [_operation(op) for op in patch_operations(record.body)]
    return [change for change in changes if change is not None]
