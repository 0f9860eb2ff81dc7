"""The three PATCH operations applied at one target (RFC 7644 §3.5.2.1-3).

Each function changes a working copy of the resource in place; the caller
(``reference_server.patch.engine``) owns the copy, so a refusal half-way through an operation
never reaches the stored resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scim_harness.reference_server.patch.create import created_by_filter
from scim_harness.reference_server.patch.targets import Target, check_writable
from scim_harness.reference_server.patch.values import (
    add_elements,
    check_type,
    enforce_primary,
    merge_complex,
    same_value,
    writable_part,
)
from scim_harness.reference_server.protocol.errors import InvalidValue, Mutability
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.normalize import (
    normalize_attribute_value,
    normalize_resource,
)
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType, Schema
from scim_harness.reference_server.query.filters import value_predicate

__all__ = ["OpContext", "remove_at", "write_at", "write_attribute", "write_extension"]


@dataclass
class OpContext:
    """What every operation of one PatchOp shares."""

    rtype: ResourceType
    findings: Findings
    where: str
    """``Operations[i]``, the prefix of every message about this operation."""
    touched: set[str] = field(default_factory=set)
    """Extension URNs whose object an operation wrote to (their ``schemas`` entry follows)."""


def write_attribute(
    op: str, container: dict[str, Any], attr: Attribute, value: Any, ctx: OpContext, where: str
) -> None:
    """``add`` or ``replace`` of a whole attribute with a normalised, type-checked value."""
    if attr.mutability == "readOnly":
        msg = f"{where}: {attr.name} is read-only (RFC 7643 §2.2); no operation may set it"
        raise Mutability(msg)
    current = container.get(attr.name)
    if attr.multi_valued:
        items = [_element(attr, item, where, ctx.findings) for item in value or []]
        if op == "add" and isinstance(current, list):
            # RFC 7644 §3.5.2.1: add to a multi-valued attribute appends new values.
            elements = current
        else:
            # RFC 7644 §3.5.2.3: replace without a filter replaces all values.
            elements = []
            items = [_keep_server_parts(attr, item, current) for item in items]
        chosen = add_elements(attr, elements, items)
        enforce_primary(attr, elements, chosen, where)
        _store(container, attr, elements)
        return
    if value is None:
        if op == "add":
            return  # RFC 7643 §2.5: null is "no value"; adding nothing changes nothing
        if attr.mutability == "immutable" and current is not None:
            msg = f"{where}: {attr.name} is immutable; it has a value and cannot be removed"
            raise Mutability(msg)
        container.pop(attr.name, None)
        return
    if attr.is_complex:
        # RFC 7644 §3.5.2.1/§3.5.2.3: a complex value is merged sub-attribute by sub-attribute.
        merged = dict(current) if isinstance(current, dict) else {}
        merge_complex(attr, merged, writable_part(attr, value, where, ctx.findings), where)
        _store(container, attr, merged)
        return
    if (
        attr.mutability == "immutable"
        and current is not None
        and not same_value(attr, value, current)
    ):
        msg = f"{where}: {attr.name} is immutable; it has a value and cannot be changed"
        raise Mutability(msg)
    container[attr.name] = value


def write_extension(
    op: str, resource: dict[str, Any], ext: Schema, value: Any, ctx: OpContext, where: str
) -> None:
    """``add`` or ``replace`` of an extension's object: attribute by attribute."""
    if value is None:
        if op == "replace":
            ctx.touched.add(ext.id)
            resource.pop(ext.id, None)
        return
    if not isinstance(value, dict):
        msg = f"{where}: the {ext.id} extension takes an object of its attributes"
        raise InvalidValue(msg)
    normalized = normalize_resource(ctx.rtype, {ext.id: value}, ctx.findings)[ext.id]
    container = resource.get(ext.id)
    if not isinstance(container, dict):
        container = resource[ext.id] = {}
    ctx.touched.add(ext.id)
    for name, item in normalized.items():
        attr = ext.attribute(name)
        if attr is None:  # pragma: no cover - normalize_resource keeps only known names
            continue
        check_type(attr, item, f"{where}.{attr.name}")
        write_attribute(op, container, attr, item, ctx, f"{where}.{attr.name}")


def write_at(op: str, resource: dict[str, Any], target: Target, value: Any, ctx: OpContext) -> None:
    """``add`` or ``replace`` at a path (RFC 7644 §3.5.2.1, §3.5.2.3)."""
    where = f"{ctx.where} {target.path}"
    if target.attr is None:
        if target.extension is not None:
            write_extension(op, resource, target.extension, value, ctx, where)
        return
    check_writable(target)
    attr = target.attr
    container = _container(resource, target, ctx, create=True)
    if container is None:  # pragma: no cover - create=True always gives one
        return
    sub = target.sub
    if target.value_filter is None and sub is None:
        normalized = normalize_attribute_value(attr, value, where, ctx.findings)
        check_type(attr, normalized, where)
        write_attribute(op, container, attr, normalized, ctx, where)
        return
    if sub is not None:
        sub_value = normalize_attribute_value(sub, value, where, ctx.findings)
        check_type(sub, sub_value, where)
        given: dict[str, Any] = {sub.name: sub_value}
    else:
        given = _one_element(attr, value, where, ctx.findings)
    if target.value_filter is None and not attr.multi_valued:
        # RFC 7644 §3.5.2.3: "name.familyName" replaces (or adds) that sub-attribute only.
        write_attribute(op, container, attr, given, ctx, where)
        return
    elements = _elements(container, attr)
    if target.value_filter is None:
        matched = [e for e in elements if isinstance(e, dict)]
    else:
        picks = value_predicate(target.value_filter, attr)
        matched = [e for e in elements if isinstance(e, dict) and picks(e)]
    if not matched:
        # RFC 7644 §3.5.2.3: a value filter that matches nothing is noTarget (add: see
        # patch_create, which may create the value the filter describes in lenient mode).
        created = created_by_filter(op, target, where, ctx.findings)
        elements.append(created)
        matched = [created]
    for element in matched:
        # RFC 7644 §3.5.2.3: every matching value (or its sub-attribute) is replaced.
        merge_complex(attr, element, given, where)
    enforce_primary(attr, elements, matched, where)
    _store(container, attr, [e for e in elements if e != {}])


def remove_at(resource: dict[str, Any], target: Target, value: Any, ctx: OpContext) -> None:
    """``remove`` at a path (RFC 7644 §3.5.2.2). ``value`` is None unless the client sent one."""
    where = f"{ctx.where} {target.path}"
    if target.attr is None:
        if target.extension is not None:
            ctx.touched.add(target.extension.id)
            resource.pop(target.extension.id, None)
        return
    check_writable(target)
    attr = target.attr
    container = _container(resource, target, ctx, create=False)
    current = None if container is None else container.get(attr.name)
    if target.value_filter is None and target.sub is None:
        if value is not None and _is_members(ctx.rtype, attr):
            _remove_listed_members(container, attr, value, ctx, where)
            return
        if current is None or container is None:
            return  # RFC 7644 §3.5.2.2: the attribute is (already) unassigned
        if attr.mutability == "immutable":
            msg = f"{where}: {attr.name} is immutable; it has a value and cannot be removed"
            raise Mutability(msg)
        # RFC 7644 §3.5.2.2: without a filter the attribute and all its values are removed.
        del container[attr.name]
        return
    if container is None or current is None:
        if target.value_filter is not None:
            _nothing_matched(ctx, f"{where}: {attr.name} has no values, so none matches the filter")
        return
    if target.value_filter is None:
        sub = target.sub
        owners = [e for e in _elements(container, attr) if isinstance(e, dict)]
        if not attr.multi_valued and isinstance(current, dict):
            owners = [current]
        for owner in owners:
            _remove_sub(owner, sub, where)
        _store(container, attr, _without_empty(attr, current))
        return
    elements = _elements(container, attr)
    picks = value_predicate(target.value_filter, attr)
    matched = [e for e in elements if isinstance(e, dict) and picks(e)]
    if not matched:
        _nothing_matched(ctx, f"{where}: no value of {attr.name} matches the filter")
        return
    if target.sub is None:
        # RFC 7644 §3.5.2.2: a filter removes only the matching values.
        remaining = [e for e in elements if all(e is not m for m in matched)]
    else:
        for element in matched:
            _remove_sub(element, target.sub, where)
        remaining = [e for e in elements if e != {}]
    _store(container, attr, remaining)


def _remove_listed_members(
    container: dict[str, Any] | None,
    attr: Attribute,
    value: Any,
    ctx: OpContext,
    where: str,
) -> None:
    """Entra ID's ``remove`` of ``members`` with a value list.

    RFC 7644 §3.5.2.2 read literally removes every member (the value is not part of a remove),
    which silently empties the group. Lenient mode removes just the listed members and flags
    it; strict mode refuses it with invalidValue, because an error is less harmful than an
    empty group, and the client learns to send ``members[value eq "<id>"]``.
    """
    ctx.findings.tolerate(
        "LENIENT-MEMBERS-REMOVE-LIST",
        f"{where}: remove of members with a value list; an RFC 7644 §3.5.2.2 reading removes "
        f'every member - send members[value eq "<id>"] to remove one',
        InvalidValue,
    )
    listed = normalize_attribute_value(attr, value, where, ctx.findings)
    if not isinstance(listed, list):
        msg = f"{where}: the value of a members remove must be an array of members"
        raise InvalidValue(msg)
    ids: list[str] = []
    for i, item in enumerate(listed):
        member_id = item.get("value") if isinstance(item, dict) else None
        if not isinstance(member_id, str):
            msg = f"{where}: value[{i}] needs a 'value': the id of the member to remove"
            raise InvalidValue(msg)
        ids.append(member_id)
    elements = [] if container is None else _elements(container, attr)
    value_sub = attr.sub("value")

    def listed_member(element: Any) -> bool:
        member_id = element.get("value") if isinstance(element, dict) else None
        return any(same_value(value_sub, member_id, i) for i in ids)

    remaining = [e for e in elements if not listed_member(e)]
    if ids and len(remaining) == len(elements):
        _nothing_matched(ctx, f"{where}: none of the listed members is in the group")
        return
    if container is not None:
        _store(container, attr, remaining)


def _nothing_matched(ctx: OpContext, detail: str) -> None:
    """A ``remove`` whose filter matches nothing: success, nothing changes, a finding says so.

    RFC 7644 §3.12 allows noTarget here, but PATCH is atomic: Okta's group push sends an
    ``add`` and a ``remove`` of a member in one request, and Entra ID removes members that may
    already be gone, so a noTarget would lose the ``add`` and fail a sync whose end state is
    already right. The IdPs and scim2-server treat it as done; so does this server, in both
    modes, and the request record says that nothing was removed.
    """
    ctx.findings.note("INFO-REMOVE-NO-MATCH", f"{detail}: nothing removed")


def _remove_sub(owner: dict[str, Any], sub: Attribute | None, where: str) -> None:
    if sub is None:  # pragma: no cover - callers pass a sub-attribute
        return
    if sub.mutability == "immutable" and owner.get(sub.name) is not None:
        msg = f"{where}: {sub.name} is immutable; it has a value and cannot be removed"
        raise Mutability(msg)
    owner.pop(sub.name, None)


def _is_members(rtype: ResourceType, attr: Attribute) -> bool:
    return rtype.schema.attribute("members") is attr


def _container(
    resource: dict[str, Any], target: Target, ctx: OpContext, *, create: bool
) -> dict[str, Any] | None:
    """The object holding the target's attribute: the resource, or its extension's object."""
    if target.extension is None:
        return resource
    key = target.extension.id
    obj = resource.get(key)
    if not isinstance(obj, dict):
        if not create:
            return None
        obj = resource[key] = {}
    ctx.touched.add(key)
    return obj


def _elements(container: dict[str, Any], attr: Attribute) -> list[Any]:
    current = container.get(attr.name)
    return current if isinstance(current, list) else []


def _element(attr: Attribute, item: Any, where: str, findings: Findings) -> Any:
    """A new value of a multi-valued attribute: no nulls, no read-only sub-attributes."""
    if attr.is_complex and isinstance(item, dict):
        given = writable_part(attr, item, where, findings)
        return {k: v for k, v in given.items() if v is not None}
    return item


def _keep_server_parts(attr: Attribute, item: Any, current: Any) -> Any:
    """A replacing value keeps what only the server sets on the value it stands for.

    A member re-sent in a full ``members`` replace keeps its read-only ``display`` and the
    immutable sub-attributes the client left out, so an unchanged member stays unchanged.
    """
    if not (attr.is_complex and isinstance(item, dict) and isinstance(current, list)):
        return item
    value_sub = attr.sub("value")
    if value_sub is None or value_sub.mutability != "immutable":
        return item
    for old in current:
        if isinstance(old, dict) and same_value(value_sub, item.get("value"), old.get("value")):
            kept = {
                k: v
                for k, v in old.items()
                if (sub := attr.sub(k)) is not None
                and (sub.mutability == "readOnly" or sub.mutability == "immutable")
                and k not in item
            }
            return {**item, **kept}
    return item


def _one_element(attr: Attribute, value: Any, where: str, findings: Findings) -> dict[str, Any]:
    """The value of an operation on ``attr[filter]``: one complex value, as an object."""
    if not isinstance(value, dict):
        msg = f"{where}: the target is one value of {attr.name}; send an object"
        raise InvalidValue(msg)
    normalized = normalize_attribute_value(attr, [value], where, findings)[0]
    check_type(attr, [normalized], where)
    return writable_part(attr, normalized, where, findings)


def _without_empty(attr: Attribute, current: Any) -> Any:
    if isinstance(current, list):
        return [e for e in current if e != {}]
    return current


def _store(container: dict[str, Any], attr: Attribute, value: Any) -> None:
    """Set the attribute, or unassign it when nothing is left (RFC 7643 §2.5)."""
    if value is None or value == [] or value == {}:
        container.pop(attr.name, None)
    else:
        container[attr.name] = value
