"""Client checks on groups: displayName, lookups, member ids and member removal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.body import PatchOperation, ci_get, patch_operations
from scim_harness.conformance.traffic.index import group_identity
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.protocol.grammar import (
    And,
    Compare,
    Filter,
    Or,
    parse_patch_path,
)
from scim_harness.reference_server.protocol.schema import resource_type

__all__ = [
    "group_display_name",
    "lookup_before_group_create",
    "member_removal_by_filter",
    "member_values_are_ids",
]


def _is_members(path: Any) -> bool:
    return isinstance(path, str) and path.strip().lower() == "members"


@client_check(
    "CLI-GRP-001",
    level="MUST",
    area="groups",
    reference="RFC 7643 §4.2; Platform: group name mapping",
    claim="Every group create and replace carries a non-empty displayName.",
    fix=(
        "Send the group's name as displayName in POST /Groups and PUT /Groups/{id}; the "
        "platform maps it to Group Name and refuses a group without it."
    ),
)
def group_display_name(traffic: Traffic) -> None:
    evidence = Evidence("group creates and replaces")
    for record in traffic:
        if not (
            record.is_create("Groups") or (record.method == "PUT" and record.is_resource("Groups"))
        ):
            continue
        name = ci_get(record.body, "displayName")
        if not isinstance(name, str) or not name.strip():
            evidence.bad(record, "no displayName" if name is None else f"displayName is {name!r}")
        else:
            evidence.ok(record)
    evidence.conclude("no POST /Groups or PUT /Groups/{id} in the traffic")


@client_check(
    "CLI-GRP-002",
    level="SHOULD",
    area="groups",
    reference="RFC 7644 §3.3, §3.4.2.2",
    claim="Before creating a group, the client looks it up by displayName (or externalId).",
    fix=(
        'Before each POST /Groups, query GET /Groups?filter=displayName eq "<name>" (with '
        "excludedAttributes=members) and adopt the group found."
    ),
)
def lookup_before_group_create(traffic: Traffic) -> None:
    index = traffic.index
    evidence = Evidence("group creates")
    for record in traffic:
        if not record.is_create("Groups"):
            continue
        identity = group_identity(record.body)
        if not identity:
            continue  # CLI-GRP-001 reports the missing displayName
        if index.lookup_between("Groups", identity, 0, record.seq) is None:
            evidence.bad(record, "no earlier GET /Groups?filter=... for this group")
        else:
            evidence.ok(record)
    evidence.conclude("no POST /Groups in the traffic")


def _filter_values(node: Filter) -> Iterator[Any]:
    if isinstance(node, And | Or):
        yield from _filter_values(node.left)
        yield from _filter_values(node.right)
    elif isinstance(node, Compare) and node.path.attr.lower() == "value" and node.op == "eq":
        yield node.value


def _list_values(members: Any) -> Iterator[Any]:
    items = members if isinstance(members, list) else [members] if isinstance(members, dict) else []
    for item in items:
        if isinstance(item, dict):
            yield ci_get(item, "value")


def _op_member_values(op: PatchOperation) -> Iterator[Any]:
    path = op.path_text
    if path is None:
        yield from _list_values(ci_get(op.value, "members"))
    elif _is_members(path):
        yield from _list_values(op.value)
    elif path.strip().lower().startswith("members["):
        try:
            parsed = parse_patch_path(path, resource_type("Group"))
        except ScimError:
            return  # CLI-PAT-004 reports the path
        if parsed.value_filter is not None:
            yield from _filter_values(parsed.value_filter)


def _member_values(record: Record) -> list[Any]:
    if record.endpoint != "Groups":
        return []
    if record.is_create("Groups") or (record.method == "PUT" and record.is_resource("Groups")):
        return list(_list_values(ci_get(record.body, "members")))
    if record.method == "PATCH" and record.is_resource("Groups"):
        return [v for op in patch_operations(record.body) for v in _op_member_values(op)]
    return []


@client_check(
    "CLI-GRP-003",
    level="MUST",
    area="groups",
    reference="RFC 7643 §4.2, §8.7.1",
    claim="members[].value is the id the server assigned to the member, not a userName or e-mail.",
    fix=(
        "Put the member's server id (from the POST /Users answer or a lookup) in "
        'members[].value, e.g. {"value": "2819c223-..."}; a userName or e-mail there is '
        "refused or, worse, matches nothing."
    ),
)
def member_values_are_ids(traffic: Traffic) -> None:
    index = traffic.index
    evidence = Evidence("requests naming group members")
    for record in traffic:
        values = _member_values(record)
        if not values:
            continue
        problems: list[str] = []
        judged = False
        for value in values:
            if not isinstance(value, str) or not value:
                problems.append(f"member value {value!r} is not an id")
            elif index.known_id(value):
                judged = True
            elif owners := index.user_name_owner(value) or index.group_name_owner(value):
                problems.append(f"member value {value!r} is a name; its id is {owners[0]!r}")
            elif not record.ok:
                problems.append(f"member value {value!r} is no id the server assigned")
        if problems:
            evidence.bad(record, "; ".join(problems))
        elif judged:
            evidence.ok(record)
    evidence.conclude("no group member values in the traffic")


@client_check(
    "CLI-GRP-004",
    level="MUST",
    area="groups",
    reference="RFC 7644 §3.5.2.2",
    claim='Members are removed with a value filter path (members[value eq "<id>"]), never with '
    '"path": "members" and a value list.',
    fix=(
        'Remove one member with {"op": "remove", "path": "members[value eq \\"<id>\\"]"}; '
        'a remove of "members" ignores its value and empties the whole group on an RFC server.'
    ),
)
def member_removal_by_filter(traffic: Traffic) -> None:
    evidence = Evidence("member removals")
    for record in traffic:
        if record.method != "PATCH" or not record.is_resource("Groups"):
            continue
        flagged = record.finding_details("LENIENT-MEMBERS-REMOVE-LIST")
        for op in patch_operations(record.body):
            if op.kind != "remove" or not isinstance(op.path, str):
                continue
            lowered = op.path.strip().lower()
            if _is_members(op.path) and op.has_value and op.value not in (None, []):
                evidence.bad(record, f"{op.where()}: remove of members with a value list")
            elif lowered.startswith("members"):
                evidence.ok(record)
        if flagged and not any(r is record for r, _ in evidence.problems):
            evidence.bad(record, "; ".join(flagged))
    evidence.conclude("no member removal in the traffic")
