"""Server checks: Groups create, read, replace, delete (RFC 7644 §3.3-3.6, RFC 7643 §4.2)."""

from __future__ import annotations

from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status
from scim_harness.conformance.server.values import lower_keys, member_ids

__all__: list[str] = []


def _path(endpoint: str, rid: str) -> str:
    return f"{endpoint}/{quote(rid, safe='')}"


@server_check(
    "SRV-GRP-001",
    level="MUST",
    area="groups",
    reference="RFC 7644 §3.3, RFC 7643 §4.2",
    claim="POST /Groups with members answers 201 with the Group, its displayName and members.",
    fix="Store displayName and members (each member's value is a resource id) and answer 201 "
    "with the stored Group.",
)
async def create_group(ctx: ServerContext) -> None:
    one = await ctx.create_user("grp-c1")
    two = await ctx.create_user("grp-c2")
    body = ctx.namespace.group("grp-create", [one["id"], two["id"]])
    reply = await ctx.post("/Groups", body)
    if reply.status < 300:
        ctx.remember(reply, "/Groups")
    expect_status(reply, 201, "POST /Groups")
    ensure(isinstance(reply.field("id"), str), "the created Group has no id")
    ensure(
        lower_keys(reply.body).get("displayname") == body["displayName"],
        f"displayName is {lower_keys(reply.body).get('displayname')!r}, "
        f"sent {body['displayName']!r}",
    )
    got = member_ids(reply.body)
    ensure(got == {one["id"], two["id"]}, f"members are {sorted(got)}, sent both test users")


@server_check(
    "SRV-GRP-002",
    level="MUST",
    area="groups",
    reference="RFC 7644 §3.4.1",
    claim="GET /Groups/{id} answers 200 with the Group and its members.",
    fix="Return the stored Group with displayName and members (members is returned by default).",
)
async def get_group(ctx: ServerContext) -> None:
    user = await ctx.create_user("grp-g1")
    group = await ctx.create_group("grp-get", [user["id"]])
    reply = await ctx.get(_path("/Groups", group["id"]))
    expect_status(reply, 200, "GET /Groups/{id}")
    ensure(reply.field("id") == group["id"], "GET /Groups/{id} answered another resource")
    ensure(member_ids(reply.body) == {user["id"]}, "GET /Groups/{id} does not show its member")


@server_check(
    "SRV-GRP-003",
    level="MUST",
    area="groups",
    reference="RFC 7644 §3.5.1",
    claim="PUT /Groups/{id} replaces displayName and the whole member list.",
    fix="On PUT, replace displayName and members with the request's; members it omits leave.",
)
async def replace_group(ctx: ServerContext) -> None:
    one = await ctx.create_user("grp-p1")
    two = await ctx.create_user("grp-p2")
    group = await ctx.create_group("grp-put", [one["id"]])
    body = ctx.namespace.group("grp-put-renamed", [two["id"]])
    reply = await ctx.put(_path("/Groups", group["id"]), body)
    expect_status(reply, 200, "PUT /Groups/{id}")
    again = await ctx.get(_path("/Groups", group["id"]))
    expect_status(again, 200, "GET /Groups/{id} after PUT")
    ensure(
        lower_keys(again.body).get("displayname") == body["displayName"],
        "after PUT the Group does not have the new displayName",
    )
    got = member_ids(again.body)
    ensure(got == {two["id"]}, f"after PUT members are {sorted(got)}, expected only the new one")


@server_check(
    "SRV-GRP-004",
    level="MUST",
    area="groups",
    reference="RFC 7644 §3.6",
    claim="DELETE /Groups/{id} answers 204, and the Group is then 404.",
    fix="Answer 204 No Content to a successful DELETE and 404 to any later request for the id.",
)
async def delete_group(ctx: ServerContext) -> None:
    group = await ctx.create_group("grp-delete")
    reply = await ctx.delete(_path("/Groups", group["id"]))
    expect_status(reply, 204, "DELETE /Groups/{id}")
    again = await ctx.get(_path("/Groups", group["id"]))
    expect_status(again, 404, "GET /Groups/{id} after DELETE")


@server_check(
    "SRV-GRP-005",
    level="MUST",
    area="groups",
    # MUST since issue 11: RFC 7644 §3.6 says a deleted resource MUST be omitted from future
    # query results and answer 404 to every operation; a member entry naming it is returned
    # data about a resource that no longer exists, and a client syncing the group from it
    # re-adds or mis-counts a user that is gone.
    reference="RFC 7644 §3.6 (a deleted resource MUST be omitted from future query results; "
    "a member entry naming it is such a result, hence MUST, not SHOULD), RFC 7643 §4.2",
    claim="A deleted User no longer appears among any Group's members.",
    fix="When a User is deleted, remove it from every Group's members in the same transaction.",
)
async def deleted_user_leaves_groups(ctx: ServerContext) -> None:
    stays = await ctx.create_user("grp-d-stays")
    leaves = await ctx.create_user("grp-d-leaves")
    group = await ctx.create_group("grp-dangling", [stays["id"], leaves["id"]])
    expect_status(await ctx.delete(_path("/Users", leaves["id"])), 204, "DELETE /Users/{id}")
    again = await ctx.get(_path("/Groups", group["id"]))
    expect_status(again, 200, "GET /Groups/{id}")
    got = member_ids(again.body)
    ensure(leaves["id"] not in got, "the deleted User is still listed among the members")
    ensure(stays["id"] in got, "deleting one member also removed another one")


@server_check(
    "SRV-GRP-006",
    # Stays SHOULD after the severity review: RFC 7643 §4.1.2 does not require a server to
    # offer the read-only 'groups' attribute; a server without it loses no data.
    level="SHOULD",
    area="groups",
    reference="RFC 7643 §4.1.2 (groups)",
    claim="A User's read-only 'groups' attribute lists the Groups it is a member of.",
    fix="Derive User.groups from the memberships: value (group id), display, $ref, type.",
)
async def user_groups_attribute(ctx: ServerContext) -> None:
    user = await ctx.create_user("grp-u1")
    group = await ctx.create_group("grp-of-user", [user["id"]])
    reply = await ctx.get(_path("/Users", user["id"]))
    expect_status(reply, 200, "GET /Users/{id}")
    groups = lower_keys(reply.body).get("groups")
    values = (
        {lower_keys(g).get("value") for g in groups if isinstance(g, dict)}
        if isinstance(groups, list)
        else set()
    )
    ensure(group["id"] in values, f"the User's groups are {sorted(map(str, values))}")
