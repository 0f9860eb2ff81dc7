"""The source app's intended end state, read from JSON or CSV (``check client --expect FILE``).

JSON follows ``fixtures/schemas/json/expected-state.schema.json``::

    {"users": [{"userName": "bjensen", "externalId": "701984", "active": true,
                "attributes": {"name.givenName": "Barbara",
                               "emails[type eq \\"work\\"].value": "bjensen@example.com"}}],
     "groups": [{"displayName": "Tour Guides", "externalId": "g-17", "members": ["bjensen"]}]}

CSV has one user a line. The header names the columns: ``userName`` (required), ``externalId``,
``active`` (``true``/``false``, ``1``/``0``, ``yes``/``no``; empty means true), ``groups`` (the
display names of the user's groups, separated by ``;``), and any other column is a SCIM path
(``name.givenName``, ``emails[type eq "work"].value``...). An empty cell states nothing. A CSV
states groups through their members only, so a group without members cannot be expected.

Attribute paths are compared as a mapping row's ``scim`` path: case and spaces aside, and the
core User schema URN prefix dropped (:func:`path_key`).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scim_harness.reference_server.protocol.jsonschemas import validation_errors
from scim_harness.reference_server.protocol.schema import CORE_USER

__all__ = [
    "Expected",
    "ExpectedGroup",
    "ExpectedUser",
    "expected_from_json",
    "load_expected",
    "path_key",
]

_SPACES = re.compile(r"\s+")
_TRUE = frozenset({"true", "1", "yes", "y"})
_FALSE = frozenset({"false", "0", "no", "n"})
_KNOWN_COLUMNS = frozenset({"username", "externalid", "active", "groups"})


def path_key(path: str) -> str:
    """How two spellings of one SCIM path compare: ``Emails[type EQ "work"].value`` ->
    ``emails[typeeq"work"].value``, the core User URN prefix dropped."""
    text = _SPACES.sub("", path).lower()
    prefix = CORE_USER.lower() + ":"
    return text.removeprefix(prefix)


@dataclass
class ExpectedUser:
    user_name: str
    external_id: str | None = None
    active: bool = True
    attributes: dict[str, tuple[str, Any]] = field(default_factory=dict)
    """path_key -> (the path as written, the value)."""

    def value(self, path: str) -> tuple[bool, Any]:
        """(stated?, value) of a SCIM path for this user."""
        key = path_key(path)
        if key == "username":
            return True, self.user_name
        if key == "active":
            return True, self.active
        if key == "externalid":
            return self.external_id is not None, self.external_id
        if key in self.attributes:
            return True, self.attributes[key][1]
        return False, None


@dataclass
class ExpectedGroup:
    display_name: str
    external_id: str | None = None
    members: list[str] = field(default_factory=list)
    """userNames."""


@dataclass
class Expected:
    users: list[ExpectedUser]
    groups: list[ExpectedGroup]
    source: str = ""
    """The file it came from."""


def expected_from_json(data: Any, where: str = "the intended state") -> Expected:
    """The intended state from its parsed JSON; ``ValueError`` names what breaks the schema."""
    problems = validation_errors("expected-state", data)
    if problems:
        msg = f"{where} does not follow expected-state.schema.json: " + "; ".join(problems[:5])
        raise ValueError(msg)
    users = [
        ExpectedUser(
            user_name=u["userName"],
            external_id=u.get("externalId"),
            active=u.get("active", True),
            attributes={path_key(p): (p, v) for p, v in (u.get("attributes") or {}).items()},
        )
        for u in data["users"]
    ]
    groups = [
        ExpectedGroup(g["displayName"], g.get("externalId"), list(g.get("members") or []))
        for g in data["groups"]
    ]
    return Expected(users, groups, where)


def _boolean(text: str, where: str) -> bool:
    value = text.strip().lower()
    if not value or value in _TRUE:
        return True
    if value in _FALSE:
        return False
    msg = f"{where}: active must be true or false, not {text!r}"
    raise ValueError(msg)


def _from_csv(text: str, where: str) -> Expected:
    reader = csv.DictReader(text.splitlines())
    columns = {(c or "").strip().lower(): c for c in reader.fieldnames or []}
    if "username" not in columns:
        msg = f"{where}: the header has no userName column"
        raise ValueError(msg)
    users: list[ExpectedUser] = []
    groups: dict[str, ExpectedGroup] = {}
    for number, row in enumerate(reader, start=2):
        cell = {key: (row.get(name) or "").strip() for key, name in columns.items()}
        if not cell["username"]:
            msg = f"{where}, line {number}: no userName"
            raise ValueError(msg)
        user = ExpectedUser(
            cell["username"],
            cell.get("externalid") or None,
            _boolean(cell.get("active", ""), f"{where}, line {number}"),
        )
        for key, name in columns.items():
            if key not in _KNOWN_COLUMNS and cell[key]:
                user.attributes[path_key(name)] = (name.strip(), cell[key])
        users.append(user)
        for group in filter(None, (g.strip() for g in cell.get("groups", "").split(";"))):
            groups.setdefault(group, ExpectedGroup(group)).members.append(user.user_name)
    return Expected(users, list(groups.values()), where)


def load_expected(path: Path) -> Expected:
    """The intended state in ``path`` (``.csv`` read as CSV, anything else as JSON).

    ``ValueError`` says what is wrong with the file; ``OSError`` when it cannot be read.
    """
    where = str(path)
    text = Path(path).read_text(encoding="utf-8-sig")
    if Path(path).suffix.lower() == ".csv":
        return _from_csv(text, where)
    try:
        data = json.loads(text)
    except ValueError as exc:
        msg = f"{where} is not JSON ({exc})"
        raise ValueError(msg) from None
    return expected_from_json(data, where)
