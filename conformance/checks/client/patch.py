"""Client checks on PATCH (RFC 7644 §3.5.2): the PatchOp message, ops, paths and values."""

from __future__ import annotations

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.body import (
    PATCH_OP_SCHEMA,
    PatchOperation,
    ci_get,
    patch_operations,
)
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.protocol.grammar import parse_patch_path
from scim_harness.reference_server.protocol.schema import resource_type

__all__ = [
    "no_readonly_in_patch",
    "patch_op_shape",
    "paths_and_values",
    "remove_has_path",
    "valid_ops",
]

_OPS = frozenset({"add", "remove", "replace"})
_READ_ONLY = frozenset({"id", "meta"})


def _patches(traffic: Traffic) -> list[Record]:
    return [r for r in traffic if r.method == "PATCH" and r.endpoint in ("Users", "Groups")]


def _shape_problem(body: object) -> str | None:
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    schemas = ci_get(body, "schemas")
    listed = [s.lower() for s in schemas if isinstance(s, str)] if isinstance(schemas, list) else []
    if PATCH_OP_SCHEMA.lower() not in listed:
        return f"schemas does not list {PATCH_OP_SCHEMA}"
    ops = ci_get(body, "Operations")
    if not isinstance(ops, list):
        return "no Operations array"
    if not ops:
        return "Operations is empty"
    if not all(isinstance(op, dict) for op in ops):
        return "an operation is not a JSON object"
    return None


@client_check(
    "CLI-PAT-001",
    level="MUST",
    area="patch",
    reference="RFC 7644 §3.5.2",
    claim="Every PATCH body is a PatchOp message with a non-empty Operations array.",
    fix=(
        'Send {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": '
        "[...]} with at least one operation object; skip the request when nothing changed."
    ),
)
def patch_op_shape(traffic: Traffic) -> None:
    evidence = Evidence("PATCH requests")
    for record in _patches(traffic):
        evidence.judge(record, _shape_problem(record.body))
    evidence.conclude("no PATCH in the traffic")


def _op_problem(op: PatchOperation) -> str | None:
    if not isinstance(op.op, str):
        return f"{op.where()}: op is {op.op!r}"
    if op.kind not in _OPS:
        return f"{op.where()}: op {op.op!r} is not add, remove or replace"
    if op.op != op.kind:
        return f"{op.where()}: op {op.op!r} is not lower case"
    return None


@client_check(
    "CLI-PAT-002",
    level="MUST",
    area="patch",
    reference="RFC 7644 §3.5.2",
    claim='Every operation\'s "op" is "add", "remove" or "replace", in lower case.',
    fix=(
        'Spell op exactly "add", "remove" or "replace"; "Replace" or "Add" (Entra ID\'s default '
        "job) is refused by strict servers."
    ),
)
def valid_ops(traffic: Traffic) -> None:
    evidence = Evidence("PATCH requests")
    for record in _patches(traffic):
        ops = patch_operations(record.body)
        if not ops:
            continue  # CLI-PAT-001 reports a PATCH without operations
        problems = [p for p in map(_op_problem, ops) if p is not None]
        problems = problems or record.finding_details("LENIENT-OP-CASE")
        evidence.judge(record, "; ".join(problems) or None)
    evidence.conclude("no PATCH operation in the traffic")


@client_check(
    "CLI-PAT-003",
    level="MUST",
    area="patch",
    reference="RFC 7644 §3.5.2.2",
    claim='Every "remove" operation names its target with a "path".',
    fix=(
        'Give each remove a path, e.g. {"op": "remove", "path": "members[value eq \\"<id>\\"]"}; '
        "a path-less remove is refused with 400 noTarget."
    ),
)
def remove_has_path(traffic: Traffic) -> None:
    evidence = Evidence("remove operations")
    for record in _patches(traffic):
        for op in patch_operations(record.body):
            if op.kind != "remove":
                continue
            has_path = isinstance(op.path, str) and op.path.strip() != ""
            evidence.judge(record, None if has_path else f"{op.where()}: remove without a path")
    evidence.conclude("no remove operation in the traffic")


def _path_problem(record: Record, op: PatchOperation) -> str | None:
    rtype = resource_type("User" if record.endpoint == "Users" else "Group")
    where = op.where()
    if op.kind not in _OPS:
        return None  # CLI-PAT-002
    if op.kind in ("add", "replace") and not op.has_value:
        return f"{where}: {op.kind} without a value"
    if op.path is None:
        if op.kind == "remove":
            return None  # CLI-PAT-003
        if not isinstance(op.value, dict):
            return f"{where}: a path-less {op.kind} needs an object value, got {op.value!r:.60}"
        dotted = [k for k in op.value if isinstance(k, str) and "." in k and ":" not in k]
        if dotted:
            return f"{where}: value keys {', '.join(dotted)} are dotted paths, not attribute names"
        return None
    if not isinstance(op.path, str):
        return f"{where}: path is {op.path!r}, not a string"
    try:
        parse_patch_path(op.path, rtype)
    except ScimError as error:
        return f"{where}: path {op.path!r} is invalid: {error.detail}"
    return None


@client_check(
    "CLI-PAT-004",
    level="MUST",
    area="patch",
    reference="RFC 7644 §3.5.2, §3.5.2.1, §3.5.2.3, §3.10",
    claim="Paths follow the §3.10 grammar, add/replace carry a value, path-less values use "
    "attribute names, and a value filter targets an existing value.",
    fix=(
        'Write paths as attrPath or valuePath ("name.familyName", \'emails[type eq "work"]'
        '.value\'); in a path-less replace nest values ("name": {"givenName": ...}) instead '
        'of dotted keys; add a new multi-valued entry with path "emails" rather than a filter '
        "that matches nothing."
    ),
)
def paths_and_values(traffic: Traffic) -> None:
    evidence = Evidence("PATCH requests")
    for record in _patches(traffic):
        ops = patch_operations(record.body)
        if not ops:
            continue
        problems = [p for p in (_path_problem(record, op) for op in ops) if p is not None]
        problems = problems or record.finding_details("LENIENT-DOTTED-KEY")
        problems += record.finding_details("LENIENT-ADD-FILTER-CREATES")
        evidence.judge(record, "; ".join(problems) or None)
    evidence.conclude("no PATCH operation in the traffic")


def _readonly_problem(op: PatchOperation) -> str | None:
    if op.kind not in ("add", "replace"):
        return None
    path = op.path_text
    if path is not None:
        top = path.split("[", 1)[0].split(".", 1)[0].lower()
        return f"{op.where()}: path {path!r} is read-only" if top in _READ_ONLY else None
    if isinstance(op.value, dict):
        keys = [k for k in op.value if isinstance(k, str) and k.lower() in _READ_ONLY]
        if keys:
            return f"{op.where()}: value sets read-only {', '.join(keys)}"
    return None


@client_check(
    "CLI-PAT-005",
    level="SHOULD",
    area="patch",
    reference="RFC 7643 §2.2; RFC 7644 §3.5.2",
    claim="PATCH operations never set read-only attributes such as id or meta.",
    fix=(
        'Leave "id" and "meta" out of PATCH values (e.g. a group rename is just '
        '{"op": "replace", "path": "displayName", "value": "..."}).'
    ),
)
def no_readonly_in_patch(traffic: Traffic) -> None:
    evidence = Evidence("PATCH requests")
    for record in _patches(traffic):
        ops = patch_operations(record.body)
        if not ops:
            continue
        problems = [p for p in map(_readonly_problem, ops) if p is not None]
        problems = problems or record.finding_details("LENIENT-READONLY-ECHO")
        evidence.judge(record, "; ".join(problems) or None)
    evidence.conclude("no PATCH operation in the traffic")
