"""Compile a filter AST to an SQLite WHERE fragment (RFC 7644 §3.4.2.2).

The store runs ``SELECT ... FROM resources r WHERE r.app = ? AND r.rtype = ? AND (<fragment>)``.
Lookups real clients make are answered from indexes:

- ``userName eq`` (Users) / ``displayName eq`` (Groups) -> ``r.name_key = ?`` (folded);
- ``externalId eq`` -> ``r.external_id IS ?``; ``id eq`` -> ``r.id = ?``;
- ``emails.value eq``, ``emails[value eq ...]``, ``emails[type eq "work"].value eq ...`` ->
  ``r.seq IN (SELECT seq FROM resource_emails WHERE app = ? AND value_key = ? [AND type_key = ?])``.

Everything else reads ``r.data`` with ``json_extract``/``json_each`` and ``scim_fold`` (the
Python fold registered on every connection), following the rules of ``evaluate`` exactly.
Values are always bound parameters. Every fragment yields 0 or 1, never NULL, so ``NOT``
behaves as Python's ``not``. ``co``/``sw``/``ew`` use ``instr``/``substr``, never ``LIKE``,
so ``%`` and ``_`` are ordinary characters.

The email index relies on the store keeping ``resource_emails`` as one row per element of
``emails`` that is an object with a string ``value``: ``value_key = fold(value)``,
``type_key = fold(type)`` when ``type`` is a string, else NULL. SQLite then fetches the
matching rows by ``r.seq`` only when it knows (``sqlite_stat1``, from ANALYZE or written by
hand) that ``(app, rtype)`` selects many rows; without statistics it walks the app's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from scim_harness.reference_server.protocol.grammar.attributes import (
    NAME_KEY_ATTRIBUTE,
    Comparison,
    Resolved,
    attr_json_path,
    comparison_target,
    json_path,
    plan_comparison,
    resolve_path,
    resolve_sub,
)
from scim_harness.reference_server.protocol.grammar.nodes import (
    And,
    AttrPath,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
)
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType, fold

__all__ = ["MAX_SQL_NESTING", "compile_filter"]

_SLOT = re.compile(r"\{(\d+)\}")
_INT64 = range(-(2**63), 2**63)
# SQLite's parser stack (YYSTACKDEPTH, 100 by default) overflows near 20 nested sub-queries;
# a deeper fragment is left to Python rather than failing with "parser stack overflow". The
# filter budget (filter_parse.MAX_NESTING, MAX_TERMS) keeps every parsed filter within it.
MAX_SQL_NESTING = 16


class _NotPushable(Exception):
    """A node SQLite cannot evaluate exactly like Python (e.g. an integer beyond 64 bits)."""


@dataclass(frozen=True)
class _Sql:
    text: str
    params: tuple[Any, ...] = ()


def _param(value: Any) -> _Sql:
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        raise _NotPushable
    return _Sql("?", (value,))


def _sql(template: str, *parts: _Sql) -> _Sql:
    """Fill ``{0}``, ``{1}``... slots; parameters follow the order the slots appear in."""
    params: list[Any] = []

    def fill(match: re.Match[str]) -> str:
        part = parts[int(match.group(1))]
        params.extend(part.params)
        return part.text

    text = _SLOT.sub(fill, template)
    return _Sql(text, tuple(params))


_TRUE = _Sql("1")
_FALSE = _Sql("0")


@dataclass(frozen=True)
class _Value:
    """One candidate value as SQL: its JSON type (``json_type`` names) and its SQL value."""

    value: _Sql
    type: _Sql


def _row_value(path: str) -> _Value:
    return _Value(
        _sql("json_extract(r.data, {0})", _param(path)),
        _sql("json_type(r.data, {0})", _param(path)),
    )


def _element_value(sub: str | None) -> _Value:
    """A value of the element ``j`` of a json_each, or of its sub-attribute ``sub``."""
    if sub is None:
        return _Value(_Sql("j.value"), _Sql("j.type"))
    path = json_path(sub)
    return _Value(
        _sql("CASE WHEN j.type = 'object' THEN json_extract(j.value, {0}) END", _param(path)),
        _sql("CASE WHEN j.type = 'object' THEN json_type(j.value, {0}) END", _param(path)),
    )


def _scalar_present(v: _Value) -> _Sql:
    # RFC 7644 §3.4.2.2 pr: a non-null, non-empty value (see grammar.attributes.is_scalar_present).
    return _sql(
        "({0} IN ('true', 'false', 'integer', 'real') OR ({0} = 'text' AND {1} <> ''))",
        v.type,
        v.value,
    )


def _member_present(source: _Sql) -> _Sql:
    """Some member of the JSON object ``source`` is a present scalar."""
    return _sql(
        "EXISTS (SELECT 1 FROM json_each({0}) m WHERE typeof(m.key) = 'text' AND ({1}))",
        source,
        _scalar_present(_Value(_Sql("m.value"), _Sql("m.type"))),
    )


def _comparison(v: _Value, c: Comparison) -> _Sql:
    operand = _sql("scim_fold({0})", v.value) if c.fold else v.value
    if c.kind == "boolean":
        test = _sql("{0} IN ('true', 'false')", v.type)
        literal = _param(1 if c.literal else 0)
    elif c.kind == "number":
        test = _sql("{0} IN ('integer', 'real')", v.type)
        literal = _param(c.literal)
    else:
        test = _sql("{0} = 'text'", v.type)
        literal = _param(c.literal)
    size = len(c.literal) if isinstance(c.literal, str) else 0
    if c.op in ("sw", "ew") and size == 0:
        return test  # every string starts and ends with ""
    templates = {
        "eq": "{0} = {1}",
        "ne": "{0} <> {1}",
        "gt": "{0} > {1}",
        "ge": "{0} >= {1}",
        "lt": "{0} < {1}",
        "le": "{0} <= {1}",
        "co": "instr({0}, {1}) > 0",
        "sw": "substr({0}, 1, {2}) = {1}",
        "ew": "substr({0}, {3}) = {1}",
    }
    compare = _sql(templates[c.op], operand, literal, _param(size), _param(-size))
    return _sql("({0} AND {1})", test, compare)


def _leaf_on(v: _Value, node: Compare | Present, attr: Attribute) -> _Sql:
    """A leaf on one simple candidate value (``attr`` is simple here)."""
    if isinstance(node, Present) or node.value is None:
        present = _scalar_present(v)
        if isinstance(node, Present) or node.op == "ne":
            return present
        return _sql("NOT {0}", present) if node.op == "eq" else _FALSE
    comparison = plan_comparison(attr, node.op, node.value)
    return _comparison(v, comparison) if comparison is not None else _FALSE


def _each(resolved: Resolved, predicate: _Sql) -> _Sql:
    """Some element of the multi-valued attribute satisfies ``predicate`` (over ``j``)."""
    return _sql(
        "EXISTS (SELECT 1 FROM json_each(r.data, {0}) j WHERE typeof(j.key) = 'integer' AND ({1}))",
        _param(attr_json_path(resolved, with_sub=False)),
        predicate,
    )


def _null_safe(fragment: _Sql) -> _Sql:
    return _sql("coalesce({0}, 0)", fragment)


def _complex_present(resolved: Resolved) -> _Sql:
    path = attr_json_path(resolved)
    if resolved.top.multi_valued:
        source = _Sql("CASE WHEN j.type = 'object' THEN j.value ELSE '{}' END")
        return _each(resolved, _member_present(source))
    # json_each over a non-object yields rows without a text key, so they never count.
    return _sql(
        "EXISTS (SELECT 1 FROM json_each(r.data, {0}) m WHERE typeof(m.key) = 'text' AND ({1}))",
        _param(path),
        _scalar_present(_Value(_Sql("m.value"), _Sql("m.type"))),
    )


def _present(target: Resolved) -> _Sql:
    """``pr`` on the target (any of its values, for a multi-valued attribute)."""
    if target.leaf.is_complex:
        return _complex_present(target)
    if target.top.multi_valued:
        sub = target.sub.name if target.sub is not None else None
        return _each(target, _scalar_present(_element_value(sub)))
    return _null_safe(_scalar_present(_row_value(attr_json_path(target))))


def _leaf(node: Compare | Present, resolved: Resolved) -> _Sql:
    if isinstance(node, Present):
        return _present(resolved)
    target = comparison_target(resolved)
    if node.value is None:
        # RFC 7643 §2.5: null and unassigned are one state, so "eq null" is "not pr".
        if node.op == "ne":
            return _present(target)
        return _sql("NOT {0}", _present(target)) if node.op == "eq" else _FALSE
    comparison = plan_comparison(target.leaf, node.op, node.value)
    if comparison is None:
        return _FALSE
    if target.top.multi_valued:
        sub = target.sub.name if target.sub is not None else None
        return _each(target, _comparison(_element_value(sub), comparison))
    return _null_safe(_comparison(_row_value(attr_json_path(target)), comparison))


def _index_email_lookup(node: Filter, rtype: ResourceType, app: _Sql | None) -> _Sql | None:
    """``emails`` lookups the resource_emails index answers, or None."""
    if app is None or rtype.name != "User":
        return None
    if isinstance(node, Compare):
        if node.path != AttrPath(None, "emails", "value"):
            return None
        terms: list[Filter] = [Compare(AttrPath(None, "value"), node.op, node.value)]
    elif isinstance(node, ValuePath) and node.path == AttrPath(None, "emails"):
        terms = _conjuncts(node.filter)
    else:
        return None
    columns = {"value": "value_key", "type": "type_key"}
    where = [_sql("app = {0}", app)]
    for term in terms:
        simple = isinstance(term, Compare) and term.op == "eq" and isinstance(term.value, str)
        if not simple or not isinstance(term, Compare) or term.path.attr not in columns:
            return None
        if term.path.uri is not None or term.path.sub is not None:
            return None
        # emails.value and emails.type are caseExact=false: both keys are folded.
        where.append(_sql(f"{columns[term.path.attr]} = {{0}}", _param(fold(str(term.value)))))
    if not any(isinstance(t, Compare) and t.path.attr == "value" for t in terms):
        return None
    condition = " AND ".join(f"{{{i}}}" for i in range(len(where)))
    return _sql(
        "r.seq IN (SELECT seq FROM resource_emails WHERE " + condition + ")",
        *where,
    )


def _conjuncts(node: Filter) -> list[Filter]:
    if isinstance(node, And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _index_column_lookup(node: Filter, rtype: ResourceType) -> _Sql | None:
    """``userName``/``displayName``/``externalId``/``id`` eq: the resources table's indexes.

    Any other string comparison of ``userName``/``displayName`` (``co``, ``sw``, ``gt``...)
    reads the folded ``r.name_key`` column too: a scan, but of a short column, with no JSON
    parsing and no Python call per row.
    """
    if not isinstance(node, Compare) or not isinstance(node.value, str):
        return None
    path = node.path
    if path.uri is not None or path.sub is not None:
        return None
    if path.attr == NAME_KEY_ATTRIBUTE.get(rtype.name):
        if node.op == "eq":
            return _sql("r.name_key = {0}", _param(fold(node.value)))
        attr = rtype.top_attribute(path.attr)
        comparison = None if attr is None else plan_comparison(attr, node.op, node.value)
        if comparison is None or not comparison.fold or comparison.kind != "text":
            return None
        # name_key is fold(value), never NULL: the folded comparison without scim_fold().
        name_key = _Value(_Sql("r.name_key"), _Sql("'text'"))
        return _comparison(name_key, replace(comparison, fold=False))
    if node.op != "eq":
        return None
    if path.attr == "externalId":
        # IS, not =: a NULL external_id gives 0 (so NOT works) and the index still serves.
        return _sql("r.external_id IS {0}", _param(node.value))
    if path.attr == "id":
        return _sql("r.id = {0}", _param(node.value))
    return None


def _operands(node: And | Or) -> list[Filter]:
    """The operands of a run of one logical operator, left to right."""
    kind = type(node)
    out: list[Filter] = []
    stack: list[Filter] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, kind):
            stack.extend((item.right, item.left))
        else:
            out.append(item)
    return out


def _logical(node: And | Or | Not, compile_one: Callable[[Filter], _Sql]) -> _Sql:
    """``a AND b AND (c OR d)``, ``NOT (...)``: parentheses only where the operator changes.

    SQL's AND/OR are associative, so a chain needs no nesting; this keeps deep filters within
    SQLite's parser stack.
    """
    if isinstance(node, Not):
        inner = compile_one(node.inner)
        return _sql("NOT ({0})" if isinstance(node.inner, And | Or) else "NOT {0}", inner)
    word = " AND " if isinstance(node, And) else " OR "
    parts = []
    for operand in _operands(node):
        compiled = compile_one(operand)
        parts.append(_sql("({0})", compiled) if isinstance(operand, And | Or) else compiled)
    return _sql(word.join(f"{{{i}}}" for i in range(len(parts))), *parts)


def _value_filter(node: Filter, complex_attr: Attribute) -> _Sql:
    """A value filter over the element ``j`` (an object) of a complex attribute."""
    if isinstance(node, And | Or | Not):
        return _logical(node, lambda inner: _value_filter(inner, complex_attr))
    if isinstance(node, ValuePath):
        return _FALSE
    path = node.path
    sub = resolve_sub(complex_attr, path.attr) if path.uri is None and path.sub is None else None
    if sub is None:
        return _FALSE
    return _null_safe(_leaf_on(_element_value(sub.name), node, sub))


def _value_path(node: ValuePath, resolved: Resolved) -> _Sql:
    if resolved.sub is not None or not resolved.top.is_complex:
        return _FALSE
    inner = _value_filter(node.filter, resolved.top)
    path = _param(attr_json_path(resolved))
    if resolved.top.multi_valued:
        return _each(resolved, _sql("j.type = 'object' AND ({0})", inner))
    return _sql(
        "EXISTS (SELECT 1 FROM (SELECT json_extract(r.data, {0}) AS value,"
        " json_type(r.data, {0}) AS type) j WHERE j.type = 'object' AND ({1}))",
        path,
        inner,
    )


def _compile(node: Filter, rtype: ResourceType, app: _Sql | None) -> _Sql:
    if isinstance(node, And | Or | Not):
        return _logical(node, lambda inner: _compile(inner, rtype, app))
    indexed = _index_column_lookup(node, rtype) or _index_email_lookup(node, rtype, app)
    if indexed is not None:
        return indexed
    resolved = resolve_path(node.path, rtype)
    if resolved is None:
        return _FALSE  # RFC 7644 §3.4.2.2: an unknown attribute matches nothing
    if isinstance(node, ValuePath):
        return _value_path(node, resolved)
    return _leaf(node, resolved)


def compile_filter(
    f: Filter, rtype: ResourceType, app_param: str = "?", *, app: str | None = None
) -> tuple[str, list[Any]] | None:
    """The filter as an SQL fragment over ``resources r`` with its parameters.

    ``app_param`` is the SQL naming the app in the ``resource_emails`` sub-query: with ``"?"``
    (default) the ``app`` value is bound there, and without ``app`` email lookups fall back
    to reading ``r.data`` (correct, not indexed). ``"?1"`` reuses the statement's first
    parameter when that is the app. Returns None when SQLite cannot evaluate the filter
    exactly like :func:`~reference_server.query.evaluate.matches` (an integer literal beyond 64
    bits, or nesting deeper than ``MAX_SQL_NESTING``); the store then evaluates it in Python.
    Neither happens to a filter ``parse_filter`` accepted: its lexer refuses integers beyond
    64 bits and its budget keeps the nesting within ``MAX_SQL_NESTING``.
    """
    app_sql: _Sql | None = _Sql(app_param)
    if app_param == "?":
        app_sql = _param(app) if app is not None else None
    try:
        fragment = _compile(f, rtype, app_sql)
    except _NotPushable:
        return None
    if _nesting(fragment.text) > MAX_SQL_NESTING:
        return None
    return fragment.text, list(fragment.params)


def _nesting(text: str) -> int:
    """The deepest parenthesis nesting of generated SQL (quoted literals skipped)."""
    depth = deepest = 0
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and char == ")":
            depth -= 1
    return deepest
