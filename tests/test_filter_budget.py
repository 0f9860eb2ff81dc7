"""The filter budget: within it every filter runs as one SQL statement, past it 400.

The budget is ``MAX_TERMS`` comparisons and ``MAX_NESTING`` levels of ``(...)``, ``not (...)``
and ``[...]``. A 1,000-term filter used to reach SQLite as a chain 1,000 deep (its limit) and
answer 500. Here the worst shapes the budget allows (every comparison in one chain, every
level nested, the leaves whose SQL is deepest) run on a connection whose expression depth is
capped at a quarter of SQLite's default, and agree with the Python evaluation.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest
from filter_support import APP, connect_with, users
from scim_harness.reference_server.protocol.errors import InvalidFilter
from scim_harness.reference_server.protocol.schema import ENTERPRISE_USER, resource_type
from scim_harness.reference_server.query.filters import (
    MAX_NESTING,
    MAX_TERMS,
    Or,
    compile_filter,
    matches,
    parse_filter,
)
from scim_harness.reference_server.query.sql import MAX_SQL_NESTING, _nesting

USER = resource_type("User")
POPULATION = users(1313, 40)
EXPR_DEPTH = 250
"""A quarter of SQLite's SQLITE_MAX_EXPR_DEPTH (1,000): the margin the budget keeps."""

# Leaves whose SQL is deepest: value filters, sub-queries over multi-valued attributes,
# folded comparisons, extension paths, negations inside value filters.
LEAVES = [
    ('emails[type eq "work" and not (value co "x")]', 2, 2),
    ('name[givenName eq "a" or not (familyName pr)]', 2, 2),
    ('emails[value ew ".de"].primary eq true', 2, 1),
    ("emails pr", 1, 0),
    ('emails.value co "example"', 1, 0),
    ('name.familyName sw "m"', 1, 0),
    ('meta.lastModified gt "2011-05-02T00:00:00Z"', 1, 0),
    (f'{ENTERPRISE_USER}:manager.value eq "x"', 1, 0),
    (f"{ENTERPRISE_USER}:manager pr", 1, 0),
    ('userName co "a"', 1, 0),
    ('title eq "Engineer"', 1, 0),
]
"""(leaf, comparisons it counts, nesting levels it uses)."""


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = connect_with({"User": POPULATION})
    conn.setlimit(sqlite3.SQLITE_LIMIT_EXPR_DEPTH, EXPR_DEPTH)
    yield conn
    conn.close()


def _chain(leaf: str, terms: int, word: str) -> str:
    return f" {word} ".join([leaf] * max(1, MAX_TERMS // terms))


def _deepest(leaf: str, terms: int, levels: int) -> str:
    """Every nesting level used, alternating not/and/or, the comparisons spread over them."""
    depth = MAX_NESTING - levels
    per_level = max(1, (MAX_TERMS // terms - 1) // max(depth, 1) // 2)
    text = leaf
    for level in range(depth):
        word = "and" if level % 2 else "or"
        siblings = f" {word} ".join([leaf] * per_level)
        inner = f"not ({text})" if level % 3 == 0 else f"({text})"
        text = f"{siblings} {word} {inner}"
    return text


def _shapes() -> Iterator[object]:
    for leaf, terms, levels in LEAVES:
        for word in ("or", "and"):
            yield pytest.param(_chain(leaf, terms, word), id=f"chain-{word}-{leaf[:24]}")
        yield pytest.param(_deepest(leaf, terms, levels), id=f"deepest-{leaf[:24]}")


@pytest.mark.parametrize("text", list(_shapes()))
def test_the_worst_filters_within_the_budget_run_as_one_sql_statement(
    db: sqlite3.Connection, text: str
) -> None:
    """Parsed, pushed down whole, run under a quarter of SQLite's depth limit, same answer."""
    f = parse_filter(text, USER)
    compiled = compile_filter(f, USER, app=APP)
    assert compiled is not None, "within the budget nothing is left to Python"
    fragment, params = compiled
    assert _nesting(fragment) <= MAX_SQL_NESTING
    rows = db.execute(
        "SELECT r.data ->> '$.id' FROM resources r WHERE r.app = ? AND r.rtype = 'User' "
        f"AND ({fragment}) ORDER BY r.seq",
        [APP, *params],
    ).fetchall()
    assert [r[0] for r in rows] == [u["id"] for u in POPULATION if matches(f, u, USER)]


def test_one_comparison_past_the_budget_is_invalid_filter() -> None:
    """MAX_TERMS + 1 comparisons are refused before any SQL is built."""
    with pytest.raises(InvalidFilter, match="filter budget"):
        parse_filter(" or ".join(['title eq "x"'] * (MAX_TERMS + 1)), USER)
    with pytest.raises(InvalidFilter, match="filter budget"):
        parse_filter("(" * (MAX_NESTING + 1) + "title pr" + ")" * (MAX_NESTING + 1), USER)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(" or ".join(['title eq "x"'] * 1000), id="1000-or"),
        pytest.param(" and ".join(['emails[type eq "work"]'] * 990), id="990-and-value-paths"),
        pytest.param("not (" * 40 + "title pr" + ")" * 40, id="40-nots"),
    ],
)
async def test_a_filter_past_the_budget_is_400_over_http(
    scim: httpx.AsyncClient, text: str
) -> None:
    """The filters that answered 500 (SQLite's depth limit) are 400 invalidFilter."""
    response = await scim.get("/Users", params={"filter": text})
    assert response.status_code == 400
    body = response.json()
    assert body["scimType"] == "invalidFilter"
    assert "filter budget" in body["detail"]


def test_the_depth_cap_is_real(db: sqlite3.Connection) -> None:
    """Three times the budget's comparisons in one chain do not fit under the cap: it bites."""
    leaf = parse_filter('title eq "Engineer"', USER)
    chain = leaf
    for _ in range(3 * MAX_TERMS - 1):
        chain = Or(chain, leaf)
    compiled = compile_filter(chain, USER, app=APP)
    assert compiled is not None
    with pytest.raises(sqlite3.OperationalError, match="too large"):
        db.execute(f"SELECT 1 FROM resources r WHERE ({compiled[0]})", compiled[1]).fetchall()
