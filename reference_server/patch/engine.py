"""The PATCH engine (RFC 7644 §3.5.2): a PatchOp applied to a stored resource.

``apply_patch`` checks the PatchOp's shape, then applies its operations in order to a deep
copy of the stored resource. The whole PatchOp is atomic: the first refused operation raises
its ScimError and the stored resource is untouched. What the engine tolerates from real
clients in lenient mode (and refuses in strict mode) is recorded in ``findings``.

    engine.py      PatchOp shape, operation order, atomicity, membership deltas
    pathless.py    add/replace without a path: a partial resource (dotted keys, echoes)
    targets.py     a path resolved to attribute definitions; read-only targets refused
    operations.py  add / replace / remove at a target
    create.py      value filters matching nothing (noTarget, or a lenient add)
    values.py      comparison, types, merging, the ``primary`` rule

Left to the caller: members' ``display``/``$ref``/``type``, required attributes, ``meta``,
storage, and JSON Schema validation of the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scim_harness.reference_server.patch.operations import OpContext, remove_at, write_at
from scim_harness.reference_server.patch.pathless import apply_pathless
from scim_harness.reference_server.patch.targets import resolve_path
from scim_harness.reference_server.protocol import jsonio
from scim_harness.reference_server.protocol.errors import (
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    NoTarget,
    ScimError,
)
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import ResourceType

__all__ = ["PATCH_OP_SCHEMA", "Operation", "PatchOutcome", "apply_patch", "read_operations"]

PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
_OPS = ("add", "replace", "remove")


@dataclass
class PatchOutcome:
    """The patched resource, whether it differs from the stored one, and membership deltas."""

    resource: dict[str, Any]
    changed: bool
    removed_members: list[str] = field(default_factory=list)
    added_members: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Operation:
    """One entry of ``Operations``, its ``op`` in lower case."""

    index: int
    op: str
    path: str | None
    value: Any
    has_value: bool

    @property
    def where(self) -> str:
        return f"Operations[{self.index}]"


def apply_patch(
    rtype: ResourceType, stored: Mapping[str, Any], body: Any, findings: Findings
) -> PatchOutcome:
    """Apply the PatchOp ``body`` to ``stored`` (never modified); raise ScimError to refuse."""
    operations = read_operations(body, findings)
    # A JSON round trip copies JSON data several times faster than copy.deepcopy.
    work: dict[str, Any] = jsonio.loads(jsonio.dumps(stored))
    touched: set[str] = set()
    for operation in operations:
        ctx = OpContext(rtype=rtype, findings=findings, where=operation.where, touched=touched)
        try:
            _apply_one(work, operation, ctx)
        except ScimError as exc:
            raise _located(exc, operation) from exc
    _sync_schemas(rtype, work, touched)
    before = _member_ids(stored)
    after = _member_ids(work)
    before_set, after_set = set(before), set(after)
    return PatchOutcome(
        resource=work,
        changed=work != dict(stored),
        removed_members=[m for m in before if m not in after_set],
        added_members=[m for m in after if m not in before_set],
    )


def read_operations(body: Any, findings: Findings) -> list[Operation]:
    """The operations of a PatchOp, checked for shape (RFC 7644 §3.5.2)."""
    if not isinstance(body, dict):
        msg = "a PATCH body must be a PatchOp JSON object"
        raise InvalidSyntax(msg)
    schemas = _member(body, "schemas")
    if not isinstance(schemas, list) or not any(
        isinstance(s, str) and s.lower() == PATCH_OP_SCHEMA.lower() for s in schemas
    ):
        msg = f"schemas must contain {PATCH_OP_SCHEMA} (RFC 7644 §3.5.2)"
        raise InvalidSyntax(msg)
    raw = _member(body, "Operations")
    if not isinstance(raw, list) or not raw:
        msg = "Operations must be a non-empty array of operations (RFC 7644 §3.5.2)"
        raise InvalidSyntax(msg)
    return [_read_operation(i, item, findings) for i, item in enumerate(raw)]


def _read_operation(index: int, item: Any, findings: Findings) -> Operation:
    where = f"Operations[{index}]"
    if not isinstance(item, dict):
        msg = f"{where}: each operation must be a JSON object"
        raise InvalidSyntax(msg)
    op = _member(item, "op")
    if not isinstance(op, str) or op.lower() not in _OPS:
        msg = f"{where}: op must be one of add, replace, remove, not {op!r}"
        raise InvalidSyntax(msg)
    if op not in _OPS:
        # RFC 7644 §3.5.2 spells the ops in lower case and no rule makes them case-insensitive
        # (RFC 7643 §2.1 covers attribute names); Entra ID sends "Replace", so lenient mode
        # takes it, strict mode refuses it.
        findings.tolerate("LENIENT-OP-CASE", f"{where}: op {op!r} is not lower case", InvalidSyntax)
    path = _member(item, "path")
    if path is not None and not isinstance(path, str):
        msg = f"{where}: path must be a string"
        raise InvalidPath(msg)
    has_value = _has_member(item, "value")
    value = _member(item, "value")
    lowered = op.lower()
    if lowered in ("add", "replace") and not has_value:
        # RFC 7644 §3.5.2.1, §3.5.2.3: add and replace MUST contain a "value" member.
        msg = f"{where}: {lowered} needs a value"
        raise InvalidValue(msg)
    if lowered == "remove" and path is None:
        # RFC 7644 §3.5.2.2: remove without a path fails with noTarget.
        msg = f"{where}: remove needs a path"
        raise NoTarget(msg)
    return Operation(index, lowered, path, value, has_value)


def _apply_one(work: dict[str, Any], operation: Operation, ctx: OpContext) -> None:
    if operation.path is None:
        apply_pathless(operation.op, work, operation.value, ctx)
        return
    target = resolve_path(ctx.rtype, operation.path)
    if operation.op == "remove":
        remove_at(work, target, operation.value, ctx)
    else:
        write_at(operation.op, work, target, operation.value, ctx)


def _sync_schemas(rtype: ResourceType, work: dict[str, Any], touched: set[str]) -> None:
    """``schemas`` lists an extension exactly when its object has attributes (RFC 7643 §3)."""
    for urn in sorted(touched):
        obj = work.get(urn)
        schemas = work.get("schemas")
        listed = schemas if isinstance(schemas, list) else []
        if isinstance(obj, dict) and obj:
            if urn not in listed:
                work["schemas"] = [*listed, urn] if listed else [rtype.schema.id, urn]
            continue
        work.pop(urn, None)
        if urn in listed:
            work["schemas"] = [s for s in listed if s != urn]


def _member_ids(resource: Mapping[str, Any]) -> list[str]:
    members = resource.get("members")
    if not isinstance(members, list):
        return []
    ids: dict[str, None] = {}  # ordered and unique
    for member in members:
        value = member.get("value") if isinstance(member, dict) else None
        if isinstance(value, str):
            ids[value] = None
    return list(ids)


def _located(exc: ScimError, operation: Operation) -> ScimError:
    """The same error, its detail naming the operation that failed."""
    if exc.detail.startswith(operation.where):
        return exc
    return type(exc)(f"{operation.where}: {exc.detail}", headers=exc.headers)


def _member(obj: Mapping[str, Any], name: str) -> Any:
    """A PatchOp member by name in any case (RFC 7643 §2.1)."""
    lowered = name.lower()
    for key, value in obj.items():
        if key.lower() == lowered:
            return value
    return None


def _has_member(obj: Mapping[str, Any], name: str) -> bool:
    lowered = name.lower()
    return any(key.lower() == lowered for key in obj)
