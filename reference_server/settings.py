"""Server-wide and per-app settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from scim_harness.reference_server.platform import presets
from scim_harness.reference_server.platform.limits import FaultPlan, Throttle
from scim_harness.reference_server.protocol.errors import InvalidValue

__all__ = ["MAX_RETENTION", "RULES", "AppSettings", "ServerSettings", "public_url"]

MAX_RETENTION = 10_000_000
"""Most requests one app may keep on record (each is a row of a few KiB)."""

RULES = ("platform", "rfc")
"""``rules``: the platform's (its mapping's required attributes enforced) or plain RFC 7643's."""


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
    rules: str = "platform"
    """``platform``: writes missing a required mapped attribute are refused and ``/Schemas``
    says so; ``rfc``: only RFC 7643's requirements (``userName``), the directory record keeps
    whatever maps."""
    preset: str | None = None
    """A target preset of ``fixtures/presets`` (a platform's published inbound limits)."""
    throttle: Throttle | None = None
    """Request-rate and concurrency limits, answered 429 with Retry-After."""
    faults: FaultPlan | None = None
    """Seeded failed and slow answers, and 'fail the Nth request'."""

    def as_json(self) -> dict[str, Any]:
        """The settings as the admin API shows them: camelCase names, like the mapping's
        ``options.deleteOnDeactivate`` and every SCIM attribute."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[_WIRE[f.name]] = value.as_json() if hasattr(value, "as_json") else value
        return out

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
            parse = _PARSE.get(name)
            if parse is not None:
                changes[name] = None if value is None and name != "rules" else parse(value)
                continue
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
        if not 1 <= result.retention <= MAX_RETENTION:
            msg = f"app setting 'retention' must be between 1 and {MAX_RETENTION:,}"
            raise InvalidValue(msg)
        return result


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _rules(value: Any) -> str:
    if value not in RULES:
        msg = f"app setting 'rules' must be one of {', '.join(map(repr, RULES))}, not {value!r}"
        raise InvalidValue(msg)
    return str(value)


def _preset(value: Any) -> str:
    known = presets.known_presets()
    if value not in known:
        msg = f"app setting 'preset' must be null or one of {', '.join(known)}, not {value!r}"
        raise InvalidValue(msg)
    return str(value)


_PARSE: dict[str, Callable[[Any], Any]] = {
    "rules": _rules,
    "preset": _preset,
    "throttle": Throttle.from_json,
    "faults": FaultPlan.from_json,
}
"""Settings that are not a plain bool or int: each checked by its own reader."""
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
    public_url: str | None = None
    """``scheme://host[:port][/prefix]`` that ``meta.location``, ``$ref`` and the base URLs
    the admin API shows start with. None: the address the connection arrived on (the local
    socket's, never the client's ``Host`` header)."""
    query_budget: float | None = 1.0
    """Seconds a search (filter, sort, page) may run before it is abandoned with 503 and
    ``Retry-After``; None for no limit."""
    body_timeout: float | None = 30.0
    """Seconds a request body may take to arrive after its headers (408 past it)."""

    def __post_init__(self) -> None:
        if self.public_url is not None:
            object.__setattr__(self, "public_url", public_url(self.public_url))
        for name in ("query_budget", "body_timeout"):
            value = getattr(self, name)
            if value is not None and not 0 < value <= 86_400:
                msg = f"{name} must be a number of seconds between 0 and 86400, not {value!r}"
                raise ValueError(msg)


def public_url(text: str) -> str:
    """``--public-url`` checked and without a trailing slash (ValueError when it is no base URL)."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"public URL must be http(s)://host[:port][/path], not {text!r}"
        raise ValueError(msg)
    if parts.query or parts.fragment or parts.username or parts.password:
        msg = f"public URL must not carry a query, a fragment or credentials: {text!r}"
        raise ValueError(msg)
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        msg = f"public URL has an invalid port: {text!r}"
        raise ValueError(msg) from None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
