"""What the state model keeps of each user and group, and how it reads requests about them.

Split from :mod:`scim_harness.conformance.client.state`, which replays the traffic; this
module holds the records it keeps and the pure readers it uses (identities, server ids,
attributes a request states, the new name of a group).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scim_harness.conformance.traffic.body import ci_get, patch_operations
from scim_harness.conformance.traffic.index import Term
from scim_harness.conformance.traffic.records import Record

__all__ = [
    "COMPARED",
    "GROUP_KEYS",
    "LABELS",
    "USER_KEYS",
    "GroupState",
    "Problem",
    "UserState",
    "created_id",
    "identity_terms",
    "learn_user",
    "new_name",
    "stated",
]

USER_KEYS = frozenset({"username", "externalid"})
GROUP_KEYS = frozenset({"displayname", "externalid"})
LABELS = {"username": "userName", "displayname": "displayName", "externalid": "externalId"}
COMPARED = ("userName", "displayName", "name.givenName", "name.familyName", "title")
"""User attributes whose change in a PUT makes it an update rather than a pure reactivation."""


@dataclass(frozen=True)
class Problem:
    """A request the sequence shows to be wrong, and why."""

    record: Record
    why: str


@dataclass
class UserState:
    id: str
    identity: set[Term]
    created: Record
    user_name: str | None
    known: dict[str, Any] = field(default_factory=dict)
    """The compared attributes (``COMPARED``) as the client last stated or read them."""
    deactivated: Record | None = None
    """The client's latest deactivation, while it stands (None once reactivated)."""
    reactivation_tried: bool = False
    gone: Record | None = None
    writes: list[Record] = field(default_factory=list)
    """Accepted writes on this user (its create first)."""


@dataclass
class GroupState:
    id: str
    identity: set[Term]
    created: Record
    name: str | None
    members: dict[str, Record] = field(default_factory=dict)
    """Member id -> the request that put it in, as the client meant the group."""
    renames: list[Record] = field(default_factory=list)
    member_writes: list[Record] = field(default_factory=list)
    gone: Record | None = None


def identity_terms(identity: frozenset[Term], keys: frozenset[str]) -> set[Term]:
    return {(attr, value) for attr, value in identity if attr in keys}


def created_id(record: Record) -> str | None:
    rid = ci_get(record.response, "id")
    if isinstance(rid, str) and rid:
        return rid
    location = record.response_headers.get("location", "")
    return location.rstrip("/").rsplit("/", 1)[-1] or None


def _read(body: Any, dotted: str) -> Any:
    value = body
    for part in dotted.split("."):
        value = ci_get(value, part)
    return value


def stated(body: Any) -> dict[str, Any]:
    """The compared attributes a whole user (a create, a PUT, an answer) states."""
    return {name: _read(body, name) for name in COMPARED}


def learn_user(user: UserState, record: Record) -> None:
    """What an accepted write (or its answer) tells of the compared attributes."""
    if record.method == "PUT":
        user.known = stated(record.body)
    for op in patch_operations(record.body) if record.method == "PATCH" else []:
        if op.kind not in ("add", "replace"):
            continue
        if op.path_text is not None:
            key = next((n for n in COMPARED if n.lower() == op.path_text.lower()), None)
            if key is not None:
                user.known[key] = op.value
        elif isinstance(op.value, dict):
            for name in COMPARED:
                value = ci_get(op.value, name)
                if value is None:
                    value = _read(op.value, name)
                if value is not None:
                    user.known[name] = value
    if isinstance(record.response, dict) and ci_get(record.response, "id") == user.id:
        user.known = stated(record.response)


def new_name(record: Record) -> str | None:
    if record.method == "PUT":
        name = ci_get(record.body, "displayName")
        return name if isinstance(name, str) else None
    found: str | None = None
    for op in patch_operations(record.body):
        if op.kind not in ("add", "replace"):
            continue
        if op.path_text is not None and op.path_text.strip().lower() == "displayname":
            found = op.value if isinstance(op.value, str) else found
        elif op.path_text is None and isinstance(ci_get(op.value, "displayName"), str):
            found = ci_get(op.value, "displayName")
    return found
