"""sortBy (RFC 7644 §3.4.2.3): SQL ORDER BY and the Python sort give the same, stable order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from filter_support import APP, connect_with, users
from scim_harness.reference_server.protocol.schema import ENTERPRISE_USER, resource_type
from scim_harness.reference_server.query.filters import (
    AttrPath,
    order_by_sql,
    parse_attr_path,
    sort_key,
    sort_key_sql,
    sort_resources,
)

USER = resource_type("User")
USERS = users(99, 120)

PATHS = [
    "userName",
    "name.familyName",
    "name.givenName",
    "title",
    "displayName",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "phoneNumbers.value",
    "active",
    "meta.lastModified",
    "meta.created",
    "externalId",
    "id",
    f"{ENTERPRISE_USER}:department",
    f"{ENTERPRISE_USER}:manager.displayName",
    "schemas",
    "name",
    "nosuch",
]


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = connect_with({"User": USERS})
    yield conn
    conn.close()


def sql_order(conn: sqlite3.Connection, path: AttrPath, descending: bool) -> list[str]:
    order = order_by_sql(path, USER, descending=descending)
    sql = f"SELECT r.id FROM resources r WHERE r.app = ? AND r.rtype = 'User' ORDER BY {order}"
    return [row[0] for row in conn.execute(sql, [APP])]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("text", PATHS)
def test_sql_and_python_sort_agree(db: sqlite3.Connection, text: str, descending: bool) -> None:
    """order_by_sql and sort_resources order the population identically."""
    path = parse_attr_path(text, USER)
    python = [u["id"] for u in sort_resources(USERS, path, USER, descending=descending)]
    assert sql_order(db, path, descending) == python


@pytest.mark.parametrize("text", PATHS)
def test_sort_key_orders_like_sort_resources_ascending(text: str) -> None:
    """sorted(..., key=sort_key(path)) is the ascending order, missing values last."""
    path = parse_attr_path(text, USER)
    assert sorted(USERS, key=sort_key(path, USER)) == sort_resources(USERS, path, USER)


def ids(resources: Sequence[Mapping[str, Any]]) -> list[str]:
    return [r["id"] for r in resources]


def test_case_insensitive_attribute_sorts_by_folded_value() -> None:
    """userName (caseExact=false) sorts as its casefolded text, ties by insertion order."""
    path = parse_attr_path("userName", USER)
    expected = sorted(USERS, key=lambda u: u["userName"].casefold())
    assert ids(sort_resources(USERS, path, USER)) == ids(expected)


def test_case_exact_attribute_sorts_by_code_points_with_missing_last() -> None:
    """externalId (caseExact=true): "EXT-..." before "ext-...", users without one at the end."""
    path = parse_attr_path("externalId", USER)
    having = sorted((u for u in USERS if "externalId" in u), key=lambda u: u["externalId"])
    missing = [u for u in USERS if "externalId" not in u]
    assert ids(sort_resources(USERS, path, USER)) == ids(having + missing)
    assert having[0]["externalId"].startswith("EXT") and having[-1]["externalId"].startswith("ext")


def test_descending_keeps_missing_last_and_ties_in_insertion_order() -> None:
    """Descending reverses values only: missing stay last, equal values keep their order."""
    path = parse_attr_path("active", USER)
    result = sort_resources(USERS, path, USER, descending=True)
    trues = [u for u in USERS if u.get("active") is True]
    falses = [u for u in USERS if u.get("active") is False]
    missing = [u for u in USERS if "active" not in u]
    assert ids(result) == ids(trues + falses + missing)


def test_multi_valued_attribute_sorts_by_its_primary_value() -> None:
    """RFC 7644 §3.4.2.3: emails sort by the primary email, else the first one."""
    people: list[dict[str, Any]] = [
        {"id": "1", "emails": [{"value": "z@x"}, {"value": "a@x"}]},
        {"id": "2", "emails": [{"value": "y@x"}, {"value": "b@x", "primary": True}]},
        {"id": "3", "emails": []},
        {"id": "4", "emails": [{"value": "C@x"}]},
    ]
    path = parse_attr_path("emails", USER)
    assert ids(sort_resources(people, path, USER)) == ["2", "4", "1", "3"]


def test_unsortable_paths_keep_insertion_order() -> None:
    """An unknown attribute or a whole complex one sorts nothing: the order stays."""
    for text in ("nosuch", "name"):
        path = parse_attr_path(text, USER)
        assert sort_key_sql(path, USER) == "NULL"
        assert ids(sort_resources(USERS, path, USER)) == ids(USERS)


def test_user_name_sort_uses_the_name_index_column() -> None:
    """sortBy=userName orders by r.name_key, which the (app, rtype, name_key) index holds."""
    path = parse_attr_path("userName", USER)
    assert sort_key_sql(path, USER) == "r.name_key"
    assert order_by_sql(path, USER, descending=True) == "r.name_key DESC, r.seq"
