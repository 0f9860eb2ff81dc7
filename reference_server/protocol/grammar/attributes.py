"""Where an attribute path points: its definition and where its values sit in a stored resource.

Shared by the parser (canonical names, type checks), the Python evaluator and the SQL compiler,
so the three agree on what ``emails.value`` or ``urn:...:enterprise:2.0:User:manager.value``
means. The stored resource is canonical JSON: core and common attributes at the top level,
extension attributes under their schema URN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol.grammar.nodes import AttrPath, CompareValue
from scim_harness.reference_server.protocol.schema import (
    Attribute,
    ResourceType,
    fold,
    format_datetime,
    parse_datetime,
)

__all__ = [
    "NAME_KEY_ATTRIBUTE",
    "SCHEMAS_ATTRIBUTE",
    "Comparison",
    "Resolved",
    "attr_json_path",
    "comparison_target",
    "is_scalar_present",
    "json_path",
    "plan_comparison",
    "resolve_path",
    "resolve_sub",
    "sort_target",
    "top_container",
]

# RFC 7643 §3: "schemas" is on every resource but in no schema; filters may name it
# (RFC 7644 §3.4.2.2: `schemas eq "urn:..."`). Schema URIs compare case-insensitively.
SCHEMAS_ATTRIBUTE = Attribute(
    name="schemas", type="reference", multi_valued=True, mutability="readOnly"
)

# The attribute each resource type keeps folded in the indexed column resources.name_key.
NAME_KEY_ATTRIBUTE = {"User": "userName", "Group": "displayName"}
_ORDER_OPS = frozenset({"gt", "ge", "lt", "le"})
_SUBSTRING_OPS = frozenset({"co", "sw", "ew"})
_TEXT_TYPES = frozenset({"string", "reference", "binary"})


@dataclass(frozen=True)
class Resolved:
    """A known attribute path: the top-level attribute, the extension holding it, the sub."""

    top: Attribute
    uri: str | None
    """Extension URN whose object holds ``top``; None for core and common attributes."""
    sub: Attribute | None = None

    @property
    def leaf(self) -> Attribute:
        """The attribute whose values a comparison looks at."""
        return self.sub if self.sub is not None else self.top

    @property
    def canonical(self) -> AttrPath:
        return AttrPath(self.uri, self.top.name, self.sub.name if self.sub else None)


def _top(rtype: ResourceType, uri: str | None, name: str) -> tuple[Attribute, str | None] | None:
    if uri is None or rtype.schema_for(uri) is rtype.schema:
        if name.lower() == "schemas":
            return SCHEMAS_ATTRIBUTE, None
        attr = rtype.top_attribute(name)
        return (attr, None) if attr is not None else None
    ext = rtype.extension(uri)
    if ext is None:
        return None
    attr = ext.attribute(name)
    return (attr, ext.id) if attr is not None else None


def resolve_path(path: AttrPath, rtype: ResourceType) -> Resolved | None:
    """The definition behind ``path``, or None for an unknown attribute.

    RFC 7644 §3.10: without a URI prefix the attribute is in the core schema (or a common
    attribute); extension attributes need their URN. A sub-attribute of a simple attribute, or
    a multi-valued sub-attribute (no schema here defines one), is unknown.
    """
    if path.is_schema:
        return None
    found = _top(rtype, path.uri, path.attr)
    if found is None:
        return None
    top, uri = found
    if path.sub is None:
        return Resolved(top, uri)
    sub = resolve_sub(top, path.sub)
    return Resolved(top, uri, sub) if sub is not None else None


def resolve_sub(complex_attr: Attribute, name: str) -> Attribute | None:
    """A single-valued sub-attribute of a complex attribute, or None."""
    if not complex_attr.is_complex:
        return None
    sub = complex_attr.sub(name)
    if sub is None or sub.multi_valued or sub.is_complex:
        return None
    return sub


def top_container(resource: Mapping[str, Any], uri: str | None) -> Mapping[str, Any] | None:
    """The JSON object holding the attribute: the resource, or its extension object."""
    if uri is None:
        return resource
    ext = resource.get(uri)
    return ext if isinstance(ext, Mapping) else None


def is_scalar_present(value: Any) -> bool:
    """RFC 7644 §3.4.2.2 ``pr`` on a simple value: non-null and not the empty string.

    Only JSON scalars count (the SQL side tests ``json_type``); ``false`` and ``0`` are values.
    """
    if isinstance(value, str):
        return value != ""
    return isinstance(value, bool | int | float)


def comparison_target(resolved: Resolved) -> Resolved:
    """RFC 7643 §2.4: a multi-valued complex attribute compared as a whole means its "value"."""
    top = resolved.top
    if resolved.sub is None and top.is_complex and top.multi_valued:
        sub = resolve_sub(top, "value")
        if sub is not None:
            return Resolved(top, resolved.uri, sub)
    return resolved


def sort_target(resolved: Resolved) -> Resolved | None:
    """What ``sortBy`` orders on: a simple value (a multi-valued complex one by its "value")."""
    target = comparison_target(resolved)
    return None if target.leaf.is_complex else target


@dataclass(frozen=True)
class Comparison:
    """How one ``attr op literal`` compares, decided once for Python and SQL alike.

    ``kind`` is "text", "boolean" or "number"; ``fold`` says both sides are case-folded
    (``caseExact`` false, RFC 7643 §2.2); ``literal`` is already folded or normalised.
    """

    op: str
    kind: str
    fold: bool
    literal: str | int | float | bool


def plan_comparison(attr: Attribute, op: str, value: CompareValue) -> Comparison | None:
    """The comparison of ``attr`` with a non-null literal, or None when it can never match.

    The parser refuses every such mismatch with ``invalidFilter``; None covers hand-built ASTs.
    """
    if value is None or attr.is_complex:
        return None
    if attr.type == "boolean":
        ok = isinstance(value, bool) and op in ("eq", "ne")
        return Comparison(op, "boolean", False, value) if ok else None
    if attr.type in ("integer", "decimal"):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        ok = number and op not in _SUBSTRING_OPS
        return Comparison(op, "number", False, value) if ok else None
    if not isinstance(value, str):
        return None
    if attr.type == "dateTime" and op not in _SUBSTRING_OPS:
        try:
            # RFC 7643 §2.3.5: chronological order, which is the order of format_datetime text.
            return Comparison(op, "text", False, format_datetime(parse_datetime(value)))
        except (ValueError, OverflowError):
            return None
    if attr.type == "binary" and op in _ORDER_OPS:
        return None
    if attr.type not in _TEXT_TYPES and attr.type != "dateTime":
        return None
    folded = not attr.case_exact
    return Comparison(op, "text", folded, fold(value) if folded else value)


def json_path(*names: str) -> str:
    """An SQLite JSON path with every key quoted: ``$."name"."familyName"``."""
    return "$" + "".join(f'."{name}"' for name in names)


def attr_json_path(resolved: Resolved, *, with_sub: bool = True) -> str:
    """Where the attribute sits in the stored resource, as an SQLite JSON path."""
    names = [resolved.uri] if resolved.uri else []
    names.append(resolved.top.name)
    if with_sub and resolved.sub is not None:
        names.append(resolved.sub.name)
    return json_path(*names)
