"""The RFC 7644 §3.4.2.2 filter language: parse, evaluate in Python, compile to SQL.

One import for the store, the PATCH engine and the query parameters::

    f = parse_filter('emails[type eq "work"].value eq "bjensen@example.com"', rtype)
    matches(f, resource, rtype)                 # Python evaluation
    compile_filter(f, rtype, app=app)           # (SQL fragment, params), same answers

The grammar (text to AST, what a path points at) lives in :mod:`..protocol.grammar`; this
package adds ``evaluate`` (Python), ``sql`` (SQLite) and ``sort`` (sortBy, both ways).
"""

from __future__ import annotations

from scim_harness.reference_server.protocol import grammar
from scim_harness.reference_server.protocol.grammar import *  # noqa: F403 (re-exported)
from scim_harness.reference_server.query.evaluate import matches, matches_value, value_predicate
from scim_harness.reference_server.query.sort import (
    order_by_sql,
    sort_key,
    sort_key_sql,
    sort_resources,
)
from scim_harness.reference_server.query.sql import compile_filter

__all__ = [  # the grammar's names, then what this package adds
    *grammar.__all__,
    "compile_filter",
    "matches",
    "matches_value",
    "order_by_sql",
    "sort_key",
    "sort_key_sql",
    "sort_resources",
    "value_predicate",
]
