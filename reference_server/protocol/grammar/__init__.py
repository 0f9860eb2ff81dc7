"""The RFC 7644 §3.4.2.2 filter language and §3.10 PATCH paths, as text and as a tree.

``lexer`` and ``parser`` turn text into the AST of ``nodes``; ``attributes`` says what a path
points at in a resource type. Pure: no I/O, no storage. Evaluation and SQL live in
:mod:`scim_harness.reference_server.query`; the conformance suites use this package to read
what clients send, so the grammar is the grammar on both sides.
"""

from __future__ import annotations

from scim_harness.reference_server.protocol.grammar.attributes import (
    SCHEMAS_ATTRIBUTE,
    Resolved,
    resolve_path,
    resolve_sub,
)
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
    format_filter,
    format_patch_path,
    format_path,
)
from scim_harness.reference_server.protocol.grammar.parser import (
    MAX_NESTING,
    MAX_TERMS,
    parse_attr_path,
    parse_filter,
    parse_patch_path,
)

__all__ = [
    "MAX_NESTING",
    "MAX_TERMS",
    "SCHEMAS_ATTRIBUTE",
    "And",
    "AttrPath",
    "Compare",
    "CompareValue",
    "Filter",
    "Not",
    "Or",
    "PatchPath",
    "Present",
    "Resolved",
    "ValuePath",
    "format_filter",
    "format_patch_path",
    "format_path",
    "parse_attr_path",
    "parse_filter",
    "parse_patch_path",
    "resolve_path",
    "resolve_sub",
]
