"""Evaluate a filter AST against resources in Python (RFC 7644 §3.4.2.2).

The rules mirror :mod:`reference_server.query.sql` line for line, so the store may evaluate a
filter either way and get the same answer:

- a multi-valued attribute matches when any of its values does; its values are the elements
  of a JSON array (anything else stored there has no values);
- a comparison only sees values of the attribute's JSON type (a string attribute holding a
  number matches no string comparison);
- ``pr``: a simple value is present when it is a JSON scalar other than null and ""; a complex
  value when one of its members is;
- an expression on an unknown attribute is false (and ``not (...)`` of it true).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from scim_harness.reference_server.protocol.grammar.attributes import (
    Comparison,
    Resolved,
    comparison_target,
    is_scalar_present,
    plan_comparison,
    resolve_path,
    resolve_sub,
    top_container,
)
from scim_harness.reference_server.protocol.grammar.nodes import (
    And,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
)
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType, fold

__all__ = ["ValuePredicate", "matches", "matches_value", "value_predicate"]

Resource = Mapping[str, Any]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
    "co": lambda a, b: b in a,
    "sw": lambda a, b: a.startswith(b),
    "ew": lambda a, b: a.endswith(b),
}


def _candidates(container: Mapping[str, Any] | None, resolved: Resolved) -> list[Any]:
    """The values a leaf expression looks at (for a complex attribute: its objects)."""
    if container is None:
        return []
    top = container.get(resolved.top.name)
    elements: list[Any] = [top]
    if resolved.top.multi_valued:
        elements = top if isinstance(top, list) else []
    if resolved.sub is None:
        return elements
    name = resolved.sub.name
    return [e.get(name) if isinstance(e, Mapping) else None for e in elements]


def _present(values: list[Any], attr: Attribute) -> bool:
    # RFC 7644 §3.4.2.2 pr: "a non-empty value, or ... a non-empty node for complex attributes".
    if attr.is_complex:
        return any(
            isinstance(v, Mapping) and any(is_scalar_present(m) for m in v.values()) for v in values
        )
    return any(is_scalar_present(v) for v in values)


def _fits(value: Any, comparison: Comparison) -> bool:
    if comparison.kind == "text":
        return isinstance(value, str)
    if comparison.kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compare(values: list[Any], comparison: Comparison) -> bool:
    apply = _OPS[comparison.op]
    for value in values:
        if not _fits(value, comparison):
            continue
        if comparison.fold:
            value = fold(value)
        if apply(value, comparison.literal):
            return True
    return False


def _leaf(node: Compare | Present, container: Mapping[str, Any] | None, resolved: Resolved) -> bool:
    if isinstance(node, Present):
        return _present(_candidates(container, resolved), resolved.leaf)
    target = comparison_target(resolved)
    values = _candidates(container, target)
    if node.value is None:
        # RFC 7643 §2.5: null and unassigned are one state, so "eq null" is "not pr".
        present = _present(values, target.leaf)
        return not present if node.op == "eq" else node.op == "ne" and present
    comparison = plan_comparison(target.leaf, node.op, node.value)
    return comparison is not None and _compare(values, comparison)


def matches(f: Filter, resource: Resource, rtype: ResourceType) -> bool:
    """Whether ``resource`` (canonical JSON) matches the filter."""
    if isinstance(f, And):
        return matches(f.left, resource, rtype) and matches(f.right, resource, rtype)
    if isinstance(f, Or):
        return matches(f.left, resource, rtype) or matches(f.right, resource, rtype)
    if isinstance(f, Not):
        return not matches(f.inner, resource, rtype)
    resolved = resolve_path(f.path, rtype)
    if resolved is None:
        return False  # RFC 7644 §3.4.2.2: an unknown attribute matches nothing
    container = top_container(resource, resolved.uri)
    if isinstance(f, ValuePath):
        if resolved.sub is not None or not resolved.top.is_complex:
            return False
        return any(
            isinstance(element, Mapping) and matches_value(f.filter, element, resolved.top)
            for element in _candidates(container, resolved)
        )
    return _leaf(f, container, resolved)


def matches_value(f: Filter, value: Mapping[str, Any], attr: Attribute) -> bool:
    """Whether one value of the complex attribute ``attr`` matches a value filter.

    ``f`` is relative to ``attr`` (``type eq "work"`` for ``emails[type eq "work"]``); PATCH
    uses this to pick the values a ``members[value eq "..."]`` path targets. To test many
    values, build the predicate once with :func:`value_predicate`.
    """
    return value_predicate(f, attr)(value)


ValuePredicate = Callable[[Any], bool]


def _never(_: Any) -> bool:
    return False


def value_predicate(f: Filter, attr: Attribute) -> ValuePredicate:
    """``matches_value`` with the filter planned once: for a 1000-member group, 1000 calls."""
    if isinstance(f, And | Or):
        left, right = value_predicate(f.left, attr), value_predicate(f.right, attr)
        if isinstance(f, And):
            return lambda v: left(v) and right(v)
        return lambda v: left(v) or right(v)
    if isinstance(f, Not):
        inner = value_predicate(f.inner, attr)
        return lambda v: not inner(v)
    if isinstance(f, ValuePath):
        return _never  # value filters do not nest (RFC 7644 erratum 4690)
    path = f.path
    sub = resolve_sub(attr, path.attr) if path.uri is None and path.sub is None else None
    if sub is None:
        return _never
    resolved = Resolved(sub, None)
    if isinstance(f, Present):
        return lambda v: isinstance(v, Mapping) and _present(_candidates(v, resolved), sub)
    target = comparison_target(resolved)
    if f.value is None:
        # RFC 7643 §2.5: null and unassigned are one state, so "eq null" is "not pr".
        if f.op not in ("eq", "ne"):
            return _never
        wanted = f.op == "ne"
        return lambda v: (
            isinstance(v, Mapping) and (_present(_candidates(v, target), target.leaf) is wanted)
        )
    comparison = plan_comparison(target.leaf, f.op, f.value)
    if comparison is None:
        return _never
    planned = comparison
    return lambda v: isinstance(v, Mapping) and _compare(_candidates(v, target), planned)
