"""A seeded population of Users and Groups, and an SQLite database holding it, for filter tests.

Rows are written the way the store writes them (``resources`` plus the ``resource_emails``
index), so the SQL pushdown can be checked without the store.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from scim_harness.reference_server.protocol.schema import (
    CORE_GROUP,
    CORE_USER,
    ENTERPRISE_USER,
    fold,
    format_datetime,
    resource_type,
)
from scim_harness.reference_server.query.filters import Filter, compile_filter
from scim_harness.reference_server.store import database as sqlite_db

__all__ = [
    "APP",
    "OTHER_APP",
    "Resource",
    "connect_with",
    "groups",
    "sql_ids",
    "users",
]

Resource = dict[str, Any]
APP = "acme"
OTHER_APP = "other"

GIVEN = [
    "Barbara", "Zoë", "Ægir", "İlkay", "Σοφία", "José", "Ólafur", "Chloé", "Straße",
    "Anne-Marie", 'Quo"te', "ǅemal", "Renée", "Bo", "Łucja", "ΣΟΦΊΑ",
]  # fmt: skip
FAMILY = [
    "Jensen", "O'Malley", "Müller", "MÜLLER", "Nuñez", "Οδυσσεύς", "Smith", "smith",
    "D'Arcy", "Øster", "100%Real", "under_score", "Straße", "STRASSE", "Back\\slash",
]  # fmt: skip
DOMAINS = ["example.com", "Example.ORG", "exämple.de", "x_y%z.net", "EXAMPLE.com"]
EMAIL_TYPES = ["work", "Work", "home", "other", None]
TITLES = ["Engineer", "engineer", "Tour Guide", "100% Manager", "a_b", "", "Ünit Lead"]
DEPARTMENTS = ["Tour", "tour", "Sales", "Ünits", ""]
BASE_TIME = datetime(2011, 5, 1, tzinfo=UTC)


def _email(rng: random.Random, given: str, i: int, j: int) -> dict[str, Any]:
    email: dict[str, Any] = {}
    roll = rng.random()
    if roll > 0.05:
        local = given.lower().replace('"', "").replace(" ", "")
        email["value"] = f"{local}{i}.{j}@{rng.choice(DOMAINS)}"
    elif roll > 0.02:
        email["value"] = ""
    kind = rng.choice(EMAIL_TYPES)
    if kind is not None:
        email["type"] = kind
    if j == 0 and rng.random() < 0.5:
        email["primary"] = True
    elif rng.random() < 0.2:
        email["primary"] = False
    return email


def _user(rng: random.Random, i: int, count: int) -> Resource:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    user_name = f"{given}.{family}.{i}"
    if rng.random() < 0.2:
        user_name = user_name.upper()
    created = BASE_TIME + timedelta(hours=i, seconds=rng.randrange(3000))
    modified = created + timedelta(seconds=rng.randrange(86400 * 60))
    user: Resource = {
        "schemas": [CORE_USER],
        "id": f"u{i:04d}",
        "userName": user_name,
        "meta": {
            "resourceType": "User",
            "created": format_datetime(created),
            "lastModified": format_datetime(modified),
            "version": f'W/"{i}"',
        },
    }
    roll = rng.random()
    if roll < 0.8:
        name: dict[str, Any] = {"givenName": given}
        if roll < 0.65:
            name["familyName"] = family
        elif roll < 0.72:
            name["familyName"] = ""
        user["name"] = name
    if rng.random() < 0.5:
        user["displayName"] = f"{given} {family}"
    if rng.random() < 0.6:
        user["title"] = rng.choice(TITLES)
    if rng.random() < 0.3:
        user["userType"] = rng.choice(["Employee", "Contractor"])
    active = rng.choice([True, False, None])
    if active is not None:
        user["active"] = active
    if rng.random() < 0.6:
        user["externalId"] = f"{rng.choice(['EXT', 'ext'])}-{i}"
    emails = [_email(rng, given, i, j) for j in range(rng.choice([0, 1, 1, 2, 2, 3]))]
    if emails or rng.random() < 0.1:
        user["emails"] = emails
    if rng.random() < 0.3:
        user["phoneNumbers"] = [{"value": f"+1 555 01{i % 100:02d}", "type": "work"}]
    if rng.random() < 0.5:
        ext: dict[str, Any] = {"employeeNumber": str(i), "department": rng.choice(DEPARTMENTS)}
        if rng.random() < 0.6:
            boss = rng.randrange(count)
            ext["manager"] = {"value": f"u{boss:04d}", "displayName": f"Boss {boss}"}
        user[ENTERPRISE_USER] = ext
        user["schemas"] = [CORE_USER, ENTERPRISE_USER]
    return user


def users(seed: int, count: int) -> list[Resource]:
    """``count`` Users from ``seed``: non-ASCII and quoted names, emails, extension, dates."""
    rng = random.Random(seed)
    return [_user(rng, i, count) for i in range(count)]


def groups(seed: int, members_from: list[Resource], count: int = 12) -> list[Resource]:
    """``count`` Groups whose members are drawn from ``members_from``."""
    rng = random.Random(seed)
    names = ["Admins", "admins-eu", "Ünits", "Straße Team", "Tour", "Sales"]
    out: list[Resource] = []
    for k in range(count):
        chosen = rng.sample(members_from, rng.randrange(0, 6))
        group: Resource = {
            "schemas": [CORE_GROUP],
            "id": f"g{k:03d}",
            "displayName": f"{names[k % len(names)]} {k}",
            "members": [{"value": u["id"], "display": u["userName"]} for u in chosen],
            "meta": {"resourceType": "Group", "created": format_datetime(BASE_TIME)},
        }
        if k % 3:
            group["externalId"] = f"G-{k}"
        out.append(group)
    return out


def _insert(conn: sqlite3.Connection, app: str, rtype: str, resource: Resource) -> None:
    name = resource.get("userName" if rtype == "User" else "displayName") or resource["id"]
    cursor = conn.execute(
        "INSERT INTO resources (app, rtype, id, name_key, external_id, version, data)"
        " VALUES (?, ?, ?, ?, ?, 1, ?)",
        (app, rtype, resource["id"], fold(name), resource.get("externalId"), json.dumps(resource)),
    )
    for email in resource.get("emails", []) if rtype == "User" else []:
        if isinstance(email, dict) and isinstance(email.get("value"), str):
            kind = email.get("type")
            conn.execute(
                "INSERT INTO resource_emails (seq, app, value_key, type_key) VALUES (?, ?, ?, ?)",
                (
                    cursor.lastrowid,
                    app,
                    fold(email["value"]),
                    fold(kind) if isinstance(kind, str) else None,
                ),
            )


def connect_with(resources: dict[str, list[Resource]]) -> sqlite3.Connection:
    """An in-memory database with ``resources`` (by resource type) under APP.

    A few of them are also stored under OTHER_APP, with changed ids, to prove app isolation.
    """
    conn = sqlite_db.connect(":memory:")
    for rtype, items in resources.items():
        for resource in items:
            _insert(conn, APP, rtype, resource)
        for resource in items[:5]:
            _insert(conn, OTHER_APP, rtype, {**resource, "id": "x-" + resource["id"]})
    return conn


def sql_ids(
    conn: sqlite3.Connection, rtype_name: str, f: Filter, *, mode: str = "bound"
) -> list[str] | None:
    """Ids the SQL pushdown selects, in insertion order; None when not pushable.

    ``mode``: "bound" binds the app in the email sub-query, "numbered" reuses ``?1``, "none"
    gives no app (the email index is then not used).
    """
    rtype = resource_type(rtype_name)
    if mode == "bound":
        compiled = compile_filter(f, rtype, app=APP)
    elif mode == "numbered":
        compiled = compile_filter(f, rtype, "?1")
    else:
        compiled = compile_filter(f, rtype)
    if compiled is None:
        return None
    fragment, params = compiled
    sql = (
        "SELECT r.id FROM resources r WHERE r.app = ? AND r.rtype = ?"
        f" AND ({fragment}) ORDER BY r.seq"
    )
    return [row[0] for row in conn.execute(sql, [APP, rtype_name, *params])]
