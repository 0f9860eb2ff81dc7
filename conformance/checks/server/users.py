"""Server checks: Users create, read, replace, delete (RFC 7644 §3.3-3.6, RFC 7643 §4.1)."""

from __future__ import annotations

from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status
from scim_harness.conformance.server.values import CORE_PATHS, differences, lower_keys

__all__: list[str] = []


def _path(rid: str) -> str:
    return f"/Users/{quote(rid, safe='')}"


@server_check(
    "SRV-USR-001",
    level="MUST",
    area="users",
    reference="RFC 7644 §3.3",
    claim="POST /Users answers 201 with the created User: a server id, meta, and every value sent.",
    fix="Answer 201 Created with the stored representation: id, meta (resourceType, created, "
    "lastModified, location) and the attributes as stored.",
)
async def create_user(ctx: ServerContext) -> None:
    body = ctx.namespace.user("usr-create", title="Tester")
    reply = await ctx.post("/Users", body)
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 201, "POST /Users")
    got = lower_keys(reply.body)
    ensure(isinstance(got.get("id"), str) and got["id"], "the created User has no id")
    meta = lower_keys(got.get("meta"))
    ensure(meta.get("resourcetype") == "User", f"meta.resourceType is {meta.get('resourcetype')!r}")
    ensure(meta.get("created") and meta.get("location"), "meta.created or meta.location is missing")
    wrong = differences(body, reply.body, (*CORE_PATHS, "title"))
    ensure(not wrong, "the created User does not hold what was sent: " + "; ".join(wrong))


@server_check(
    "SRV-USR-002",
    level="MUST",
    area="users",
    reference="RFC 7644 §3.3",
    claim="A create answers the new resource's URI in Location and in meta.location.",
    fix="Set the Location header of a 201 to the resource's URI, the same as meta.location.",
)
async def create_location(ctx: ServerContext) -> None:
    reply = await ctx.post("/Users", ctx.namespace.user("usr-location"))
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 201, "POST /Users")
    location = reply.headers.get("location")
    meta = lower_keys(lower_keys(reply.body).get("meta"))
    ensure(location, "the 201 has no Location header")
    ensure(
        location == meta.get("location"),
        f"Location {location!r} differs from meta.location {meta.get('location')!r}",
    )
    again = await ctx.get(str(location))
    expect_status(again, 200, "GET the Location of the created User")


@server_check(
    "SRV-USR-003",
    level="MUST",
    area="users",
    reference="RFC 7644 §3.4.1",
    claim="GET /Users/{id} answers 200 with the User as created.",
    fix="Return the stored User, with every attribute whose 'returned' is default or always.",
)
async def get_user(ctx: ServerContext) -> None:
    body = ctx.namespace.user("usr-get", title="Reader")
    created = await ctx.create("/Users", body)
    reply = await ctx.get(_path(created["id"]))
    expect_status(reply, 200, "GET /Users/{id}")
    ensure(reply.field("id") == created["id"], "GET /Users/{id} answered another resource")
    wrong = differences(body, reply.body, (*CORE_PATHS, "title"))
    ensure(not wrong, "GET /Users/{id} does not show what was created: " + "; ".join(wrong))


@server_check(
    "SRV-USR-004",
    level="MUST",
    area="users",
    reference="RFC 7644 §3.5.1",
    claim="PUT /Users/{id} replaces the User: new values shown, omitted optional ones cleared.",
    fix="On PUT, replace every writable attribute with the request's (clearing those it "
    "omits), keep id and meta, and answer 200 with the result.",
)
async def replace_user(ctx: ServerContext) -> None:
    created = await ctx.create_user("usr-put", title="Before")
    body = ctx.namespace.user("usr-put", given="Changed", family="Replaced")
    reply = await ctx.put(_path(created["id"]), body)
    expect_status(reply, 200, "PUT /Users/{id}")
    again = await ctx.get(_path(created["id"]))
    expect_status(again, 200, "GET /Users/{id} after PUT")
    wrong = differences(body, again.body)
    ensure(not wrong, "after PUT the User does not hold the new values: " + "; ".join(wrong))
    ensure(
        "title" not in lower_keys(again.body),
        "after a PUT without title, the old title is still there (PUT replaces, RFC 7644 §3.5.1)",
    )
    ensure(again.field("id") == created["id"], "PUT changed the User's id")


@server_check(
    "SRV-USR-005",
    level="MUST",
    area="users",
    reference="RFC 7644 §3.6",
    claim="DELETE /Users/{id} answers 204, and the User is then 404.",
    fix="Answer 204 No Content to a successful DELETE and 404 to any later request for the id.",
)
async def delete_user(ctx: ServerContext) -> None:
    created = await ctx.create_user("usr-delete")
    reply = await ctx.delete(_path(created["id"]))
    expect_status(reply, 204, "DELETE /Users/{id}")
    again = await ctx.get(_path(created["id"]))
    expect_status(again, 404, "GET /Users/{id} after DELETE")


@server_check(
    "SRV-USR-006",
    level="MUST",
    area="users",
    reference="RFC 7643 §4.1.1 (password: returned never)",
    claim="A password sent on create is never returned.",
    fix="Store a hash of the password and never include 'password' in any response.",
)
async def password_never_returned(ctx: ServerContext) -> None:
    body = ctx.namespace.user("usr-password", password="Sc1m-Harness-Secret!")
    reply = await ctx.post("/Users", body)
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    if reply.status in (400, 403, 501):
        msg = f"the server refuses passwords on create ({reply.status})"
        raise CheckSkipped(msg)
    expect_status(reply, 201, "POST /Users with a password")
    ensure("password" not in lower_keys(reply.body), "the create response shows the password")
    again = await ctx.get(_path(str(reply.field("id"))))
    ensure("password" not in lower_keys(again.body), "GET /Users/{id} shows the password")


@server_check(
    "SRV-USR-007",
    level="MUST",
    area="users",
    reference="RFC 7643 §2.2, §3.1",
    claim="The server assigns the id: an id sent by the client is ignored.",
    fix="Ignore readOnly attributes (id, meta) in a create and assign your own id.",
)
async def client_id_ignored(ctx: ServerContext) -> None:
    chosen = f"{ctx.namespace.value}-client-chosen-id"
    reply = await ctx.post("/Users", ctx.namespace.user("usr-id", id=chosen))
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 201, "POST /Users with a client-chosen id")
    ensure(reply.field("id") != chosen, "the server used the id the client sent")
