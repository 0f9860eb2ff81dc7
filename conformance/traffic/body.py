"""Reading SCIM JSON the way the RFCs say: case-insensitive names, PatchOp operations, booleans.

The client checks read bodies a client sent, which may be anything: every helper here accepts
any JSON value and answers ``None`` (or an empty list) where the shape does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol.schema import CORE_USER

__all__ = [
    "PATCH_OP_SCHEMA",
    "Assignment",
    "PatchOperation",
    "active_assignment",
    "as_boolean",
    "ci_get",
    "ci_has",
    "ci_path",
    "patch_operations",
]

PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
_ACTIVE_PATHS = frozenset({"active", f"{CORE_USER.lower()}:active"})


def ci_has(obj: Any, name: str) -> bool:
    """``obj`` is an object with a member called ``name`` in any case (RFC 7643 §2.1)."""
    if not isinstance(obj, dict):
        return False
    wanted = name.lower()
    return any(isinstance(k, str) and k.lower() == wanted for k in obj)


def ci_get(obj: Any, name: str) -> Any:
    """The member ``name`` of an object in any case; None when absent or not an object."""
    if not isinstance(obj, dict):
        return None
    if name in obj:
        return obj[name]
    wanted = name.lower()
    for key, value in obj.items():
        if isinstance(key, str) and key.lower() == wanted:
            return value
    return None


def ci_path(obj: Any, dotted: str) -> Any:
    """``name.familyName`` read through nested objects, any case; None when a step is missing."""
    value = obj
    for part in dotted.split("."):
        value = ci_get(value, part)
        if value is None:
            return None
    return value


def as_boolean(value: Any) -> bool | None:
    """A JSON boolean, or the string ``"true"``/``"false"`` in any case; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


@dataclass(frozen=True)
class PatchOperation:
    """One member of a PatchOp's ``Operations`` array, as sent."""

    index: int
    raw: Any
    op: Any
    path: Any
    value: Any
    has_value: bool

    @property
    def kind(self) -> str:
        """The op lower-cased (``"Replace"`` -> ``"replace"``), or ``""`` when not a string."""
        return self.op.lower() if isinstance(self.op, str) else ""

    @property
    def path_text(self) -> str | None:
        return self.path if isinstance(self.path, str) else None

    def where(self) -> str:
        return f"Operations[{self.index}]"


def patch_operations(body: Any) -> list[PatchOperation]:
    """The operations of a PatchOp body (RFC 7644 §3.5.2); empty when there are none to read."""
    ops = ci_get(body, "Operations")
    if not isinstance(ops, list):
        return []
    out: list[PatchOperation] = []
    for index, raw in enumerate(ops):
        out.append(
            PatchOperation(
                index=index,
                raw=raw,
                op=ci_get(raw, "op"),
                path=ci_get(raw, "path"),
                value=ci_get(raw, "value"),
                has_value=ci_has(raw, "value"),
            )
        )
    return out


@dataclass(frozen=True)
class Assignment:
    """A value a request gives an attribute, as sent."""

    value: Any

    @property
    def intent(self) -> bool | None:
        """The boolean meant (strings ``"False"``... read leniently), or None."""
        return as_boolean(self.value)


def active_assignment(method: str, body: Any) -> Assignment | None:
    """What a PUT or PATCH of a User sets ``active`` to; None when it does not set it.

    PATCH: ``add``/``replace`` with path ``active`` (RFC 7644 §3.5.2), or a path-less
    ``add``/``replace`` whose value object holds ``active``; the last one wins. PUT: the body's
    ``active`` (RFC 7644 §3.5.1).
    """
    if method == "PUT":
        return Assignment(ci_get(body, "active")) if ci_has(body, "active") else None
    if method != "PATCH":
        return None
    found: Assignment | None = None
    for op in patch_operations(body):
        if op.kind not in ("add", "replace"):
            continue
        path = op.path_text
        if path is not None and path.strip().lower() in _ACTIVE_PATHS:
            found = Assignment(op.value)
        elif path is None and ci_has(op.value, "active"):
            found = Assignment(ci_get(op.value, "active"))
    return found
