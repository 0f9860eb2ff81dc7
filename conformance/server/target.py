"""What the suite is judging, asked of the target before any check runs.

A SCIM server is judged by RFC 7643/7644. The platform's own rules (six required User
attributes, the Group Name, delete on deactivation) apply only when the target *is* the
platform: when the user says so (``--target platform``), when the suite has admin access to
the reference server, or when the target's ``/Schemas`` declares those six attributes
required (then it must enforce what it declares). Otherwise the platform checks are skipped
with the reason, so a CI job adopting the harness for its own server is not failed on day one
by a rule that does not apply to it (RFC 7643 §4.1 requires only ``userName``).

The same reading gives the checks what the target declares: the attributes of each schema
(to compare only what it stores, and to skip read-only ones) and whether it takes the
enterprise extension (so the test users carry it only where it is advertised).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from scim_harness.conformance.server.context import ServerContext

__all__ = [
    "ENTERPRISE",
    "PLATFORM_REQUIRED",
    "TARGET_CHOICES",
    "SchemaIndex",
    "TargetProfile",
    "read_target",
]

TARGET_CHOICES = ("auto", "rfc", "platform")
"""``--target``: ``auto`` decides from admin access and /Schemas; the others force it."""

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PLATFORM_REQUIRED: tuple[tuple[str, str | None], ...] = (
    ("userName", None),
    ("name", "givenName"),
    ("name", "familyName"),
    ("emails", "value"),
    ("displayName", None),
    ("active", None),
)
"""The platform's six required User attributes, as (attribute, sub-attribute)."""


def _by_name(attributes: Any) -> dict[str, dict[str, Any]]:
    items = attributes if isinstance(attributes, list) else []
    return {str(a.get("name", "")).lower(): a for a in items if isinstance(a, dict)}


@dataclass(frozen=True)
class SchemaIndex:
    """The attributes a target's ``/Schemas`` declares, by schema URN (names lower-cased)."""

    schemas: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def from_resources(cls, resources: Iterable[dict[str, Any]]) -> SchemaIndex:
        return cls(
            {str(r.get("id")): _by_name(r.get("attributes")) for r in resources if r.get("id")}
        )

    def declares(self, urn: str) -> bool:
        return urn in self.schemas

    def attribute(self, urn: str, name: str) -> dict[str, Any] | None:
        return self.schemas.get(urn, {}).get(name.lower())

    def sub_attribute(self, urn: str, name: str, sub: str) -> dict[str, Any] | None:
        attr = self.attribute(urn, name)
        return _by_name(attr.get("subAttributes")).get(sub.lower()) if attr else None

    def not_required(self, wanted: Iterable[tuple[str, str | None]]) -> list[str]:
        """Of the (attribute, sub) pairs, those the User schema does not declare required."""
        missing = []
        for name, sub in wanted:
            attr = self.attribute(CORE_USER, name)
            found = attr if sub is None else self.sub_attribute(CORE_USER, name, sub)
            if attr is None or found is None or found.get("required") is not True:
                missing.append(name if sub is None else f"{name}.{sub}")
        return missing


@dataclass(frozen=True)
class TargetProfile:
    """How the suite judges this target, and what the target declares."""

    kind: str = "rfc"
    """``rfc`` or ``platform``."""
    reason: str = "not read yet"
    schemas: SchemaIndex | None = None
    """What /Schemas declares (None: unreadable - every attribute sent is compared)."""
    enterprise: bool = False
    """The User resource type takes the enterprise extension (RFC 7643 §4.3)."""

    @property
    def platform(self) -> bool:
        return self.kind == "platform"

    def describe(self) -> str:
        return f"{self.kind} ({self.reason})"


async def _resources(ctx: ServerContext, path: str) -> list[dict[str, Any]] | None:
    try:
        reply = await ctx.get(path)
    except httpx.HTTPError:
        return None
    return reply.resources() if reply.status == 200 else None


async def read_target(ctx: ServerContext, choice: str, *, admin: bool) -> TargetProfile:
    """Read /Schemas and /ResourceTypes and decide how to judge the target (see module doc)."""
    if choice not in TARGET_CHOICES:
        msg = f"target must be one of {', '.join(TARGET_CHOICES)}, not {choice!r}"
        raise ValueError(msg)
    schemas_found = await _resources(ctx, "/Schemas")
    types_found = await _resources(ctx, "/ResourceTypes") or []
    index = SchemaIndex.from_resources(schemas_found) if schemas_found else None
    extensions = {
        str(ext.get("schema"))
        for rtype in types_found
        if str(rtype.get("name", "")).lower() == "user"
        for ext in rtype.get("schemaExtensions") or []
        if isinstance(ext, dict)
    }
    enterprise = ENTERPRISE in extensions or bool(index and index.declares(ENTERPRISE))
    if choice != "auto":
        return TargetProfile(choice, f"--target {choice}", index, enterprise)
    if admin:
        reason = "admin access to the reference server"
        return TargetProfile("platform", reason, index, enterprise)
    if index is None:
        reason = "its /Schemas could not be read; --target platform applies the platform's rules"
        return TargetProfile("rfc", reason, index, enterprise)
    missing = index.not_required(PLATFORM_REQUIRED)
    if not missing:
        reason = "its /Schemas declares the platform's six User attributes required"
        return TargetProfile("platform", reason, index, enterprise)
    reason = (
        f"its /Schemas does not declare {', '.join(missing)} required; "
        "--target platform applies the platform's rules"
    )
    return TargetProfile("rfc", reason, index, enterprise)
