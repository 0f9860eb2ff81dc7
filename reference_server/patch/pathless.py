"""Path-less ``add`` and ``replace``: the value is a partial resource (RFC 7644 §3.5.2.1, .3).

Each attribute of the value is added or replaced as if it had been the path: complex values
merge sub-attribute by sub-attribute, multi-valued ``add`` appends, ``replace`` replaces. Two
shapes real clients send are handled here:

- Entra ID (``aadOptscim062020``) puts paths where attribute names belong:
  ``{"name.givenName": "Ada"}``. Lenient mode applies each as the path it spells
  (LENIENT-DOTTED-KEY); strict mode refuses with invalidValue: the key sits in the ``value``,
  which holds attributes, not paths, so the value is what is wrong (RFC 7644 §3.12).
- Okta's group rename echoes the read-only ``id``: ``{"id": "<gid>", "displayName": ...}``.
  An echo equal to the stored value is accepted in lenient mode (LENIENT-READONLY-ECHO); a
  different value is refused with mutability in both modes (RFC 7644 §3.5.2).
"""

from __future__ import annotations

from typing import Any

from scim_harness.reference_server.patch.operations import (
    OpContext,
    write_at,
    write_attribute,
    write_extension,
)
from scim_harness.reference_server.patch.targets import resolve_path
from scim_harness.reference_server.patch.values import check_type, same_value
from scim_harness.reference_server.protocol.errors import InvalidValue, Mutability
from scim_harness.reference_server.protocol.normalize import normalize_resource
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType

__all__ = ["apply_pathless"]


def apply_pathless(op: str, resource: dict[str, Any], value: Any, ctx: OpContext) -> None:
    """Apply a path-less ``add``/``replace`` whose ``value`` is a partial resource."""
    where = f"{ctx.where} value"
    if not isinstance(value, dict):
        msg = f"{where}: an {op} without a path takes an object of attributes"
        raise InvalidValue(msg)
    plain: dict[str, Any] = {}
    dotted: list[tuple[str, Any]] = []
    for key, item in value.items():
        if _is_path_key(ctx.rtype, key):
            dotted.append((key, item))
        else:
            plain[key] = item
    normalized = normalize_resource(ctx.rtype, plain, ctx.findings)
    _take_echoes(resource, normalized, ctx, where)
    for key, item in normalized.items():
        ext = ctx.rtype.extension(key)
        if ext is not None:
            write_extension(op, resource, ext, item, ctx, f"{where}.{ext.id}")
            continue
        attr = ctx.rtype.top_attribute(key)
        if attr is None:  # pragma: no cover - normalize_resource keeps only known names
            continue
        check_type(attr, item, f"{where}.{attr.name}")
        write_attribute(op, resource, attr, item, ctx, f"{where}.{attr.name}")
    for key, item in dotted:
        ctx.findings.tolerate(
            "LENIENT-DOTTED-KEY",
            f"{where}: key {key!r} is a path, not an attribute name",
            InvalidValue,
        )
        write_at(op, resource, resolve_path(ctx.rtype, key), item, ctx)


def _is_path_key(rtype: ResourceType, key: str) -> bool:
    """``name.givenName``, ``emails[type eq "work"].value`` or ``urn:...:User:department``."""
    lowered = key.lower()
    if lowered.startswith("urn:"):
        return any(
            lowered.startswith(f"{urn.lower()}:") and len(key) > len(urn) + 1
            for urn in rtype.schema_ids
        )
    return "." in key or "[" in key


def _take_echoes(
    resource: dict[str, Any], normalized: dict[str, Any], ctx: OpContext, where: str
) -> None:
    """Remove read-only attributes from the value: echoes of the stored value, or refuse."""
    if "schemas" in normalized:
        _take_schemas(resource, normalized, ctx, where)
    for key in list(normalized):
        attr = ctx.rtype.top_attribute(key)
        if attr is None or attr.mutability != "readOnly":
            continue
        given = normalized.pop(key)
        if not _echoes(attr, given, resource.get(attr.name)):
            msg = (
                f"{where}.{attr.name}: read-only (RFC 7643 §2.2); the value sent differs from "
                "the stored one and cannot be set"
            )
            raise Mutability(msg)
        ctx.findings.tolerate(
            "LENIENT-READONLY-ECHO",
            f"{where}.{attr.name}: read-only attribute echoed with its stored value",
            Mutability,
        )


def _echoes(attr: Attribute, given: Any, stored: Any) -> bool:
    """Whether ``given`` repeats the stored value; a partial ``meta`` repeats its parts."""
    if attr.is_complex and not attr.multi_valued:
        if not (isinstance(given, dict) and isinstance(stored, dict)):
            return False
        return all(
            same_value(attr.sub(k), v, stored.get(k)) for k, v in given.items() if v is not None
        )
    return same_value(attr, given, stored)


def _take_schemas(
    resource: dict[str, Any], normalized: dict[str, Any], ctx: OpContext, where: str
) -> None:
    """``schemas`` in the value: an echo, or the stored list plus extensions the value sets.

    The engine keeps ``schemas`` in step with the extension objects itself, so the list sent
    is only checked: naming an extension whose attributes the value carries is fine;
    anything else would change ``schemas`` behind the attributes' back.
    """
    given = normalized.pop("schemas")
    stored = resource.get("schemas")
    stored_set = set(stored) if isinstance(stored, list) else set()
    if not isinstance(given, list):
        msg = f"{where}.schemas: must be an array of schema URIs"
        raise InvalidValue(msg)
    given_set = set(given)
    if given_set == stored_set:
        ctx.findings.tolerate(
            "LENIENT-READONLY-ECHO",
            f"{where}.schemas: echoed with the stored value",
            Mutability,
        )
        return
    declared = {key for key in normalized if ctx.rtype.extension(key) is not None}
    if stored_set <= given_set <= stored_set | declared:
        return
    msg = (
        f"{where}.schemas: {sorted(given_set)} does not match the stored schemas "
        f"{sorted(stored_set)}; schemas follow the extension attributes a resource has"
    )
    raise Mutability(msg)
