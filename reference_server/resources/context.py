"""What the resource layer shares with its callers: the app a request is for, the platform
hooks, the outcome of a write and the entity tag of a version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scim_harness.reference_server.protocol.discovery import RequiredPath
from scim_harness.reference_server.protocol.schema import ResourceType
from scim_harness.reference_server.settings import AppSettings

__all__ = ["AppContext", "Platform", "WriteResult", "etag"]


class Platform:
    """Hooks of the platform side; the default does nothing (no mapping configured)."""

    def check_and_map(
        self, app: AppContext, rtype: ResourceType, resource: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Refuse a resource missing required mapped attributes; return its directory record."""
        return None

    def missing_required(
        self, app: AppContext, rtype: ResourceType, resource: dict[str, Any]
    ) -> list[str]:
        """One sentence per attribute the app's mapping requires that ``resource`` lacks."""
        return []

    def required_paths(self, app: AppContext) -> list[RequiredPath]:
        """The attributes the app's mapping makes required (shown in its /Schemas)."""
        return []

    def refresh(
        self, app: AppContext, rtype: ResourceType, resource: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The record of a group rewritten as a side effect (a member renamed or deleted).

        Never refuses: None keeps the record the group had.
        """
        return None

    def member_name(
        self, rtype: ResourceType, resource: dict[str, Any], directory: dict[str, Any] | None
    ) -> str | None:
        """How group records name this resource as a member; a change refreshes those groups."""
        return None


@dataclass(frozen=True)
class AppContext:
    """The app a request is for: its name, SCIM base URL and settings."""

    name: str
    base_url: str
    settings: AppSettings = field(default_factory=AppSettings)
    mapping: Any = None

    def location(self, rtype: ResourceType, rid: str) -> str:
        return f"{self.base_url}{rtype.endpoint}/{rid}"


@dataclass(frozen=True)
class WriteResult:
    """A write's outcome: the resource as stored (or as it was, when it got deleted)."""

    resource: dict[str, Any]
    deleted: bool = False


def etag(version: int) -> str:
    """The entity tag of a resource version (RFC 7644 §3.14: weak tags are fine)."""
    return f'W/"{version}"'
