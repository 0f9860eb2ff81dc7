"""Replaying an identity provider's requests against a target, byte for byte.

The server suite's IdP checks (``SRV-VND-*``) send what
:mod:`scim_harness.simulated_client.profiles` builds for a profile: the same headers, query
encoding and bodies as the simulated client pushes. This module holds what they share: sending
a :class:`~scim_harness.simulated_client.wire.RequestSpec` through the recording context, the
test people, creating them the IdP's way, and the decorator that registers a replay check.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.profiles import IDP_PROFILES, VENDOR_AREA
from scim_harness.conformance.server.context import (
    CheckFn,
    Reply,
    ServerContext,
    ensure,
    expect_status,
)
from scim_harness.simulated_client.generate.people import GeneratedUser
from scim_harness.simulated_client.profiles import shapes
from scim_harness.simulated_client.profiles.catalogue import Profile, get_profile
from scim_harness.simulated_client.wire import RequestSpec

__all__ = [
    "REFERENCE",
    "create_as",
    "idp_check",
    "person",
    "probe_for",
    "profile_of",
    "send_spec",
]

REFERENCE = "Interoperability: the IdP's documented requests (simulated_client profiles)"


def profile_of(ctx: ServerContext) -> Profile:
    """The simulated client's profile of the run's IdP."""
    if ctx.profile not in IDP_PROFILES:
        msg = f"profile {ctx.profile!r} replays no identity provider"
        raise CheckSkipped(msg)
    return get_profile(ctx.profile)


def probe_for(ctx: ServerContext) -> str:
    """A GUID unique to this run, for test accounts that must not collide with another run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"scim-harness:{ctx.namespace.value}"))


async def send_spec(ctx: ServerContext, spec: RequestSpec, note: str = "") -> Reply:
    """Send ``spec`` exactly as built (headers, raw query, compact JSON), recorded."""
    content = None
    if spec.body is not None:
        content = json.dumps(spec.body, ensure_ascii=False, separators=(",", ":")).encode()
    reply = await ctx.request(
        spec.method,
        spec.path,
        content=content,
        query=spec.query,
        headers=dict(spec.headers),
        accept=None,
        note=note,
        readback=False,  # the vendors' shapes are judged by their checks, not modelled
    )
    if spec.body is not None:
        reply.exchange.request_body = spec.body
    return reply


def person(ctx: ServerContext, tag: str) -> GeneratedUser:
    """A test user under the run's namespace, with the attributes every profile sends."""
    ns = ctx.namespace
    last = tag.split("-")[-1].title()
    return GeneratedUser(
        key=tag,
        user_name=ns.user_name(tag),
        given_name="Vendor",
        family_name=last,
        display_name=f"Vendor {last}",
        email=ns.email(tag),
        external_id=f"{ns.value}-ext-{tag}",
        title="Provisioned",
    )


async def create_as(ctx: ServerContext, profile: Profile, someone: GeneratedUser) -> str:
    """POST ``someone`` as ``profile`` does; the new id (registered for clean-up)."""
    reply = await send_spec(ctx, shapes.create_user(profile, someone))
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 201, f"the {profile.name} create of a user")
    rid = reply.field("id")
    ensure(isinstance(rid, str) and rid, "the created user has no id")
    return str(rid)


def idp_check(
    number: int,
    claim: str,
    fix: str,
    *,
    profiles: tuple[str, ...] = IDP_PROFILES,
    needs: tuple[str, ...] = (),
) -> Callable[[CheckFn], CheckFn]:
    """Register ``SRV-VND-<number>``: SHOULD, area ``vendor``, run only under ``profiles``.

    Their verdicts say whether that IdP would accept the target: interoperability facts, not
    RFC failures (a report may list them apart; the level stays SHOULD).
    """
    return server_check(
        f"SRV-VND-{number:03d}",
        level="SHOULD",
        area=VENDOR_AREA,
        reference=REFERENCE,
        claim=claim,
        fix=fix,
        needs=needs,
        profiles=profiles,
    )
