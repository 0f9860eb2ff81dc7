"""Server checks: PATCH (RFC 7644 §3.5.2) with each path form of RFC 7644 §3.10.

Every check PATCHes a User or Group of its own, then reads it back with GET: what counts is
what the server stored, whether it answered 200 with the resource or 204.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.server.context import (
    CheckFn,
    Reply,
    ServerContext,
    ensure,
    expect_status,
)
from scim_harness.conformance.server.data import ENTERPRISE
from scim_harness.conformance.server.values import lower_keys, member_ids, value_at

__all__: list[str] = []

_FIX = "Implement RFC 7644 §3.5.2 {what}, and answer 200 with the resource or 204."


def _path(endpoint: str, rid: str) -> str:
    return f"{endpoint}/{quote(rid, safe='')}"


async def _patch_then_get(
    ctx: ServerContext, endpoint: str, rid: str, operations: list[dict[str, Any]]
) -> Reply:
    path = _path(endpoint, rid)
    reply = await ctx.patch(path, operations)
    expect_status(reply, (200, 204), f"PATCH {endpoint}/{{id}} {operations}")
    again = await ctx.get(path)
    expect_status(again, 200, f"GET {endpoint}/{{id}} after PATCH")
    return again


def _patch_check(
    number: int, level: str, section: str, claim: str, what: str
) -> Callable[[CheckFn], CheckFn]:
    return server_check(
        f"SRV-PAT-{number:03d}",
        level=level,
        area="patch",
        reference=f"RFC 7644 {section}",
        claim=claim,
        fix=_FIX.format(what=what),
        needs=("patch",),
    )


@_patch_check(
    1,
    "MUST",
    "§3.5.2.3",
    "replace with a simple path changes that attribute.",
    "replace on a simple attribute path",
)
async def replace_simple(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-replace")
    got = await _patch_then_get(
        ctx, "/Users", user["id"], [{"op": "replace", "path": "displayName", "value": "Renamed"}]
    )
    ensure(value_at(got.body, "displayName") == "Renamed", "displayName was not replaced")


@_patch_check(2, "MUST", "§3.5.2.1", "add with a path sets a new attribute.", "add with a path")
async def add_simple(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-add")
    got = await _patch_then_get(
        ctx, "/Users", user["id"], [{"op": "add", "path": "title", "value": "Added Title"}]
    )
    ensure(value_at(got.body, "title") == "Added Title", "title was not added")


@_patch_check(
    3, "MUST", "§3.5.2.2", "remove with a path removes the attribute.", "remove with a path"
)
async def remove_simple(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-remove", title="Going Away")
    got = await _patch_then_get(ctx, "/Users", user["id"], [{"op": "remove", "path": "title"}])
    ensure("title" not in lower_keys(got.body), "title is still there after remove")


@_patch_check(
    4,
    "MUST",
    "§3.5.2.3, §3.10",
    "replace of a sub-attribute (name.givenName) changes only it.",
    "sub-attribute paths (attr.subAttr)",
)
async def replace_sub_attribute(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-sub", given="Before")
    got = await _patch_then_get(
        ctx, "/Users", user["id"], [{"op": "replace", "path": "name.givenName", "value": "After"}]
    )
    ensure(value_at(got.body, "name.givenName") == "After", "name.givenName was not replaced")
    ensure(
        value_at(got.body, "name.familyName") == value_at(user, "name.familyName"),
        "replacing name.givenName changed name.familyName",
    )


@_patch_check(
    5,
    "MUST",
    "§3.5.2.3, §3.10",
    'replace at emails[type eq "work"].value changes the work email only.',
    "value-filter paths with a sub-attribute",
)
async def replace_value_filter(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-email", home_email=True)
    new = ctx.namespace.email("pat-email-new")
    got = await _patch_then_get(
        ctx,
        "/Users",
        user["id"],
        [{"op": "replace", "path": 'emails[type eq "work"].value', "value": new}],
    )
    ensure(value_at(got.body, "emails.work") == new, "the work email was not replaced")
    ensure(
        value_at(got.body, "emails.home") == value_at(user, "emails.home"),
        "replacing the work email changed the home email",
    )


@_patch_check(
    6,
    "MUST",
    "§3.5.2.2",
    'remove at emails[type eq "home"] removes that email only.',
    "remove with a value filter",
)
async def remove_value_filter(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-rm-home", home_email=True)
    got = await _patch_then_get(
        ctx, "/Users", user["id"], [{"op": "remove", "path": 'emails[type eq "home"]'}]
    )
    ensure(value_at(got.body, "emails.home") is None, "the home email is still there")
    ensure(
        value_at(got.body, "emails.work") == value_at(user, "emails.work"),
        "removing the home email also removed the work email",
    )


@_patch_check(
    7,
    "MUST",
    "§3.5.2.3",
    "a path-less replace sets every attribute of its value.",
    "operations without a path (the value's attributes are the targets)",
)
async def replace_pathless(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-pathless")
    value = {"displayName": "Pathless Name", "title": "Pathless Title"}
    got = await _patch_then_get(ctx, "/Users", user["id"], [{"op": "replace", "value": value}])
    ensure(value_at(got.body, "displayName") == "Pathless Name", "displayName not replaced")
    ensure(value_at(got.body, "title") == "Pathless Title", "title not set")


@_patch_check(
    8,
    "MUST",
    "§3.5.2.1, §3.10",
    "add with an extension URN path "
    "(urn:...:enterprise:2.0:User:department) sets the extension attribute.",
    "fully qualified extension attribute paths",
)
async def add_extension(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-ext")
    got = await _patch_then_get(
        ctx,
        "/Users",
        user["id"],
        [{"op": "add", "path": f"{ENTERPRISE}:department", "value": "Research"}],
    )
    ext = lower_keys(got.body).get(ENTERPRISE.lower())
    ensure(lower_keys(ext).get("department") == "Research", "the department was not set")


@_patch_check(
    9,
    "MUST",
    "§3.5.2.1",
    "add at path members adds the listed members, keeping the others.",
    "add of multi-valued attributes (members)",
)
async def add_members(ctx: ServerContext) -> None:
    one = await ctx.create_user("pat-m1")
    two = await ctx.create_user("pat-m2")
    group = await ctx.create_group("pat-add-members", [one["id"]])
    got = await _patch_then_get(
        ctx,
        "/Groups",
        group["id"],
        [{"op": "add", "path": "members", "value": [{"value": two["id"]}]}],
    )
    members = member_ids(got.body)
    ensure(members == {one["id"], two["id"]}, f"members after add are {sorted(members)}")


@_patch_check(
    10,
    "MUST",
    "§3.5.2.2",
    'remove at members[value eq "<id>"] removes that member and no other.',
    "remove with a value filter on members",
)
async def remove_one_member(ctx: ServerContext) -> None:
    one = await ctx.create_user("pat-r1")
    two = await ctx.create_user("pat-r2")
    three = await ctx.create_user("pat-r3")
    group = await ctx.create_group("pat-remove-member", [one["id"], two["id"], three["id"]])
    got = await _patch_then_get(
        ctx,
        "/Groups",
        group["id"],
        [{"op": "remove", "path": f'members[value eq "{two["id"]}"]'}],
    )
    members = member_ids(got.body)
    ensure(two["id"] not in members, "the filtered member is still there")
    ensure(
        members == {one["id"], three["id"]},
        f"a filtered remove of one member left {len(members)} of the other 2 members",
    )


@_patch_check(
    11, "MUST", "§3.5.2.3", "replace of displayName on a Group renames it.", "replace on Groups"
)
async def rename_group(ctx: ServerContext) -> None:
    group = await ctx.create_group("pat-rename")
    name = ctx.namespace.group_name("pat-renamed")
    got = await _patch_then_get(
        ctx, "/Groups", group["id"], [{"op": "replace", "path": "displayName", "value": name}]
    )
    ensure(value_at(got.body, "displayName") == name, "the Group was not renamed")


@_patch_check(
    12,
    "MUST",
    "§3.5.2",
    "a PatchOp whose last operation fails changes nothing (the request is atomic).",
    "atomic PATCH: all operations or none",
)
async def atomic(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-atomic")
    path = _path("/Users", user["id"])
    reply = await ctx.patch(
        path,
        [
            {"op": "replace", "path": "displayName", "value": "Should Not Stay"},
            {"op": "replace", "path": "id", "value": "not-allowed"},
        ],
    )
    ensure(
        400 <= reply.status < 500,
        f"a PatchOp changing the read-only id answered {reply.status}, expected a 4xx",
    )
    again = await ctx.get(path)
    ensure(
        value_at(again.body, "displayName") == user.get("displayName"),
        "the refused PatchOp still applied its first operation",
    )


@_patch_check(
    13,
    "MUST",
    "§3.5.2.2",
    "remove without a path answers 400 with scimType noTarget.",
    "the noTarget error for remove without a path",
)
async def remove_without_path(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-notarget")
    reply = await ctx.patch(_path("/Users", user["id"]), [{"op": "remove"}])
    expect_status(reply, 400, "PATCH remove without a path")
    ensure(reply.field("scimType") == "noTarget", f"scimType is {reply.field('scimType')!r}")
