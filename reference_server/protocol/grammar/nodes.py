"""The filter AST (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.10), and their text form.

Nodes are frozen dataclasses, so two parses of equivalent text compare equal. Attribute names
are in canonical case when the attribute is known; a core-schema URN prefix is dropped (the
attribute lives at the top level of the resource either way), an extension URN is kept in
its canonical spelling.

Inside a :class:`ValuePath` the filter is relative to the complex attribute: its paths name
sub-attributes (``AttrPath(None, "type", None)`` in ``emails[type eq "work"]``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "And",
    "AttrPath",
    "Compare",
    "CompareValue",
    "Filter",
    "Not",
    "Or",
    "PatchPath",
    "Present",
    "ValuePath",
    "format_filter",
    "format_patch_path",
    "format_path",
]

CompareValue: TypeAlias = str | int | float | bool | None


@dataclass(frozen=True)
class AttrPath:
    """``[URI ":"] ATTRNAME ["." subAttr]``.

    ``uri`` is None for core and common attributes, the extension URN otherwise. A bare
    extension URN (a PATCH path naming the whole extension) has ``attr == ""``.
    """

    uri: str | None
    attr: str
    sub: str | None = None

    @property
    def is_schema(self) -> bool:
        """True when the path names a whole extension schema (``urn:...:enterprise:2.0:User``)."""
        return self.attr == "" and self.uri is not None


@dataclass(frozen=True)
class Compare:
    """``attrPath op value``; ``op`` is one of eq ne co sw ew gt ge lt le, lower case."""

    path: AttrPath
    op: str
    value: CompareValue


@dataclass(frozen=True)
class Present:
    """``attrPath pr``."""

    path: AttrPath


@dataclass(frozen=True)
class And:
    left: Filter
    right: Filter


@dataclass(frozen=True)
class Or:
    left: Filter
    right: Filter


@dataclass(frozen=True)
class Not:
    inner: Filter


@dataclass(frozen=True)
class ValuePath:
    """``attrPath "[" valFilter "]"``: some value of a complex attribute matches ``filter``."""

    path: AttrPath
    filter: Filter


Filter: TypeAlias = Compare | Present | And | Or | Not | ValuePath


@dataclass(frozen=True)
class PatchPath:
    """RFC 7644 §3.10 ``PATH = attrPath / valuePath [subAttr]``.

    ``members[value eq "2819c223"]`` is ``PatchPath(AttrPath(None, "members"), <filter>, None)``;
    ``emails[type eq "work"].value`` has ``sub="value"``; ``name.familyName`` has no filter and
    ``attr.sub == "familyName"``.
    """

    attr: AttrPath
    value_filter: Filter | None = None
    sub: str | None = None


def format_path(path: AttrPath) -> str:
    """The text of an attribute path, as the parser reads it back."""
    if path.is_schema:
        return path.uri or ""
    text = path.attr if path.sub is None else f"{path.attr}.{path.sub}"
    return text if path.uri is None else f"{path.uri}:{text}"


def _format_value(value: CompareValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def format_filter(node: Filter) -> str:
    """Canonical filter text: ``parse_filter(format_filter(f)) == f`` for any parsed ``f``."""
    if isinstance(node, Compare):
        return f"{format_path(node.path)} {node.op} {_format_value(node.value)}"
    if isinstance(node, Present):
        return f"{format_path(node.path)} pr"
    if isinstance(node, Not):
        return f"not ({format_filter(node.inner)})"
    if isinstance(node, ValuePath):
        return f"{format_path(node.path)}[{format_filter(node.filter)}]"
    word = "and" if isinstance(node, And) else "or"
    return f"({format_filter(node.left)}) {word} ({format_filter(node.right)})"


def format_patch_path(path: PatchPath) -> str:
    """The text of a PATCH path."""
    text = format_path(path.attr)
    if path.value_filter is not None:
        text = f"{text}[{format_filter(path.value_filter)}]"
    if path.sub is not None:
        text = f"{text}.{path.sub}"
    return text
