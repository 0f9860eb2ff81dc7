"""Reading SCIM values out of resources, for comparing what was sent with what came back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["CORE_PATHS", "differences", "lower_keys", "member_ids", "value_at", "work_email"]

CORE_PATHS = (
    "userName",
    "name.givenName",
    "name.familyName",
    "displayName",
    "emails.work",
    "active",
)
"""The six attributes the platform requires, as :func:`value_at` paths."""


def lower_keys(resource: Any) -> dict[str, Any]:
    """Top-level keys lower-cased (RFC 7643 §2.1: attribute names are case-insensitive)."""
    return {str(k).lower(): v for k, v in resource.items()} if isinstance(resource, dict) else {}


def work_email(resource: Any) -> Any:
    """The value of the ``type: "work"`` email, or None."""
    emails = lower_keys(resource).get("emails")
    for email in emails if isinstance(emails, list) else []:
        entry = lower_keys(email)
        if entry.get("type") == "work":
            return entry.get("value")
    return None


def value_at(resource: Any, path: str) -> Any:
    """``userName``, ``name.familyName``, ``emails.work`` (the work email), ``emails.home``."""
    if path in ("emails.work", "emails.home"):
        emails = lower_keys(resource).get("emails")
        kind = path.split(".")[1]
        for email in emails if isinstance(emails, list) else []:
            if lower_keys(email).get("type") == kind:
                return lower_keys(email).get("value")
        return None
    current: Any = resource
    for part in path.split("."):
        current = lower_keys(current).get(part.lower())
    return current


def differences(sent: Any, got: Any, paths: Iterable[str] = CORE_PATHS) -> list[str]:
    """``path: sent X, got Y`` for each path whose value differs."""
    out = []
    for path in paths:
        want, have = value_at(sent, path), value_at(got, path)
        if want != have:
            out.append(f"{path}: sent {want!r}, got {have!r}")
    return out


def member_ids(group: Any) -> set[str]:
    members = lower_keys(group).get("members")
    return {
        str(lower_keys(m).get("value"))
        for m in (members if isinstance(members, list) else [])
        if isinstance(m, dict)
    }
