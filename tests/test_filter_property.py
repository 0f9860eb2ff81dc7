"""Generated filters either parse and evaluate the same in Python and SQL, or are invalidFilter."""

from __future__ import annotations

import json
import sqlite3
from functools import cache

from filter_support import connect_with, sql_ids, users
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scim_harness.reference_server.protocol.errors import InvalidFilter, InvalidPath
from scim_harness.reference_server.protocol.schema import ENTERPRISE_USER, resource_type
from scim_harness.reference_server.query.filters import (
    format_filter,
    format_patch_path,
    matches,
    parse_filter,
    parse_patch_path,
)

USER = resource_type("User")
POPULATION = users(31337, 60)
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@cache
def database() -> sqlite3.Connection:
    return connect_with({"User": POPULATION})


PATHS = [
    "userName", "USERNAME", "name.familyName", "name.givenName", "name", "title", "displayName",
    "active", "emails", "emails.value", "emails.type", "emails.primary", "Emails.VALUE",
    "phoneNumbers.value", "externalId", "id", "meta.lastModified", "meta.created",
    "meta.resourceType", "meta", "schemas", "x509Certificates.value", "members.value",
    f"{ENTERPRISE_USER}:department", f"{ENTERPRISE_USER}:manager.value",
    f"{ENTERPRISE_USER}:manager", "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "nosuch", "name.nosuch", "urn:x:y:z",
]  # fmt: skip
SUBS_BY_ATTR = {
    "emails": ["value", "type", "primary", "display", "VALUE"],
    "phoneNumbers": ["value", "type"],
    "name": ["givenName", "familyName", "formatted"],
    "addresses": ["type", "locality"],
    "meta": ["lastModified", "created", "resourceType"],
    "userName": ["value"],
    "nosuch": ["value"],
}
VALUE_PATH_ATTRS = list(SUBS_BY_ATTR)
OPS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Co", "xx"]


def _population_strings() -> list[str]:
    found: list[str] = []
    for u in POPULATION[:20]:
        found.append(u["userName"])
        found.append(u["meta"]["lastModified"])
        found.extend(e["value"] for e in u.get("emails", []) if e.get("value"))
        found.extend(str(u[k]) for k in ("title", "externalId") if k in u)
    return found


REAL = _population_strings()
STRING_LITERALS = st.one_of(
    st.sampled_from(REAL),
    st.sampled_from(REAL).map(str.upper),
    st.sampled_from(REAL).map(lambda s: s[1:4]),
    st.text(max_size=6),
    st.sampled_from(["work", "home", "%", "_", "", "2011-05-20T00:00:00Z", "User"]),
).map(lambda s: json.dumps(s, ensure_ascii=False))
LITERALS = st.one_of(
    STRING_LITERALS,
    STRING_LITERALS,
    st.integers(min_value=-5, max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["true", "false", "null", "TRUE", "Null", "bare"]),
)


def _leaf(paths: list[str]) -> st.SearchStrategy[str]:
    compare = st.builds(
        lambda p, op, v: f"{p} {op} {v}", st.sampled_from(paths), st.sampled_from(OPS), LITERALS
    )
    present = st.sampled_from(paths).map(lambda p: f"{p} pr")
    return st.one_of(compare, present)


def _sub_filters(subs: list[str]) -> st.SearchStrategy[str]:
    return st.recursive(
        _leaf([*subs, "nosuch"]),
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"{a} and {b}", inner, inner),
            st.builds(lambda a, b: f"{a} or {b}", inner, inner),
            inner.map(lambda a: f"not ({a})"),
        ),
        max_leaves=3,
    )


def _value_path(attr: str) -> st.SearchStrategy[str]:
    subs = SUBS_BY_ATTR[attr]
    tail = st.one_of(st.just(""), _leaf(subs).map(lambda leaf: f".{leaf}"))
    return st.builds(lambda inner, end: f"{attr}[{inner}]{end}", _sub_filters(subs), tail)


VALUE_PATHS = st.one_of([_value_path(attr) for attr in VALUE_PATH_ATTRS])
FILTERS = st.recursive(
    st.one_of(_leaf(PATHS), VALUE_PATHS, VALUE_PATHS),
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"{a} and {b}", inner, inner),
        st.builds(lambda a, b: f"{a} OR {b}", inner, inner),
        inner.map(lambda a: f"not ({a})"),
        inner.map(lambda a: f"({a})"),
    ),
    max_leaves=6,
)


@SETTINGS
@given(FILTERS)
def test_generated_filters_evaluate_the_same_in_python_and_sql(text: str) -> None:
    """A filter that parses gives the same users through SQL as through Python."""
    try:
        f = parse_filter(text, USER)
    except InvalidFilter:
        return
    assert parse_filter(format_filter(f), USER) == f
    expected = [u["id"] for u in POPULATION if matches(f, u, USER)]
    got = sql_ids(database(), "User", f)
    if got is not None:  # None: an integer beyond 64 bits, left to Python
        assert got == expected


FILTER_CHARACTERS = st.text(
    alphabet=st.sampled_from(list('()[]"\\ .:-_$eqnotandpr0123456789uUsrNamemails\tЖ%')),
    max_size=40,
)


@SETTINGS
@given(st.one_of(FILTER_CHARACTERS, st.text(max_size=40)))
def test_arbitrary_text_is_a_filter_or_invalid_filter(text: str) -> None:
    """Any text either parses (and evaluates consistently) or is refused with invalidFilter."""
    try:
        f = parse_filter(text, USER)
    except InvalidFilter as error:
        assert "at position" in error.detail
        return
    expected = [u["id"] for u in POPULATION if matches(f, u, USER)]
    got = sql_ids(database(), "User", f)
    assert got is None or got == expected


PATCH_PATHS = st.one_of(
    st.sampled_from(PATHS),
    VALUE_PATHS.map(lambda p: p.split("].")[0] + "]" if "]." in p else p),
    st.builds(
        lambda path, sub: f"{path.split('].')[0].rstrip(']')}].{sub}",
        VALUE_PATHS,
        st.sampled_from(["value", "type", "familyName", "nosuch"]),
    ),
    FILTER_CHARACTERS,
)


@SETTINGS
@given(PATCH_PATHS)
def test_patch_paths_parse_or_are_invalid_path(text: str) -> None:
    """Any PATCH path parses to a path that formats back to itself, or is invalidPath."""
    try:
        path = parse_patch_path(text, USER)
    except InvalidPath as error:
        assert "at position" in error.detail
        return
    assert parse_patch_path(format_patch_path(path), USER) == path


@SETTINGS
@given(st.lists(VALUE_PATHS, min_size=1, max_size=3).map(" or ".join))
def test_generated_value_filters_evaluate_the_same_in_python_and_sql(text: str) -> None:
    """Value filters (the part Entra ID and Okta lean on) agree in SQL and Python."""
    try:
        f = parse_filter(text, USER)
    except InvalidFilter:
        return
    expected = [u["id"] for u in POPULATION if matches(f, u, USER)]
    got = sql_ids(database(), "User", f)
    assert got is None or got == expected
