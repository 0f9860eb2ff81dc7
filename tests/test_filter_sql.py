"""The SQL pushdown: indexes serve the lookups clients make, values are bound, results are 0/1."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from filter_support import APP, connect_with, groups, sql_ids, users
from scim_harness.reference_server.protocol.errors import InvalidFilter
from scim_harness.reference_server.protocol.schema import (
    Attribute,
    ResourceType,
    Schema,
    resource_type,
)
from scim_harness.reference_server.query.filters import (
    MAX_NESTING,
    AttrPath,
    Compare,
    compile_filter,
    matches,
    parse_filter,
)

USER = resource_type("User")
GROUP = resource_type("Group")
USERS = users(7, 40)
GROUPS = groups(7, USERS, 5)

# What ANALYZE would record for a large tenant: (app, rtype) selects many rows, a name one.
STATS = [
    ("resources", "resources_id", "100000 2 1"),
    ("resources", "resources_name", "100000 50000 25000 1"),
    ("resources", "resources_external", "100000 50000 25000 1"),
    ("resource_emails", "resource_emails_value", "120000 60000 1"),
    ("resource_emails", "resource_emails_seq", "120000 2"),
]


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = connect_with({"User": USERS, "Group": GROUPS})
    yield conn
    conn.close()


@pytest.fixture
def analysed_db() -> Iterator[sqlite3.Connection]:
    """The population with planner statistics of a large tenant loaded."""
    conn = connect_with({"User": USERS})
    conn.execute("ANALYZE sqlite_schema")
    conn.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", STATS)
    conn.execute("ANALYZE sqlite_schema")  # reload the statistics
    yield conn
    conn.close()


def plan(conn: sqlite3.Connection, rtype: ResourceType, text: str) -> str:
    compiled = compile_filter(parse_filter(text, rtype), rtype, app=APP)
    assert compiled is not None
    fragment, params = compiled
    sql = (
        "EXPLAIN QUERY PLAN SELECT r.id FROM resources r WHERE r.app = ? AND r.rtype = ?"
        f" AND ({fragment}) ORDER BY r.seq"
    )
    rows = conn.execute(sql, [APP, rtype.name, *params]).fetchall()
    return "\n".join(row[3] for row in rows)


INDEXED = [
    pytest.param(USER, 'userName eq "bjensen"', "resources_name", id="userName"),
    pytest.param(USER, 'USERNAME EQ "BJensen"', "resources_name", id="userName-any-case"),
    pytest.param(USER, 'externalId eq "00u1"', "resources_external", id="externalId"),
    pytest.param(USER, 'id eq "u0001"', "resources_id", id="id"),
    pytest.param(GROUP, 'displayName eq "Admins"', "resources_name", id="group-displayName"),
]


@pytest.mark.parametrize(("rtype", "text", "index"), INDEXED)
def test_equality_lookups_search_the_resources_indexes(
    db: sqlite3.Connection, rtype: ResourceType, text: str, index: str
) -> None:
    """userName / externalId / id / displayName eq are index searches, never scans."""
    found = plan(db, rtype, text)
    assert f"SEARCH r USING INDEX {index}" in found, found
    assert "SCAN r" not in found, found


EMAIL_LOOKUPS = [
    pytest.param('emails.value eq "bj@example.com"', id="emails.value"),
    pytest.param('emails eq "bj@example.com"', id="emails-implicit-value"),
    pytest.param('emails[value eq "bj@example.com"]', id="value-path"),
    pytest.param('emails[type eq "work"].value eq "bj@example.com"', id="entra"),
    pytest.param('emails[type eq "work" and value eq "bj@example.com"]', id="value-path-and"),
]


@pytest.mark.parametrize("text", EMAIL_LOOKUPS)
def test_email_lookups_use_the_email_index(db: sqlite3.Connection, text: str) -> None:
    """Every email eq form Entra ID sends is answered from resource_emails_value."""
    found = plan(db, USER, text)
    assert "SEARCH resource_emails USING INDEX resource_emails_value" in found, found
    assert "SCAN" not in found, found


@pytest.mark.parametrize("text", EMAIL_LOOKUPS)
def test_email_lookups_fetch_rows_by_primary_key_given_planner_statistics(
    analysed_db: sqlite3.Connection, text: str
) -> None:
    """With statistics (ANALYZE) the resources row is fetched by rowid, not by app order."""
    found = plan(analysed_db, USER, text)
    assert "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)" in found, found


def test_other_attributes_are_not_claimed_to_be_indexed(db: sqlite3.Connection) -> None:
    """A title lookup reads the JSON: the plan check above can tell the difference."""
    found = plan(db, USER, 'title eq "Engineer"')
    assert "resource_emails" not in found
    assert "name_key=?" not in found and "external_id=?" not in found


def test_values_are_bound_never_interpolated() -> None:
    """A literal with SQL in it reaches SQLite only as a parameter."""
    nasty = "x'); DROP TABLE resources; --"
    for text in (
        f'userName eq "{nasty}"',
        f'title co "{nasty}"',
        f'emails[type eq "{nasty}"].value eq "{nasty}"',
        f'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw "{nasty}"',
    ):
        compiled = compile_filter(parse_filter(text, USER), USER, app=APP)
        assert compiled is not None
        fragment, params = compiled
        assert "DROP" not in fragment
        assert fragment.count("?") == len(params)


FRAGMENTS = [
    'title eq "engineer"',
    "title pr",
    "name pr",
    "emails pr",
    "active ne true",
    'emails[type eq "work"]',
    "name.familyName eq null",
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value sw "u"',
    'externalId eq "EXT-1"',
    'meta.lastModified lt "2011-06-01T00:00:00Z"',
    'name[givenName co "a"]',
]


@pytest.mark.parametrize("text", FRAGMENTS)
def test_fragments_are_never_null_so_not_matches_python(db: sqlite3.Connection, text: str) -> None:
    """Each fragment yields 0 or 1 on every row, and NOT of it selects the Python complement."""
    compiled = compile_filter(parse_filter(text, USER), USER, app=APP)
    assert compiled is not None
    fragment, params = compiled
    sql = f"SELECT DISTINCT ({fragment}) FROM resources r WHERE r.app = ? AND r.rtype = 'User'"
    values = {row[0] for row in db.execute(sql, [*params, APP])}
    assert values <= {0, 1}
    negated = parse_filter(f"not ({text})", USER)
    expected = [u["id"] for u in USERS if not matches(parse_filter(text, USER), u, USER)]
    assert sql_ids(db, "User", negated) == expected


def test_percent_and_underscore_are_not_wildcards() -> None:
    """co/sw/ew use instr/substr: '%' and '_' match only themselves."""
    people: list[dict[str, Any]] = [
        {"id": "1", "userName": "plain", "title": "abc"},
        {"id": "2", "userName": "percent", "title": "a%c"},
        {"id": "3", "userName": "under", "title": "a_c"},
    ]
    conn = connect_with({"User": people})
    for text, expected in (
        ('title co "%"', ["2"]),
        ('title co "_"', ["3"]),
        ('title sw "a%"', ["2"]),
        ('title ew "_c"', ["3"]),
        ('title eq "a_c"', ["3"]),
    ):
        f = parse_filter(text, USER)
        assert sql_ids(conn, "User", f) == expected, text
        assert [p["id"] for p in people if matches(f, p, USER)] == expected, text


def _counter_type() -> ResourceType:
    """A resource type with integer and decimal attributes (no RFC schema has one)."""
    attrs = {
        "logins": Attribute("logins", "integer"),
        "score": Attribute("score", "decimal"),
        "userName": Attribute("userName", "string"),
    }
    schema = Schema("urn:example:Counter", "Counter", "", attrs, {})
    return ResourceType("Counter", "/Counters", "", schema)


def test_numbers_compare_by_value_in_python_and_sql() -> None:
    """integer/decimal attributes compare numerically and ignore values of other JSON types."""
    counter = _counter_type()
    rows: list[dict[str, Any]] = [
        {"id": "a", "userName": "a", "logins": 3, "score": 1.5},
        {"id": "b", "userName": "b", "logins": 10, "score": 2},
        {"id": "c", "userName": "c", "logins": "10"},
        {"id": "d", "userName": "d"},
    ]
    conn = connect_with({"Counter": rows})
    for text, expected in (
        ("logins gt 5", ["b"]),
        ("logins le 3", ["a"]),
        ("logins eq 10.0", ["b"]),
        ("score ge 1.5", ["a", "b"]),
        ("score eq 2", ["b"]),
        ("logins pr", ["a", "b", "c"]),
        ("not (logins ne 3)", ["a", "c", "d"]),
    ):
        f = parse_filter(text, counter)
        assert [r["id"] for r in rows if matches(f, r, counter)] == expected, text
        compiled = compile_filter(f, counter)
        assert compiled is not None
        fragment, params = compiled
        sql = (
            f"SELECT r.id FROM resources r WHERE r.rtype = 'Counter' AND r.app = ? AND ({fragment})"
        )
        assert [row[0] for row in conn.execute(sql + " ORDER BY r.seq", [APP, *params])] == expected


def test_integer_beyond_64_bits_is_refused_by_the_parser_and_left_to_python_by_sql() -> None:
    """A parsed filter cannot hold one; a hand-built one compiles to None, not to wrong SQL."""
    counter = _counter_type()
    with pytest.raises(InvalidFilter, match="out of range"):
        parse_filter(f"logins lt {2**70}", counter)
    f = Compare(AttrPath(None, "logins", None), "lt", 2**70)
    assert compile_filter(f, counter) is None
    assert matches(f, {"logins": 5}, counter) is True


def test_email_index_needs_the_app() -> None:
    """Without an app value the email lookup reads r.data instead of the index."""
    f = parse_filter('emails.value eq "x@example.com"', USER)
    without = compile_filter(f, USER)
    bound = compile_filter(f, USER, app=APP)
    numbered = compile_filter(f, USER, "?1")
    assert without is not None and bound is not None and numbered is not None
    assert "resource_emails" not in without[0]
    assert "app = ?" in bound[0] and APP in bound[1]
    assert "app = ?1" in numbered[0] and APP not in numbered[1]


def _nested(levels: int, leaf: str) -> str:
    """``leaf and leaf and not (leaf or leaf or not (...))``, ``levels`` deep."""
    text = f"{leaf} or {leaf}"
    for level in range(1, levels):
        word = "and" if level % 2 else "or"
        text = f"{leaf} {word} {leaf} {word} not ({text})"
    return text


DEEP_LEAVES = [
    'title ne "x"',
    'userName eq "a"',
    'emails.value eq "a"',
    "emails pr",
    'emails[type eq "work" and not (value co "x")]',
    'name[givenName eq "a" or not (familyName pr)]',
]


@pytest.mark.parametrize("leaf", DEEP_LEAVES)
def test_deep_filters_within_the_budget_all_run_as_sql_and_agree(
    db: sqlite3.Connection, leaf: str
) -> None:
    """Up to the parser's nesting limit, every filter is pushed down and SQL agrees."""
    pushed = 0
    for levels in range(1, MAX_NESTING + 1):
        try:
            f = parse_filter(_nested(levels, leaf), USER)
        except InvalidFilter:
            break  # value paths use up nesting faster
        expected = [u["id"] for u in USERS if matches(f, u, USER)]
        assert sql_ids(db, "User", f) == expected, levels
        pushed += 1
    assert pushed >= MAX_NESTING - 1
