"""Server-wide and per-app settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from scim_harness.reference_server.protocol.errors import InvalidValue

__all__ = ["AppSettings", "ServerSettings"]


@dataclass(frozen=True)
class AppSettings:
    """How one app's SCIM endpoint behaves; stored with the app, changed by the admin API."""

    lenient: bool = True
    """Accept (and record) the non-RFC shapes real clients send; strict mode refuses them."""
    delete_on_deactivate: bool = False
    """Platform option: delete a user when the source deactivates it, instead of keeping it."""
    user_patch_status: int = 200
    """Answer to a successful PATCH on a User: 200 with the resource, or 204 (RFC 7644 §3.5.2)."""
    group_patch_status: int = 200
    """Same for Groups (Entra ID expects 204 there; Okta accepts either)."""
    retention: int = 10_000
    """How many recorded requests the app keeps; oldest dropped first."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AppSettings:
        """Settings from stored or admin-supplied JSON; unknown keys and bad types are refused."""
        return cls().updated(data)

    def updated(self, data: dict[str, Any]) -> AppSettings:
        if not isinstance(data, dict):
            msg = "settings must be a JSON object"
            raise InvalidValue(msg)
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for key, value in data.items():
            spec = known.get(key)
            if spec is None:
                msg = f"unknown app setting {key!r}; known: {', '.join(sorted(known))}"
                raise InvalidValue(msg)
            want = bool if spec.type in ("bool", bool) else int
            if type(value) is not want:
                msg = f"app setting {key!r} must be a {want.__name__}, not {value!r}"
                raise InvalidValue(msg)
            changes[key] = value
        result = replace(self, **changes)
        for key in ("user_patch_status", "group_patch_status"):
            if getattr(result, key) not in (200, 204):
                msg = f"app setting {key!r} must be 200 or 204"
                raise InvalidValue(msg)
        if result.retention < 1:
            msg = "app setting 'retention' must be at least 1"
            raise InvalidValue(msg)
        return result


@dataclass(frozen=True)
class ServerSettings:
    """What ``create_app`` needs to build the ASGI application."""

    database: str = ":memory:"
    max_body_bytes: int = 1024 * 1024
    """RFC 7644 §3.7.3-style limit on any request body; larger is 413."""
    max_results: int = 1000
    """Largest page a list returns (advertised as filter.maxResults)."""
    max_bulk_operations: int = 1000
    max_bulk_payload: int = 1024 * 1024
    default_app_settings: AppSettings = field(default_factory=AppSettings)
