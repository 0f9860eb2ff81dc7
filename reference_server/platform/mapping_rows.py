"""One row of an attribute mapping: a SCIM path, read from a resource, turned into a platform value.

A row's ``scim`` text is an RFC 7644 §3.10 attribute path, parsed by the filter module's PATCH
path parser (one grammar for the whole server) and resolved against the resource type once,
when the mapping is loaded. Reading it from a resource then needs no parsing:

- ``userName``, ``name.familyName``: the attribute or sub-attribute;
- ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department``: an extension
  attribute, read from the resource's extension object;
- ``emails[type eq "work"].value``: the values matching the filter, then their sub-attribute;
- ``emails.value`` (a multi-valued attribute without a filter): every value.

Of the values found, the one marked ``primary`` wins, else the first (RFC 7643 §2.4: primary
is the "preferred" value); values that are null or blank do not count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol.errors import InvalidPath
from scim_harness.reference_server.protocol.grammar.attributes import top_container
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType
from scim_harness.reference_server.query.filters import (
    And,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    matches_value,
    parse_patch_path,
    resolve_path,
    resolve_sub,
)

__all__ = ["TRANSFORMS", "RowError", "ScimPath", "compile_path", "is_empty"]

_TEXT_TYPES = frozenset({"string", "reference"})


class RowError(ValueError):
    """A mapping row that cannot work; the message says why, the caller names the row."""


def _active_to_status(value: Any) -> Any:
    if isinstance(value, bool):
        return "active" if value else "inactive"
    return value


def _text(change: Callable[[str], str]) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        return change(value) if isinstance(value, str) else value

    return apply


TRANSFORMS: dict[str, tuple[Callable[[Any], Any], frozenset[str]]] = {
    # lower: userName and emails are caseExact=false in SCIM (RFC 7643 §4.1.1, §4.1.2), so a
    # source may send "BJensen@Example.com" one day and "bjensen@example.com" the next; a
    # platform that keys users by email or username stores one spelling.
    "lower": (_text(str.lower), _TEXT_TYPES),
    # upper: codes the platform keeps in capitals (country, cost centre, employee number)
    # whatever case the source uses.
    "upper": (_text(str.upper), _TEXT_TYPES),
    # trim: template-driven sources (OneLogin's admin-edited JSON templates) pad values with
    # spaces; the platform should not store " Jensen".
    "trim": (_text(str.strip), _TEXT_TYPES),
    # activeToStatus: SCIM's `active` is a boolean (RFC 7643 §4.1.1); the platform's user
    # status is the enum "active" | "inactive" of directory-user.schema.json.
    "activeToStatus": (_active_to_status, frozenset({"boolean"})),
}
"""Transform name -> (function, the SCIM attribute types it applies to)."""


def is_empty(value: Any) -> bool:
    """Missing for the platform: absent, null, or a blank string (``false`` and 0 are values)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _first(values: list[Any], elements: list[dict[str, Any]]) -> Any:
    present = [(v, e) for v, e in zip(values, elements, strict=True) if not is_empty(v)]
    for value, element in present:
        # RFC 7643 §2.4: "primary" marks the preferred value of a multi-valued attribute.
        if element.get("primary") is True:
            return value
    return present[0][0] if present else None


@dataclass(frozen=True)
class ScimPath:
    """A mapping row's SCIM path, resolved against its resource type."""

    text: str
    schema: str
    """URN of the schema defining the attribute (the core schema for core and common ones)."""
    uri: str | None
    """Extension URN whose object holds the attribute; None for core and common attributes."""
    top: Attribute
    sub: Attribute | None
    value_filter: Filter | None
    transform: str | None

    @property
    def leaf(self) -> Attribute:
        return self.sub if self.sub is not None else self.top

    @property
    def output_type(self) -> str:
        """The JSON type the platform gets: 'string', 'boolean', 'number' or 'status'."""
        if self.transform == "activeToStatus":
            return "status"
        if self.leaf.type == "boolean":
            return "boolean"
        if self.leaf.type in ("integer", "decimal"):
            return "number"
        return "string"

    def raw(self, resource: dict[str, Any]) -> Any:
        """The SCIM value the path names in ``resource`` (None when it has none)."""
        container = top_container(resource, self.uri)
        value = container.get(self.top.name) if container is not None else None
        if not self.top.is_complex:
            return value
        if self.top.multi_valued:
            elements = [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
        else:
            elements = [value] if isinstance(value, dict) else []
        if self.value_filter is not None:
            flt = self.value_filter
            elements = [e for e in elements if matches_value(flt, e, self.top)]
        if self.sub is None:
            return None  # a complex value as a whole is never mapped (refused at load)
        return _first([e.get(self.sub.name) for e in elements], elements)

    def value(self, resource: dict[str, Any]) -> Any:
        """The platform value: :meth:`raw` through the row's transform."""
        value = self.raw(resource)
        if value is None or self.transform is None:
            return value
        return TRANSFORMS[self.transform][0](value)


def _check_filter(flt: Filter, complex_attr: Attribute) -> None:
    """Every name in a value filter must be a sub-attribute of the filtered attribute."""
    if isinstance(flt, And | Or):
        _check_filter(flt.left, complex_attr)
        _check_filter(flt.right, complex_attr)
    elif isinstance(flt, Not):
        _check_filter(flt.inner, complex_attr)
    elif isinstance(flt, Compare | Present):
        path = flt.path
        known = path.uri is None and path.sub is None and resolve_sub(complex_attr, path.attr)
        if not known:
            msg = f"{complex_attr.name} has no sub-attribute {path.attr!r} to filter on"
            raise RowError(msg)
    elif isinstance(flt, ValuePath):  # pragma: no cover - the parser refuses nested filters
        msg = "value filters cannot be nested"
        raise RowError(msg)


def compile_path(text: str, rtype: ResourceType, transform: str | None = None) -> ScimPath:
    """Parse and resolve a row's SCIM path; :class:`RowError` says why a row cannot work."""
    try:
        parsed = parse_patch_path(text, rtype)
    except InvalidPath as exc:
        msg = f"invalid SCIM path {text!r}: {exc.detail}"
        raise RowError(msg) from None
    resolved = resolve_path(parsed.attr, rtype)
    if resolved is None:
        msg = f"{text!r} is not an attribute of the {rtype.name} resource type"
        raise RowError(msg)
    top, sub = resolved.top, resolved.sub
    if parsed.value_filter is not None:
        _check_filter(parsed.value_filter, top)
        if parsed.sub is None:
            msg = f"{text!r} names whole {top.name} values: add a sub-attribute, e.g. .value"
            raise RowError(msg)
        sub = resolve_sub(top, parsed.sub)
        if sub is None:
            msg = f"{top.name} has no sub-attribute {parsed.sub!r}"
            raise RowError(msg)
    leaf = sub if sub is not None else top
    if leaf.is_complex:
        msg = f"{text!r} is a complex attribute: map one of its sub-attributes"
        raise RowError(msg)
    if leaf.multi_valued:
        msg = f"{text!r} is multi-valued: the platform attribute holds one value"
        raise RowError(msg)
    if top.returned == "never" or leaf.returned == "never":
        # RFC 7643 §7: returned "never" (password): the server keeps no readable value.
        msg = f"{text!r} is write-only: the server keeps no value to map"
        raise RowError(msg)
    if top.mutability == "readOnly" and top.name != "id":
        # RFC 7643 §7: readOnly values are set by the server, never by the source app.
        msg = f"{text!r} is read-only: the server sets it, the source app never sends it"
        raise RowError(msg)
    if transform is not None:
        allowed = TRANSFORMS[transform][1]
        if leaf.type not in allowed:
            msg = (
                f"transform {transform!r} applies to {' or '.join(sorted(allowed))} "
                f"attributes, not to {text!r} ({leaf.type})"
            )
            raise RowError(msg)
    schema = resolved.uri or rtype.schema.id
    return ScimPath(text, schema, resolved.uri, top, sub, parsed.value_filter, transform)
