"""Parse RFC 7644 §3.4.2.2 filters, §3.10 PATCH paths and plain attribute paths into the AST.

Grammar (RFC 7644 Figure 1; keywords, operators and attribute names case-insensitive)::

    FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")" / "(" FILTER ")"
    valuePath = attrPath "[" valFilter "]" [subAttr (SP "pr" / SP compareOp SP compValue)]
    attrExp   = attrPath SP "pr" / attrPath SP compareOp SP compValue
    logExp    = FILTER SP ("and" / "or") SP FILTER       ; not > and > or

The trailing ``.value eq "x"`` after a value path is Entra ID's
``emails[type eq "work"].value eq "x"``; it is not in the grammar above (a ``valuePath``
ends at ``]``). Given the request's findings, strict mode refuses it (invalidFilter) and
lenient mode reads it as ``emails[type eq "work" and value eq "x"]`` (the same value must
match both) and records LENIENT-FILTER-VALUE-PATH; without findings (library use) it is read
the same way silently. Value filters do not nest (erratum 4690).

Semantic choices (documented for clients in the error text):

- An unknown attribute is not an error: its expressions match nothing (RFC 7644 §3.4.2.2).
- ``null`` goes with ``eq``/``ne`` only: ``eq null`` means "unassigned" (RFC 7643 §2.5:
  null, absent and empty are the same state), ``ne null`` means ``pr``.
- A literal must fit the attribute's type; ``gt``/``ge``/``lt``/``le`` on a boolean, binary or
  complex attribute is ``invalidFilter`` (RFC 7644 §3.4.2.2); ``co``/``sw``/``ew`` apply to
  strings (and to a dateTime's text) only.
- dateTime literals are normalised through ``parse_datetime``/``format_datetime``.
- The complexity budget: at most ``MAX_TERMS`` comparisons and ``MAX_NESTING`` levels of
  ``(...)``, ``not (...)`` and ``[...]``; past either the filter is ``invalidFilter``, never a
  ``RecursionError``. The SQL translation is sized by the budget: a chain of ``MAX_TERMS``
  comparisons is an expression about 130 deep (SQLite allows 1,000) and ``MAX_NESTING``
  levels are at most 16 nested parentheses in the SQL (``filter_sql.MAX_SQL_NESTING``), so
  every filter within the budget runs as one SQL statement (``tests/test_filter_budget.py``
  runs the worst shapes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from scim_harness.reference_server.protocol.errors import (
    InvalidFilter,
    InvalidPath,
    InvalidValue,
    ScimError,
)
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.grammar.attributes import (
    Resolved,
    comparison_target,
    resolve_path,
    resolve_sub,
)
from scim_harness.reference_server.protocol.grammar.lexer import Token, tokenize
from scim_harness.reference_server.protocol.grammar.nodes import (
    And,
    AttrPath,
    Compare,
    CompareValue,
    Filter,
    Not,
    Or,
    PatchPath,
    Present,
    ValuePath,
)
from scim_harness.reference_server.protocol.schema import (
    Attribute,
    ResourceType,
    format_datetime,
    parse_datetime,
)

__all__ = [
    "COMPARE_OPS",
    "MAX_NESTING",
    "MAX_TERMS",
    "parse_attr_path",
    "parse_filter",
    "parse_patch_path",
]

COMPARE_OPS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
ORDER_OPS = frozenset({"gt", "ge", "lt", "le"})
SUBSTRING_OPS = frozenset({"co", "sw", "ew"})
MAX_NESTING = 8
"""Deepest nesting of groups, ``not (...)`` and value filters; real clients use one or two."""
MAX_TERMS = 100
"""Most comparisons in one filter; real clients send one or two (a batch lookup a few dozen)."""
MAX_DEPTH = 300
"""Tree depth bound: evaluation and formatting recurse once per level, far below Python's limit."""
_NAME = re.compile(r"[A-Za-z$][A-Za-z0-9_$\-]*\Z")

Node = tuple[Filter, int]
"""A parsed node with the depth of its tree (kept small so evaluation never recurses deep)."""


@dataclass(frozen=True)
class _Scope:
    """Inside ``attr[...]``: names are sub-attributes of ``attr`` (None when it is unknown)."""

    attr: Attribute | None


def _split_path(text: str, pos: int, error: type[ScimError]) -> tuple[str | None, str, str | None]:
    """``[URI ":"] ATTRNAME ["." subAttr]`` split into its three parts, names unchecked."""
    uri: str | None = None
    rest = text
    if ":" in text:
        uri, rest = text.rsplit(":", 1)
        if not uri:
            msg = f"invalid attribute path {text!r} at position {pos}"
            raise error(msg)
    parts = rest.split(".")
    if len(parts) > 2 or not all(_NAME.match(p) for p in parts):
        msg = f"invalid attribute path {text!r} at position {pos}"
        raise error(msg)
    return uri, parts[0], parts[1] if len(parts) == 2 else None


def _canonical(path: AttrPath, rtype: ResourceType) -> tuple[AttrPath, Resolved | None]:
    resolved = resolve_path(path, rtype)
    return (resolved.canonical if resolved else path), resolved


def _bare_schema(text: str, rtype: ResourceType) -> AttrPath | None:
    schema = rtype.extension(text)
    return AttrPath(schema.id, "", None) if schema is not None else None


def _literal_kind(value: CompareValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


class _Parser:
    def __init__(
        self,
        text: str,
        rtype: ResourceType,
        error: type[ScimError],
        findings: Findings | None = None,
    ) -> None:
        self.findings = findings
        self.tokens = tokenize(text, error)
        self.index = 0
        self.rtype = rtype
        self.error = error
        self.nesting = 0
        self.terms = 0

    # -- token helpers -----------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def is_word(self, *words: str, token: Token | None = None) -> bool:
        token = token or self.token
        return token.kind == "word" and token.text.lower() in words

    def fail(self, message: str, token: Token | None = None) -> ScimError:
        token = token or self.token
        found = "the end of the text" if token.kind == "end" else repr(token.text)
        return self.error(f"{message}, found {found} at position {token.pos}")

    def expect(self, kind: str, what: str) -> Token:
        if self.token.kind != kind:
            raise self.fail(f"expected {what}")
        return self.advance()

    def enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            msg = (
                f"filter nested deeper than {MAX_NESTING} levels (the server's filter budget) "
                f"at position {self.token.pos}"
            )
            raise self.error(msg)

    # -- grammar -----------------------------------------------------------------------------

    def parse_top(self) -> Filter:
        node, depth = self.or_expr(None)
        if self.token.kind != "end":
            raise self.fail("expected 'and', 'or' or the end of the filter")
        if depth > MAX_DEPTH:  # unreachable within MAX_NESTING and MAX_TERMS; kept as the guard
            msg = f"filter too deeply nested at position {self.token.pos}"
            raise self.error(msg)
        return node

    def or_expr(self, scope: _Scope | None) -> Node:
        # RFC 7644 §3.4.2.2: "not" binds tighter than "and", which binds tighter than "or".
        items = [self.and_expr(scope)]
        while self.is_word("or"):
            self.advance()
            items.append(self.and_expr(scope))
        return _balanced(Or, items)

    def and_expr(self, scope: _Scope | None) -> Node:
        items = [self.unary(scope)]
        while self.is_word("and"):
            self.advance()
            items.append(self.unary(scope))
        return _balanced(And, items)

    def group(self, scope: _Scope | None) -> Node:
        self.expect("(", "'('")
        self.enter()
        node = self.or_expr(scope)
        self.expect(")", "')' or a logical operator")
        self.nesting -= 1
        return node

    def unary(self, scope: _Scope | None) -> Node:
        token = self.token
        if self.is_word("not") and self.peek().kind == "(":
            self.advance()
            inner, depth = self.group(scope)
            return Not(inner), depth + 1
        if self.is_word("not") and self.peek().kind == "word":
            raise self.fail("'not' takes a parenthesised filter: not (...)", self.peek())
        if token.kind == "(":
            return self.group(scope)
        if token.kind != "word" or self.is_word("and", "or"):
            raise self.fail("expected an attribute path, 'not' or '('")
        return self.attr_expr(scope)

    def attr_expr(self, scope: _Scope | None) -> Node:
        word = self.advance()
        path, resolved = self.path(word, scope)
        if self.token.kind != "[":
            return self.leaf(path, resolved, scope), 1
        if scope is not None:
            # RFC 7644 erratum 4690: a valFilter holds only sub-attribute expressions.
            raise self.fail("value filters cannot be nested")
        scope = _Scope(self.complex_for_value_path(path, resolved))
        self.advance()
        self.enter()
        inner, depth = self.or_expr(scope)
        self.expect("]", "']' or a logical operator")
        self.nesting -= 1
        if self.token.kind == "dotname":
            # Entra ID's `emails[type eq "work"].value eq "x"`: the same value matches both.
            # Not RFC 7644 §3.4.2.2 grammar: strict refuses it, lenient records it.
            if self.findings is not None:
                self.findings.tolerate(
                    "LENIENT-FILTER-VALUE-PATH",
                    f"filter: '{self.token.text}' after '{path.attr}[...]' at position "
                    f"{self.token.pos} is not RFC 7644 §3.4.2.2 grammar; read as one more "
                    f"condition inside the brackets",
                    self.error,
                )
            dot = self.advance()
            sub_path, sub_resolved = self.path(dot, scope, text=str(dot.value))
            inner = And(inner, self.leaf(sub_path, sub_resolved, scope))
            depth = max(depth, 1) + 1
        return ValuePath(path, inner), depth + 1

    def complex_for_value_path(self, path: AttrPath, resolved: Resolved | None) -> Attribute | None:
        if resolved is None:
            return None  # unknown attribute: parsed, matches nothing
        if resolved.sub is not None or not resolved.top.is_complex:
            msg = f"'{path.attr}' is not a complex attribute: it takes no [value filter]"
            raise self.fail(msg)
        return resolved.top

    def path(
        self, token: Token, scope: _Scope | None, text: str | None = None
    ) -> tuple[AttrPath, Resolved | None]:
        uri, attr, sub = _split_path(text or token.text, token.pos, self.error)
        raw = AttrPath(uri, attr, sub)
        if scope is None:
            return _canonical(raw, self.rtype)
        # Inside a value filter names are sub-attributes of the complex attribute.
        found = None
        if scope.attr is not None and uri is None and sub is None:
            found = resolve_sub(scope.attr, attr)
        if found is None:
            return raw, None
        return AttrPath(None, found.name, None), Resolved(found, None)

    def leaf(self, path: AttrPath, resolved: Resolved | None, scope: _Scope | None) -> Filter:
        self.terms += 1
        if self.terms > MAX_TERMS:
            msg = (
                f"filter has more than {MAX_TERMS} comparisons (the server's filter budget) "
                f"at position {self.token.pos}"
            )
            raise self.error(msg)
        op_token = self.token
        if op_token.kind != "word":
            raise self.fail(
                f"expected an operator (eq ne co sw ew gt ge lt le pr) after {path.attr!r}"
            )
        op = op_token.text.lower()
        if op == "pr":
            self.advance()
            return Present(path)
        if op not in COMPARE_OPS:
            raise self.fail(f"unknown operator after {path.attr!r} (eq ne co sw ew gt ge lt le pr)")
        self.advance()
        value_token = self.token
        value = self.value()
        if scope is None and resolved is not None:
            resolved = comparison_target(resolved)
            path = resolved.canonical
        if op in ORDER_OPS | SUBSTRING_OPS and value is None:
            raise self.fail(f"'{op}' cannot compare with null (only eq and ne can)", value_token)
        if resolved is not None:
            value = self.check_types(resolved.leaf, op, value, op_token, value_token)
        return Compare(path, op, value)

    def value(self) -> CompareValue:
        token = self.token
        if token.kind in ("string", "number"):
            self.advance()
            return token.value
        if self.is_word("true", "false", "null"):
            self.advance()
            return {"true": True, "false": False, "null": None}[token.text.lower()]
        raise self.fail("expected a value (a quoted string, a number, true, false or null)")

    def check_types(
        self, attr: Attribute, op: str, value: CompareValue, op_token: Token, value_token: Token
    ) -> CompareValue:
        """The literal as compared (dateTime normalised); invalidFilter when it cannot apply."""
        if value is None:
            return None  # eq/ne null: "unassigned" / "assigned", any attribute type
        name = attr.name
        if attr.is_complex:
            example = next(iter(attr.sub_attributes.values())).name if attr.sub_attributes else "x"
            msg = f"'{name}' is complex: name a sub-attribute (e.g. {name}.{example}) to compare"
            raise self.fail(msg, op_token)
        if op in ORDER_OPS and attr.type in ("boolean", "binary"):
            # RFC 7644 §3.4.2.2: gt/ge/lt/le on Boolean and Binary attributes is invalidFilter.
            raise self.fail(
                f"'{op}' does not apply to the {attr.type} attribute '{name}'", op_token
            )
        if op in SUBSTRING_OPS and attr.type in ("boolean", "integer", "decimal"):
            raise self.fail(
                f"'{op}' does not apply to the {attr.type} attribute '{name}'", op_token
            )
        wanted = _expected_literal(attr.type)
        if wanted(value):
            return _normalised(attr, op, value, self, value_token)
        kind = _literal_kind(value)
        raise self.fail(f"'{name}' is a {attr.type} attribute: {kind} cannot match it", value_token)


def _expected_literal(attr_type: str) -> Callable[[CompareValue], bool]:
    if attr_type == "boolean":
        return lambda v: isinstance(v, bool)
    if attr_type in ("integer", "decimal"):
        return lambda v: isinstance(v, int | float) and not isinstance(v, bool)
    return lambda v: isinstance(v, str)


def _normalised(
    attr: Attribute, op: str, value: CompareValue, parser: _Parser, token: Token
) -> CompareValue:
    if attr.type != "dateTime" or op in SUBSTRING_OPS or not isinstance(value, str):
        return value
    try:
        # RFC 7643 §2.3.5: dateTime compares chronologically; stored text is format_datetime's.
        return format_datetime(parse_datetime(value))
    except (ValueError, OverflowError):
        raise parser.fail(f"'{attr.name}' is a dateTime: {value!r} is not one", token) from None


def _balanced(kind: type[And] | type[Or], items: list[Node]) -> Node:
    """A chain ``a and b and c ...`` as a balanced tree: same meaning, logarithmic depth."""
    if len(items) == 1:
        return items[0]
    middle = len(items) // 2
    left, left_depth = _balanced(kind, items[:middle])
    right, right_depth = _balanced(kind, items[middle:])
    return kind(left, right), max(left_depth, right_depth) + 1


def parse_filter(text: str, rtype: ResourceType, findings: Findings | None = None) -> Filter:
    """The AST of a filter; ``InvalidFilter`` with "at position N" when it is malformed.

    ``findings`` (a request's) decides the forms outside the grammar that real clients send:
    tolerated and recorded in lenient mode, refused in strict mode.
    """
    return _Parser(text, rtype, InvalidFilter, findings).parse_top()


def parse_attr_path(
    text: str, rtype: ResourceType, *, error: type[ScimError] = InvalidValue
) -> AttrPath:
    """An attribute path (``sortBy``, ``attributes``): canonical when known, as given if not.

    A bare extension URN is accepted (``attributes=urn:...:enterprise:2.0:User``). Raises
    ``error`` (``InvalidValue`` unless the caller names another) when the text is no path.
    """
    stripped = text.strip()
    bare = _bare_schema(stripped, rtype)
    if bare is not None:
        return bare
    tokens = tokenize(stripped, error)
    if len(tokens) != 2 or tokens[0].kind != "word":
        msg = f"invalid attribute path {text!r} at position {tokens[0].pos}"
        raise error(msg)
    uri, attr, sub = _split_path(tokens[0].text, tokens[0].pos, error)
    return _canonical(AttrPath(uri, attr, sub), rtype)[0]


def parse_patch_path(text: str, rtype: ResourceType) -> PatchPath:
    """RFC 7644 §3.10 ``PATH = attrPath / valuePath [subAttr]``; ``InvalidPath`` if malformed.

    Unknown attributes parse (as written); the PATCH engine decides what they mean.
    """
    parser = _Parser(text, rtype, InvalidPath)
    word = parser.expect("word", "an attribute path")
    bare = _bare_schema(word.text, rtype)
    if bare is not None:
        parser.expect("end", "the end of the path after the schema URN")
        return PatchPath(bare)
    path, resolved = parser.path(word, None)
    if parser.token.kind == "end":
        return PatchPath(path)
    if parser.token.kind != "[" or path.sub is not None:
        raise parser.fail("expected '[' or the end of the path")
    complex_attr = parser.complex_for_value_path(path, resolved)
    parser.advance()
    parser.enter()
    value_filter, _ = parser.or_expr(_Scope(complex_attr))
    parser.expect("]", "']' or a logical operator")
    sub: str | None = None
    if parser.token.kind == "dotname":
        dot = parser.advance()
        sub = str(dot.value)
        found = resolve_sub(complex_attr, sub) if complex_attr is not None else None
        if found is not None:
            sub = found.name
    parser.expect("end", "the end of the path")
    return PatchPath(path, value_filter, sub)
