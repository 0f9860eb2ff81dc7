"""Server checks: the request shapes of real provisioning clients (``profile="entra"|"okta"``).

The requests are built by :mod:`simulated_client.profiles.shapes` under the chosen profile, byte for
byte as that client sends them (``+``-encoded filters, ``"Replace"`` ops, string booleans,
path-less replaces with the read-only id, member removal with a value list...), and the checks
judge whether the server coped: the request succeeded and the stored result is what the client
meant. These are interoperability checks, not RFC rules: SHOULD.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.context import (
    CheckFn,
    Reply,
    ServerContext,
    ensure,
    expect_status,
)
from scim_harness.conformance.server.values import member_ids, value_at
from scim_harness.simulated_client.generate.people import GeneratedGroup, GeneratedUser
from scim_harness.simulated_client.profiles import shapes
from scim_harness.simulated_client.profiles.catalogue import Profile, get_profile
from scim_harness.simulated_client.scenarios.catalogue import probe_id
from scim_harness.simulated_client.wire import RequestSpec

__all__: list[str] = []

_REFERENCE = "Interoperability: Entra ID / Okta request shapes (simulated_client profiles)"


def _profile(ctx: ServerContext) -> Profile:
    if ctx.profile in ("rfc", "naive"):
        msg = f"profile {ctx.profile!r}: run with profile entra, entra-2020 or okta to replay them"
        raise CheckSkipped(msg)
    return get_profile(ctx.profile)


async def _send(ctx: ServerContext, spec: RequestSpec, note: str = "") -> Reply:
    headers = dict(spec.headers)
    content = None
    if spec.body is not None:
        content = json.dumps(spec.body, ensure_ascii=False, separators=(",", ":")).encode()
    reply = await ctx.request(
        spec.method,
        spec.path,
        content=content,
        query=spec.query,
        headers=headers,
        accept=None,
        note=note,
        readback=False,  # the vendors' shapes are judged by these checks, not modelled
    )
    if spec.body is not None:
        reply.exchange.request_body = spec.body
    return reply


def _person(ctx: ServerContext, tag: str) -> GeneratedUser:
    ns = ctx.namespace
    return GeneratedUser(
        key=tag,
        user_name=ns.user_name(tag),
        given_name="Vendor",
        family_name=tag.split("-")[-1].title(),
        display_name=f"Vendor {tag.split('-')[-1].title()}",
        email=ns.email(tag),
        external_id=f"{ns.value}-ext-{tag}",
        title="Provisioned",
    )


async def _create(ctx: ServerContext, profile: Profile, person: GeneratedUser) -> str:
    reply = await _send(ctx, shapes.create_user(profile, person))
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 201, f"the {profile.name} create of a user")
    rid = reply.field("id")
    ensure(isinstance(rid, str) and rid, "the created user has no id")
    return str(rid)


def _vendor_check(
    number: int, claim: str, fix: str, needs: tuple[str, ...] = ()
) -> Callable[[CheckFn], CheckFn]:
    return server_check(
        f"SRV-VND-{number:03d}",
        level="SHOULD",
        area="vendor",
        reference=_REFERENCE,
        claim=claim,
        fix=fix,
        needs=needs,
    )


@_vendor_check(
    1,
    "The profile's connection test succeeds (Entra: a filter on a random GUID "
    "answers an empty ListResponse).",
    "Answer the client's test requests: unknown query parameters ignored, an "
    "unmatched filter as 200 with totalResults 0.",
)
async def connection_test(ctx: ServerContext) -> None:
    profile = _profile(ctx)
    for spec in shapes.connection_test(profile, probe=probe_id(ctx.seed)):
        reply = await _send(ctx, spec)
        if reply.status in profile.not_found_statuses:
            continue
        expect_status(reply, 200, f"{spec.method} {spec.target}")
        if "filter=" in spec.query:
            ensure(reply.field("totalResults") == 0, "the probe filter matched something")


@_vendor_check(
    2,
    "The profile's create is accepted and its lookup filter finds the user.",
    "Accept the client's create body (extra schemas, meta, empty roles/groups) and "
    "decode its filter encoding ('+' or %20).",
)
async def create_and_lookup(ctx: ServerContext) -> None:
    profile = _profile(ctx)
    person = _person(ctx, "vnd-create")
    rid = await _create(ctx, profile, person)
    found = await _send(ctx, shapes.lookup_user(profile, person))
    expect_status(found, 200, "the client's lookup")
    ids = [r.get("id") for r in found.resources()]
    ensure(ids == [rid], f"the client's lookup found {ids}, expected the created user")


@_vendor_check(
    3,
    "The profile's attribute update (Entra: PATCH per attribute; Okta: GET then "
    "PUT echoing id and meta) is stored.",
    "Accept capitalised ops, value-filter paths and echoed read-only attributes "
    "that equal the stored ones.",
)
async def update_user(ctx: ServerContext) -> None:
    profile = _profile(ctx)
    person = _person(ctx, "vnd-update")
    rid = await _create(ctx, profile, person)
    after = replace(
        person,
        family_name="Changed",
        display_name="Vendor Changed",
        email=ctx.namespace.email("vnd-update-changed"),
    )
    if profile.update_style == "get-then-put":
        current = await _send(ctx, shapes.get_user(profile, rid))
        expect_status(current, 200, "the client's GET before PUT")
        reply = await _send(ctx, shapes.put_user(profile, rid, current.body, after))
    else:
        reply = await _send(ctx, shapes.update_user(profile, rid, person, after))
    expect_status(reply, (200, 204), f"the {profile.name} update")
    again = await ctx.get(f"/Users/{quote(rid, safe='')}")
    wrong = [
        f"{path}: {value_at(again.body, path)!r}"
        for path, want in (
            ("name.familyName", "Changed"),
            ("displayName", "Vendor Changed"),
            ("emails.work", after.email),
        )
        if value_at(again.body, path) != want
    ]
    ensure(not wrong, "the update was not stored: " + "; ".join(wrong))


@_vendor_check(
    4,
    'The profile\'s deactivation (Entra: string "False"; Okta: path-less) leaves '
    "the user inactive (or deleted, when the target deletes on deactivation).",
    "Accept the client's deactivation shape and store active=false.",
    needs=("patch",),
)
async def deactivate(ctx: ServerContext) -> None:
    profile = _profile(ctx)
    rid = await _create(ctx, profile, _person(ctx, "vnd-deactivate"))
    reply = await _send(ctx, shapes.set_active(profile, rid, False))
    expect_status(reply, (200, 204), f"the {profile.name} deactivation")
    again = await ctx.get(f"/Users/{quote(rid, safe='')}")
    if again.status == 404:
        return
    expect_status(again, 200, "GET the deactivated user")
    ensure(value_at(again.body, "active") is False, f"active is {value_at(again.body, 'active')!r}")


@_vendor_check(
    5,
    "The profile's membership changes add members and remove only the named one "
    "(Entra: remove with a value list).",
    "Treat 'remove' of members with a value list as removing just those members.",
    needs=("patch",),
)
async def membership(ctx: ServerContext) -> None:
    profile = _profile(ctx)
    one = await _create(ctx, profile, _person(ctx, "vnd-m-one"))
    two = await _create(ctx, profile, _person(ctx, "vnd-m-two"))
    group = GeneratedGroup(
        "vnd-group", ctx.namespace.group_name("vnd-group"), f"{ctx.namespace.value}-g"
    )
    created = await _send(ctx, shapes.create_group(profile, group))
    if created.status < 300:
        ctx.remember(created, "/Groups")
    expect_status(created, 201, f"the {profile.name} group create")
    gid = str(created.field("id"))
    notes = []
    add = [(one, "one"), (two, "two")]
    for spec in shapes.change_members(profile, gid, add=add):
        reply = await _send(ctx, spec)
        expect_status(reply, (200, 204), "the client's member add")
        if reply.status not in profile.expected_group_patch_statuses:
            notes.append(
                f"{profile.name} expects {sorted(profile.expected_group_patch_statuses)} "
                f"on group PATCH, got {reply.status}"
            )
    for spec in shapes.change_members(profile, gid, remove=[one]):
        expect_status(await _send(ctx, spec), (200, 204), "the client's member removal")
    again = await ctx.get(f"/Groups/{quote(gid, safe='')}")
    members = member_ids(again.body)
    ensure(members == {two}, f"after removing one of two members, members are {sorted(members)}")
    for note in notes:
        ctx.note(note)


@_vendor_check(
    6,
    "The profile's group rename (Okta: path-less replace with the id) renames.",
    "Accept a path-less replace whose value echoes the group's own id.",
    needs=("patch",),
)
async def rename(ctx: ServerContext) -> None:
    profile = _profile(ctx)
    group = await ctx.create_group("vnd-rename")
    name = ctx.namespace.group_name("vnd-renamed")
    reply = await _send(ctx, shapes.rename_group(profile, group["id"], name))
    expect_status(reply, (200, 204), f"the {profile.name} rename")
    again = await ctx.get(f"/Groups/{quote(group['id'], safe='')}")
    ensure(value_at(again.body, "displayName") == name, "the group was not renamed")
