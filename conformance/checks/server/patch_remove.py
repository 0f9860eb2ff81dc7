"""Server checks: PATCH ``remove`` at its edges (RFC 7644 §3.5.2.2).

Two rules real clients run into. A ``remove`` whose value filter matches nothing (Entra ID
removing a member that already left, Okta's group push sending an ``add`` and a ``remove`` in
one PatchOp): RFC 7644 §3.12 allows ``400 noTarget``, but either way nothing else may change;
and because PATCH is atomic a ``noTarget`` loses the ``add`` beside it, so succeeding with no
change is what the IdPs expect. A ``remove`` of a required or read-only attribute: §3.5.2.2
says the server SHALL answer with scimType ``mutability``, and nothing changes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.server.context import Reply, ServerContext, ensure, expect_status
from scim_harness.conformance.server.target import CORE_USER
from scim_harness.conformance.server.values import member_ids, value_at

__all__: list[str] = []

_CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _path(endpoint: str, rid: str) -> str:
    return f"{endpoint}/{quote(rid, safe='')}"


def _no_target_or_success(reply: Reply, action: str) -> None:
    if 200 <= reply.status < 300:
        return
    expect_status(reply, (200, 204, 400), action)
    ensure(
        reply.field("scimType") == "noTarget",
        f"{action}: 400 with scimType {reply.field('scimType')!r}; RFC 7644 §3.12 names "
        "noTarget for a filter that matches nothing (or succeed with no change)",
    )


@server_check(
    "SRV-PAT-014",
    level="MUST",
    area="patch",
    reference="RFC 7644 §3.5.2.2, §3.12 (noTarget), §3.5.2 (atomic)",
    claim="A remove whose filter matches nothing changes nothing: 2xx, or 400 noTarget.",
    fix="When a remove's value filter matches no value, remove nothing: answer 200/204 "
    "(what the IdPs expect) or 400 noTarget, and never touch other values.",
    needs=("patch",),
)
async def remove_absent_changes_nothing(ctx: ServerContext) -> None:
    member = await ctx.create_user("pat-abs-member")
    group = await ctx.create_group("pat-absent", [member["id"]])
    absent = f"{ctx.namespace.value}-not-a-member"
    path = _path("/Groups", group["id"])
    reply = await ctx.patch(path, [{"op": "remove", "path": f'members[value eq "{absent}"]'}])
    _no_target_or_success(reply, "PATCH remove of a member that is not in the group")
    again = await ctx.get(path)
    expect_status(again, 200, "GET /Groups/{id} after the remove")
    members = member_ids(again.body)
    ensure(members == {member["id"]}, f"members are now {sorted(members)}: the member left")
    user = await ctx.create_user("pat-abs-email")
    upath = _path("/Users", user["id"])
    reply = await ctx.patch(upath, [{"op": "remove", "path": 'emails[type eq "pager"]'}])
    _no_target_or_success(reply, 'PATCH remove of emails[type eq "pager"] (there is none)')
    again = await ctx.get(upath)
    ensure(
        value_at(again.body, "emails.work") == value_at(user, "emails.work"),
        "removing an email that does not exist changed the work email",
    )


@server_check(
    "SRV-PAT-015",
    level="SHOULD",
    area="patch",
    reference="Interoperability: Okta's group push (add + remove in one PatchOp), Entra ID's "
    "remove of members that already left; RFC 7644 §3.12 also allows noTarget",
    claim="A remove of a member not in the group succeeds, so an add in the same PatchOp is "
    "applied.",
    fix="Treat a remove whose filter matches nothing as done (200/204, nothing removed): "
    "answering noTarget fails the whole PatchOp and loses the member the client added.",
    needs=("patch",),
)
async def remove_absent_keeps_the_add(ctx: ServerContext) -> None:
    one = await ctx.create_user("pat-okta-one")
    two = await ctx.create_user("pat-okta-two")
    group = await ctx.create_group("pat-okta", [one["id"]])
    absent = f"{ctx.namespace.value}-left-already"
    path = _path("/Groups", group["id"])
    operations: list[dict[str, Any]] = [
        {"op": "add", "path": "members", "value": [{"value": two["id"]}]},
        {"op": "remove", "path": f'members[value eq "{absent}"]'},
    ]
    reply = await ctx.patch(path, operations)
    expect_status(reply, (200, 204), "PATCH add of a member + remove of one not in the group")
    again = await ctx.get(path)
    members = member_ids(again.body)
    ensure(
        members == {one["id"], two["id"]},
        f"members are {sorted(members)}: the added member is missing",
    )


def _required(ctx: ServerContext, urn: str, fallback: tuple[str, ...]) -> list[str]:
    """Top-level attributes the target declares required (RFC 7643 §7), or the RFC's own."""
    schemas = ctx.target.schemas
    declared = schemas.schemas.get(urn) if schemas is not None else None
    if not declared:
        return list(fallback)
    found = [str(a.get("name")) for a in declared.values() if a.get("required") is True]
    return found or list(fallback)


@server_check(
    "SRV-PAT-016",
    level="MUST",
    area="patch",
    reference="RFC 7644 §3.5.2.2 (a removed required or read-only attribute: scimType "
    "mutability), RFC 7643 §4.1.1, §7",
    claim="A PATCH removing a required attribute (userName, each one /Schemas declares "
    "required) or the read-only id answers 400 mutability and changes nothing.",
    fix="Refuse a remove (or a replace with null) of a required or read-only attribute with "
    "400 and scimType 'mutability', and leave the resource as it was.",
    needs=("patch",),
)
async def remove_required_is_mutability(ctx: ServerContext) -> None:
    user = await ctx.create_user("pat-required")
    group = await ctx.create_group("pat-required")
    wrong: list[str] = []
    cases = [("/Users", user, attr) for attr in _required(ctx, CORE_USER, ("userName",))] + [
        ("/Groups", group, attr) for attr in _required(ctx, _CORE_GROUP, ())
    ]
    cases.append(("/Users", user, "id"))
    for endpoint, resource, attr in cases:
        reply = await ctx.patch(_path(endpoint, resource["id"]), [{"op": "remove", "path": attr}])
        got = f"{reply.status} {reply.field('scimType') or ''}".strip()
        if reply.status != 400 or reply.field("scimType") != "mutability":
            wrong.append(f"remove {endpoint.strip('/')[:-1]} {attr}: {got}")
    ensure(not wrong, "expected 400 mutability: " + "; ".join(wrong))
    for endpoint, resource in (("/Users", user), ("/Groups", group)):
        again = await ctx.get(_path(endpoint, resource["id"]))
        key = "userName" if endpoint == "/Users" else "displayName"
        ensure(
            value_at(again.body, key) == resource.get(key),
            f"a refused remove changed the {endpoint.strip('/')[:-1]}'s {key}",
        )
