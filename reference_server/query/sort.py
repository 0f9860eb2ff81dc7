"""sortBy (RFC 7644 §3.4.2.3): the same order in Python and as an SQLite ORDER BY.

Case-insensitive attributes sort by their folded value, case-exact ones by code point; a
multi-valued attribute sorts by its primary value, else its first; resources without a value
come last in either direction; ties keep insertion order (``r.seq``). Numbers sort before
strings, as SQLite orders mixed types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from scim_harness.reference_server.protocol.grammar.attributes import (
    NAME_KEY_ATTRIBUTE,
    attr_json_path,
    json_path,
    resolve_path,
    sort_target,
    top_container,
)
from scim_harness.reference_server.protocol.grammar.nodes import AttrPath
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType, fold

__all__ = ["order_by_sql", "sort_key", "sort_key_sql", "sort_resources"]

Resource = Mapping[str, Any]
R = TypeVar("R", bound=Mapping[str, Any])
_SCALAR_TYPES = "('true', 'false', 'integer', 'real', 'text')"


def _sort_value(resource: Resource, path: AttrPath, rtype: ResourceType) -> tuple[int, Any] | None:
    resolved = resolve_path(path, rtype)
    target = sort_target(resolved) if resolved is not None else None
    if target is None:
        return None
    container = top_container(resource, target.uri)
    raw = container.get(target.top.name) if container is not None else None
    if target.top.multi_valued:
        # RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value, else its first.
        if not isinstance(raw, list) or not raw:
            return None
        primaries = [e for e in raw if isinstance(e, Mapping) and e.get("primary") is True]
        raw = primaries[0] if primaries else raw[0]
    if target.sub is not None:
        raw = raw.get(target.sub.name) if isinstance(raw, Mapping) else None
    leaf = target.leaf
    if isinstance(raw, bool):
        return (0, int(raw))
    if isinstance(raw, int | float):
        return (0, raw)
    if isinstance(raw, str):
        folded = leaf.type in ("string", "reference", "binary") and not leaf.case_exact
        return (1, fold(raw) if folded else raw)
    return None


def sort_key(path: AttrPath, rtype: ResourceType) -> Callable[[Resource], tuple[Any, ...]]:
    """A key ordering resources by ``path`` ascending, missing values last (``caseExact`` aware).

    Numbers sort before strings, as in SQLite; equal keys keep their order (sort is stable).
    """

    def key(resource: Resource) -> tuple[Any, ...]:
        value = _sort_value(resource, path, rtype)
        return (True,) if value is None else (False, *value)

    return key


def sort_resources(
    resources: Iterable[R],
    path: AttrPath,
    rtype: ResourceType,
    *,
    descending: bool = False,
) -> list[R]:
    """``resources`` (given in insertion order) sorted as ``order_by_sql`` sorts them.

    Missing values come last in either direction; ties keep insertion order.
    """
    keyed = [(_sort_value(r, path, rtype), r) for r in resources]
    present = [(v, r) for v, r in keyed if v is not None]
    missing = [r for v, r in keyed if v is None]
    present.sort(key=lambda item: item[0] or (0, 0), reverse=descending)
    return [r for _, r in present] + missing


def _literal(text: str) -> str:
    """An SQL string literal of a JSON path built from schema names (never request text)."""
    return "'" + text.replace("'", "''") + "'"


def _sortable(value: str, json_type: str, attr: Attribute) -> str:
    folded = attr.type in ("string", "reference", "binary") and not attr.case_exact
    shown = f"scim_fold({value})" if folded else value
    return f"CASE WHEN {json_type} IN {_SCALAR_TYPES} THEN {shown} END"


def sort_key_sql(path: AttrPath, rtype: ResourceType) -> str:
    """An SQL expression over ``resources r`` ordering like ``sort_key``; NULL when missing.

    RFC 7644 §3.4.2.3: case-insensitive attributes sort by their folded value; a multi-valued
    attribute by its primary value, else its first. ``"NULL"`` for an unknown attribute.
    """
    resolved = resolve_path(path, rtype)
    target = sort_target(resolved) if resolved is not None else None
    if target is None:
        return "NULL"
    name_key = target.top.name == NAME_KEY_ATTRIBUTE.get(rtype.name)
    if name_key and target.uri is None and target.sub is None:
        return "r.name_key"
    attr = target.leaf
    if not target.top.multi_valued:
        where = _literal(attr_json_path(target))
        return _sortable(f"json_extract(r.data, {where})", f"json_type(r.data, {where})", attr)
    if target.sub is None:
        element = _sortable("j.value", "j.type", attr)
    else:
        sub = _literal(json_path(target.sub.name))
        inner = _sortable(f"json_extract(j.value, {sub})", f"json_type(j.value, {sub})", attr)
        element = f"CASE WHEN j.type = 'object' THEN {inner} END"
    primary = _literal(json_path("primary"))
    rank = (
        f"CASE WHEN j.type = 'object' THEN"
        f" (CASE WHEN json_type(j.value, {primary}) = 'true' THEN 0 ELSE 1 END) ELSE 1 END"
    )
    top = _literal(attr_json_path(target, with_sub=False))
    return (
        f"(SELECT {element} FROM json_each(r.data, {top}) j"
        f" WHERE typeof(j.key) = 'integer' ORDER BY {rank}, j.key LIMIT 1)"
    )


def order_by_sql(path: AttrPath, rtype: ResourceType, *, descending: bool = False) -> str:
    """The ORDER BY list ``sort_resources`` mirrors: missing values last, ties by ``r.seq``."""
    key = sort_key_sql(path, rtype)
    direction = "DESC" if descending else "ASC"
    if key == "NULL":
        return "r.seq"
    if key == "r.name_key":
        return f"r.name_key {direction}, r.seq"
    return f"({key}) IS NULL, {key} {direction}, r.seq"
