"""The RFC 7644 §3.4.2.2 filter language: parse, evaluate in Python, compile to SQL.

One import for the store, the PATCH engine and the query parameters::

    f = parse_filter('emails[type eq "work"].value eq "bjensen@example.com"', rtype)
    matches(f, resource, rtype)                 # Python evaluation
    compile_filter(f, rtype, app=app)           # (SQL fragment, params), same answers

The grammar (text to AST, what a path points at) lives in :mod:`..protocol.grammar`; this
package adds ``evaluate`` (Python), ``sql`` (SQLite) and ``sort`` (sortBy, both ways).
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
from scim_harness.reference_server.query.evaluate import matches, matches_value, value_predicate
from scim_harness.reference_server.query.sort import (
    order_by_sql,
    sort_key,
    sort_key_sql,
    sort_resources,
)
from scim_harness.reference_server.query.sql import compile_filter

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
    "compile_filter",
    "format_filter",
    "format_patch_path",
    "format_path",
    "matches",
    "matches_value",
    "order_by_sql",
    "parse_attr_path",
    "parse_filter",
    "parse_patch_path",
    "resolve_path",
    "resolve_sub",
    "sort_key",
    "sort_key_sql",
    "sort_resources",
    "value_predicate",
]
