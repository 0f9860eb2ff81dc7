"""The rules every write applies: versions, If-Match, immutability, pruning, names."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

from scim_harness.reference_server.protocol.errors import (
    InvalidValue,
    Mutability,
    PreconditionFailed,
)
from scim_harness.reference_server.protocol.schema import CORE_GROUP, ResourceType, format_datetime
from scim_harness.reference_server.resources.context import AppContext, etag
from scim_harness.reference_server.store.sqlite import StoredResource

__all__ = [
    "check_if_match",
    "check_immutable",
    "deactivation_deletes",
    "hash_password",
    "json_schema_name",
    "name_of",
    "now",
    "prune",
    "schemas_for",
    "unassigned_required",
]


def now() -> str:
    return format_datetime(datetime.now(UTC))


def hash_password(password: str) -> str:
    # A reference server only needs to prove the password arrived and is never returned.
    salt = secrets.token_hex(8)
    return salt + "$" + hashlib.sha256((salt + password).encode()).hexdigest()


def prune(value: Any) -> Any:
    """Drop nulls and empty values: RFC 7643 §2.5, unassigned attributes are not returned."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, dict | list):
                item = prune(item)
                if not item:
                    continue
            elif item is None:
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        kept: list[Any] = []
        for item in value:
            if isinstance(item, dict | list):
                item = prune(item)
                if not item:
                    continue
            elif item is None:
                continue
            kept.append(item)
        return kept
    return value


def check_if_match(stored: StoredResource, if_match: str | None) -> None:
    """RFC 7644 §3.14: a write with a stale If-Match answers 412."""
    if if_match is None:
        return
    tags = {t.strip() for t in if_match.split(",")}
    if "*" in tags:
        return
    current = etag(stored.version)
    if current not in tags and current.removeprefix("W/") not in tags:
        msg = f"If-Match {if_match} does not match the current version {current}"
        raise PreconditionFailed(msg)


def deactivation_deletes(app: AppContext, rtype: ResourceType, resource: dict[str, Any]) -> bool:
    """Platform option: a user left inactive by a write is deleted instead of kept."""
    return (
        rtype.name == "User"
        and app.settings.delete_on_deactivate
        and resource.get("active") is False
    )


def check_immutable(rtype: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> None:
    """RFC 7643 §7: an immutable attribute, once set, cannot change."""
    for _schema, attr in rtype.iter_attributes():
        if (
            attr.mutability == "immutable"
            and attr.name in old
            and old[attr.name] != new.get(attr.name)
        ):
            msg = f"{attr.name} is immutable and cannot be changed"
            raise Mutability(msg)


def unassigned_required(
    rtype: ResourceType, before: dict[str, Any], after: dict[str, Any]
) -> list[str]:
    """Core attributes defined as required that had a value ``before`` and none ``after``."""
    lost = []
    for attr in rtype.schema.attributes.values():
        if (
            attr.required
            and _assigned(before.get(attr.name))
            and not _assigned(after.get(attr.name))
        ):
            lost.append(attr.name)
    return lost


def _assigned(value: Any) -> bool:
    # RFC 7643 §2.5: null, an empty string, array or object are all "unassigned".
    return value is not None and value not in ("", [], {})


def schemas_for(rtype: ResourceType, resource: dict[str, Any]) -> list[str]:
    """Core schema plus each extension the resource carries (RFC 7643 §3)."""
    return [rtype.schema.id, *(e.id for e in rtype.extensions if e.id in resource)]


def json_schema_name(rtype: ResourceType) -> str:
    return "group" if rtype.schema.id == CORE_GROUP else "user"


def name_of(rtype: ResourceType, resource: dict[str, Any]) -> str:
    key = "userName" if rtype.name == "User" else "displayName"
    value = resource.get(key)
    if not isinstance(value, str) or not value.strip():
        # RFC 7643 §4.1.1 / §4.2: userName and displayName are REQUIRED and non-empty.
        msg = f"{key} is required and must be a non-empty string"
        raise InvalidValue(msg)
    return value
