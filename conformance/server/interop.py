"""What the interoperability-profile server checks share (``check server --profile interop``).

IETF draft-zollner-scim-interop-profile-01 ("SCIM 2.0 Interoperability Profile") narrows RFC
7643/7644 for IdP-to-app provisioning. :func:`iop_check` registers a check of area
``interop`` that runs only under ``--profile interop`` and cites its section;
:func:`discovery` reads ``/ServiceProviderConfig``, ``/Schemas`` and ``/ResourceTypes`` once
per run; :func:`declared` says which attributes a schema declares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckFailed
from scim_harness.conformance.profiles import INTEROP, INTEROP_AREA
from scim_harness.conformance.server.context import CheckFn, Reply, ServerContext, detail

__all__ = [
    "DRAFT",
    "GROUP_SCHEMA",
    "USER_SCHEMA",
    "Discovery",
    "declared",
    "discovery",
    "expect_error",
    "iop_check",
    "swapped",
]

DRAFT = "draft-zollner-scim-interop-profile-01"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
_CACHE = "interop-discovery"


def iop_check(
    number: int,
    level: str,
    section: str,
    claim: str,
    fix: str,
    *,
    needs: tuple[str, ...] = (),
) -> Callable[[CheckFn], CheckFn]:
    """Register ``SRV-IOP-<number>``, citing ``§section`` of the draft."""
    return server_check(
        f"SRV-IOP-{number:03d}",
        level=level,
        area=INTEROP_AREA,
        reference=f"{DRAFT} §{section}",
        claim=claim,
        fix=fix,
        needs=needs,
        profiles=(INTEROP,),
    )


@dataclass
class Discovery:
    """The target's three discovery documents (RFC 7643 §5-7), as read once."""

    replies: dict[str, Reply] = field(default_factory=dict)
    schemas: list[dict[str, Any]] = field(default_factory=list)
    resource_types: list[dict[str, Any]] = field(default_factory=list)

    def schema(self, urn: str) -> dict[str, Any] | None:
        wanted = urn.lower()
        for item in self.schemas:
            if str(item.get("id", "")).lower() == wanted:
                return item
        return None

    def resource_type(self, name: str) -> dict[str, Any] | None:
        for item in self.resource_types:
            if str(item.get("name", "")).lower() == name.lower():
                return item
        return None


def _listed(body: Any) -> list[dict[str, Any]]:
    """A ListResponse's resources, or a bare JSON array (some servers answer one)."""
    items = body.get("Resources") if isinstance(body, dict) else body
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


async def discovery(ctx: ServerContext) -> Discovery:
    """The discovery documents, fetched by the first check that needs them."""
    found = ctx.cache.get(_CACHE)
    if isinstance(found, Discovery):
        return found
    result = Discovery()
    for path in ("/ServiceProviderConfig", "/Schemas", "/ResourceTypes"):
        result.replies[path] = await ctx.get(path)
    result.schemas = _listed(result.replies["/Schemas"].body)
    result.resource_types = _listed(result.replies["/ResourceTypes"].body)
    ctx.cache[_CACHE] = result
    return result


def declared(schema: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The attributes a schema declares, keyed by lower-cased name."""
    attributes = schema.get("attributes") if isinstance(schema, dict) else None
    if not isinstance(attributes, list):
        return {}
    return {str(a["name"]).lower(): a for a in attributes if isinstance(a, dict) and "name" in a}


def swapped(text: str) -> str:
    """``text`` with the case of every letter inverted (``JSmith`` -> ``jsMITH``)."""
    return text.swapcase()


def expect_error(reply: Reply, status: int, scim_type: str, action: str) -> None:
    """Fail unless the reply is ``status`` with that ``scimType`` (RFC 7644 §3.12)."""
    got = reply.field("scimType")
    if reply.status != status or got != scim_type:
        msg = (
            f"{action}: expected {status} {scim_type}, got {reply.status} "
            f"{got or ''} {detail(reply)}"
        ).rstrip()
        raise CheckFailed(msg)
