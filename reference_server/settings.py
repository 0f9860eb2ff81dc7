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
        """The settings as the admin API shows them: camelCase names, like the mapping's
        ``options.deleteOnDeactivate`` and every SCIM attribute."""
        return {_WIRE[name]: value for name, value in asdict(self).items()}

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
            # camelCase is the name; the snake_case of the first release is still read
            # (stored settings and older scripts), for one release.
            name = _FIELD.get(key, key if key in known and key not in _WIRE.values() else "")
            spec = known.get(name)
            if spec is None:
                msg = f"unknown app setting {key!r}; known: {', '.join(sorted(_FIELD))}"
                raise InvalidValue(msg)
            key = _WIRE[name]
            want = bool if spec.type in ("bool", bool) else int
            if type(value) is not want:
                msg = f"app setting {key!r} must be a {want.__name__}, not {value!r}"
                raise InvalidValue(msg)
            changes[name] = value
        result = replace(self, **changes)
        for name in ("user_patch_status", "group_patch_status"):
            if getattr(result, name) not in (200, 204):
                msg = f"app setting {_WIRE[name]!r} must be 200 or 204"
                raise InvalidValue(msg)
        if result.retention < 1:
            msg = "app setting 'retention' must be at least 1"
            raise InvalidValue(msg)
        return result


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_WIRE = {f.name: _camel(f.name) for f in fields(AppSettings)}
"""Field name -> its name in JSON (``delete_on_deactivate`` -> ``deleteOnDeactivate``)."""
_FIELD = {wire: name for name, wire in _WIRE.items()}


@dataclass(frozen=True)
class ServerSettings:
    """What ``create_app`` needs to build the ASGI application."""

    database: str = ":memory:"
    max_body_bytes: int = 1024 * 1024
    """RFC 7644 §3.7.3-style limit on any request body; larger is 413."""
    max_results: int = 1000
    """Largest page a list returns (advertised as filter.maxResults, and as pagination's
    defaultPageSize and maxPageSize, RFC 9865 §4)."""
    cursor_timeout: int = 3600
    """Seconds a cursor stays valid after it was issued (RFC 9865 §4 cursorTimeout)."""
    max_bulk_operations: int = 1000
    max_bulk_payload: int = 1024 * 1024
    default_app_settings: AppSettings = field(default_factory=AppSettings)
