"""Server checks: the request shapes of real provisioning clients (``--profile <idp>``).

The requests are built by :mod:`simulated_client.profiles.shapes` under the chosen profile, byte
for byte as that client sends them (``+``-encoded filters, ``"Replace"`` ops, string booleans,
path-less replaces with the read-only id, member removal with a value list, PingFederate's PUT,
OneLogin's template...), and the checks judge whether the server coped: the request succeeded
and the stored result is what the client meant. These are interoperability checks, not RFC
rules: SHOULD, area ``vendor``. The connection tests and paged reads are in
:mod:`.vendor_probes`.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status
from scim_harness.conformance.server.replay import (
    create_as,
    idp_check,
    person,
    profile_of,
    send_spec,
)
from scim_harness.conformance.server.values import member_ids, value_at
from scim_harness.simulated_client.generate.people import GeneratedGroup
from scim_harness.simulated_client.profiles import shapes
from scim_harness.simulated_client.profiles.catalogue import Profile

__all__: list[str] = []


def _need_patch(ctx: ServerContext, profile: Profile, what: str) -> None:
    if ctx.supports("patch") is False:
        msg = (
            f"{profile.name} sends {what} as a PATCH and the target does not advertise patch "
            "(ServiceProviderConfig patch.supported is not true)"
        )
        raise CheckSkipped(msg)


@idp_check(
    2,
    "The profile's create is accepted and its lookup filter finds the user.",
    "Accept the client's create body (extra schemas, meta, empty roles/groups, OneLogin's "
    '"id": null and "active": "true") and decode its filter (\'+\' or %20, any case of '
    "attribute and operator, e.g. PingFederate's 'username Eq').",
)
async def create_and_lookup(ctx: ServerContext) -> None:
    profile = profile_of(ctx)
    someone = person(ctx, "vnd-create")
    rid = await create_as(ctx, profile, someone)
    found = await send_spec(ctx, shapes.lookup_user(profile, someone))
    expect_status(found, 200, "the client's lookup")
    ids = [r.get("id") for r in found.resources()]
    ensure(ids == [rid], f"the client's lookup found {ids}, expected the created user")


@idp_check(
    3,
    "The profile's attribute update (Entra: PATCH per attribute; Okta: GET then PUT echoing "
    "id and meta; PingFederate: PUT; OneLogin: emails as one object) is stored.",
    "Accept capitalised ops, value-filter paths, a single object for a multi-valued "
    "attribute and echoed read-only attributes that equal the stored ones.",
)
async def update_user(ctx: ServerContext) -> None:
    profile = profile_of(ctx)
    someone = person(ctx, "vnd-update")
    if profile.update_style.startswith("patch"):
        _need_patch(ctx, profile, "its updates")
    rid = await create_as(ctx, profile, someone)
    after = replace(
        someone,
        family_name="Changed",
        display_name="Vendor Changed",
        email=ctx.namespace.email("vnd-update-changed"),
    )
    if profile.update_style == "get-then-put":
        current = await send_spec(ctx, shapes.get_user(profile, rid))
        expect_status(current, 200, "the client's GET before PUT")
        reply = await send_spec(ctx, shapes.put_user(profile, rid, current.body, after))
    else:
        reply = await send_spec(ctx, shapes.update_user(profile, rid, someone, after))
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


@idp_check(
    4,
    'The profile\'s deactivation (Entra: string "False"; Okta: path-less; PingFederate: PUT '
    "with active false) leaves the user inactive (or deleted, when the target deletes on "
    "deactivation).",
    "Accept the client's deactivation shape and store active=false.",
)
async def deactivate(ctx: ServerContext) -> None:
    profile = profile_of(ctx)
    if profile.deactivation != "put":
        _need_patch(ctx, profile, "its deactivation")
    someone = person(ctx, "vnd-deactivate")
    rid = await create_as(ctx, profile, someone)
    reply = await send_spec(ctx, shapes.set_active(profile, rid, False, someone))
    expect_status(reply, (200, 204), f"the {profile.name} deactivation")
    again = await ctx.get(f"/Users/{quote(rid, safe='')}")
    if again.status == 404:
        return
    expect_status(again, 200, "GET the deactivated user")
    ensure(value_at(again.body, "active") is False, f"active is {value_at(again.body, 'active')!r}")


@idp_check(
    5,
    "The profile's membership changes add members and remove only the named one "
    "(Entra: remove with a value list).",
    "Treat 'remove' of members with a value list as removing just those members.",
    needs=("patch",),
)
async def membership(ctx: ServerContext) -> None:
    profile = profile_of(ctx)
    one = await create_as(ctx, profile, person(ctx, "vnd-m-one"))
    two = await create_as(ctx, profile, person(ctx, "vnd-m-two"))
    group = GeneratedGroup(
        "vnd-group", ctx.namespace.group_name("vnd-group"), f"{ctx.namespace.value}-g"
    )
    created = await send_spec(ctx, shapes.create_group(profile, group))
    if created.status < 300:
        ctx.remember(created, "/Groups")
    expect_status(created, 201, f"the {profile.name} group create")
    gid = str(created.field("id"))
    notes = []
    add = [(one, "one"), (two, "two")]
    for spec in shapes.change_members(profile, gid, add=add):
        reply = await send_spec(ctx, spec)
        expect_status(reply, (200, 204), "the client's member add")
        if reply.status not in profile.expected_group_patch_statuses:
            notes.append(
                f"{profile.name} expects {sorted(profile.expected_group_patch_statuses)} "
                f"on group PATCH, got {reply.status}"
            )
    for spec in shapes.change_members(profile, gid, remove=[one]):
        expect_status(await send_spec(ctx, spec), (200, 204), "the client's member removal")
    again = await ctx.get(f"/Groups/{quote(gid, safe='')}")
    members = member_ids(again.body)
    ensure(members == {two}, f"after removing one of two members, members are {sorted(members)}")
    for note in notes:
        ctx.note(note)


@idp_check(
    6,
    "The profile's group rename (Okta: path-less replace with the id) renames.",
    "Accept a path-less replace whose value echoes the group's own id.",
    needs=("patch",),
)
async def rename(ctx: ServerContext) -> None:
    profile = profile_of(ctx)
    group = await ctx.create_group("vnd-rename")
    name = ctx.namespace.group_name("vnd-renamed")
    reply = await send_spec(ctx, shapes.rename_group(profile, group["id"], name))
    expect_status(reply, (200, 204), f"the {profile.name} rename")
    again = await ctx.get(f"/Groups/{quote(group['id'], safe='')}")
    ensure(value_at(again.body, "displayName") == name, "the group was not renamed")
