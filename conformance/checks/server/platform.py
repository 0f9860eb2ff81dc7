"""Server checks: the platform's required attributes and group name mapping (issue 4).

The platform requires six user attributes (userName, name.givenName, name.familyName, the
``type: "work"`` email, displayName, active): a create or replace missing one is refused, and
so is a PATCH removing one. With admin access (the reference server), the directory record
the mapping writes is read back and validated against ``directory-user.schema.json`` /
``directory-group.schema.json``.

These are the platform's rules, not the RFC's (RFC 7643 §4.1 requires only ``userName``):
they run only when the target is the platform (``needs=("platform",)``; see
:mod:`~scim_harness.conformance.server.target`). A User without ``userName`` is refused by
every SCIM server, so SRV-PLT-001 runs everywhere.
"""

from __future__ import annotations

from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.server.admin import directory_record
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status, need
from scim_harness.conformance.server.values import lower_keys, value_at
from scim_harness.reference_server.protocol.jsonschemas import validation_errors

__all__: list[str] = []

_REQUIRED = (
    "Platform: required attributes (userName, name.givenName, name.familyName, "
    'emails[type eq "work"].value, displayName, active)'
)
_FIX_REQ = (
    "Refuse (400 invalidValue, naming the attribute) a User without {what}: the platform "
    "maps it to a required attribute."
)
_MISSING = (
    (1, "userName", "userName"),
    (2, "name.givenName", "name.givenName"),
    (3, "name.familyName", "name.familyName"),
    (4, "emails.work", 'an email of type "work"'),
    (5, "displayName", "displayName"),
    (6, "active", "active"),
)
_DIRECTORY_USER = {
    "username": "userName",
    "firstName": "name.givenName",
    "lastName": "name.familyName",
    "email": "emails.work",
    "displayName": "displayName",
}


def _missing_check(number: int, omit: str, what: str) -> None:
    rfc = omit == "userName"  # RFC 7643 §4.1.1: userName is REQUIRED on every server

    @server_check(
        f"SRV-PLT-{number:03d}",
        level="MUST",
        area="platform",
        reference="RFC 7643 §4.1.1 (userName REQUIRED), RFC 7644 §3.3" if rfc else _REQUIRED,
        claim=f"A User created without {what} is refused.",
        fix=_FIX_REQ.format(what=what),
        needs=() if rfc else ("platform",),
    )
    async def run(ctx: ServerContext) -> None:
        tag = f"plt-no-{omit.replace('.', '-').lower()}"
        reply = await ctx.post("/Users", ctx.namespace.user(tag, omit=(omit,)))
        if reply.status < 300:
            ctx.remember(reply, "/Users")
        ensure(
            400 <= reply.status < 500,
            f"POST /Users without {what} answered {reply.status}: the platform needs it",
        )

    run.__name__ = f"refuses_missing_{number}"


for _number, _omit, _what in _MISSING:
    _missing_check(_number, _omit, _what)


@server_check(
    "SRV-PLT-007",
    level="MUST",
    area="platform",
    reference=f"{_REQUIRED}; directory-user.schema.json",
    claim="A created User's directory record carries the mapped values and validates.",
    fix="Map each required attribute into the platform record (username, firstName, "
    "lastName, email, displayName, status).",
    needs=("platform",),
)
async def directory_user(ctx: ServerContext) -> None:
    ctx.require_admin()
    body = ctx.namespace.user("plt-directory", given="Mapped", family="Person")
    user = await ctx.create("/Users", body)
    record = need(
        await directory_record(ctx, "users", user["id"]),
        "no directory record was written for the created User",
    )
    problems = validation_errors("directory-user", record)
    ensure(
        not problems,
        "the directory record breaks directory-user.schema.json: " + "; ".join(problems[:5]),
    )
    wrong = [
        f"{field}: {record.get(field)!r}, SCIM {path} is {value_at(body, path)!r}"
        for field, path in _DIRECTORY_USER.items()
        if record.get(field) != value_at(body, path)
    ]
    if record.get("status") != "active":
        wrong.append(f"status: {record.get('status')!r} for an active User")
    ensure(not wrong, "the directory record does not carry the mapped values: " + "; ".join(wrong))


@server_check(
    "SRV-PLT-008",
    level="MUST",
    area="platform",
    reference=_REQUIRED,
    claim="A PATCH removing a required attribute is refused and changes nothing.",
    fix="Validate the patched User against the required mapping before storing it; refuse "
    "with 400 and keep the User as it was.",
    needs=("patch", "platform"),
)
async def patch_cannot_remove(ctx: ServerContext) -> None:
    user = await ctx.create_user("plt-patch")
    path = f"/Users/{quote(user['id'], safe='')}"
    for operation in (
        {"op": "remove", "path": "displayName"},
        {"op": "remove", "path": 'emails[type eq "work"]'},
    ):
        reply = await ctx.patch(path, [operation])
        ensure(
            400 <= reply.status < 500,
            f"PATCH {operation} answered {reply.status}: it removes a required attribute",
        )
    again = await ctx.get(path)
    ensure(
        value_at(again.body, "displayName") == user.get("displayName"),
        "a refused PATCH still removed displayName",
    )
    ensure(value_at(again.body, "emails.work") is not None, "the work email is gone")


@server_check(
    "SRV-PLT-009",
    level="MUST",
    area="platform",
    reference=_REQUIRED,
    claim="A PUT leaving out a required attribute (the work email) is refused and changes nothing.",
    fix="Apply the required-attribute rule to replace (PUT) as to create.",
    needs=("platform",),
)
async def put_cannot_drop(ctx: ServerContext) -> None:
    user = await ctx.create_user("plt-put")
    path = f"/Users/{quote(user['id'], safe='')}"
    reply = await ctx.put(path, ctx.namespace.user("plt-put", omit=("emails.work",)))
    ensure(
        400 <= reply.status < 500,
        f"PUT without a work email answered {reply.status}: the platform needs it",
    )
    again = await ctx.get(path)
    ensure(
        value_at(again.body, "emails.work") == value_at(user, "emails.work"),
        "the refused PUT changed the work email",
    )


@server_check(
    "SRV-PLT-010",
    level="MUST",
    area="platform",
    reference="Platform: group mapping (Group Name <- displayName); directory-group.schema.json",
    claim="A Group's directory groupName follows its displayName on create and on rename.",
    fix="Map displayName into the platform group's Group Name on every create, replace and "
    "patch, and its members into member usernames.",
    needs=("platform",),
)
async def directory_group(ctx: ServerContext) -> None:
    ctx.require_admin()
    user = await ctx.create_user("plt-member")
    group = await ctx.create_group("plt-group", [user["id"]])
    record = need(
        await directory_record(ctx, "groups", group["id"]),
        "no directory record was written for the created Group",
    )
    problems = validation_errors("directory-group", record)
    ensure(
        not problems,
        "the group record breaks directory-group.schema.json: " + "; ".join(problems[:5]),
    )
    ensure(
        record.get("groupName") == group["displayName"],
        f"groupName is {record.get('groupName')!r}, displayName {group['displayName']!r}",
    )
    ensure(
        user["userName"] in (record.get("members") or []),
        f"the group record's members {record.get('members')} lack {user['userName']!r}",
    )
    renamed = ctx.namespace.group_name("plt-group-renamed")
    path = f"/Groups/{quote(group['id'], safe='')}"
    if ctx.supports("patch") is False:
        body = {**ctx.namespace.group("plt-group", [user["id"]]), "displayName": renamed}
        expect_status(await ctx.put(path, body), 200, "PUT /Groups/{id} (rename)")
    else:
        reply = await ctx.patch(path, [{"op": "replace", "path": "displayName", "value": renamed}])
        expect_status(reply, (200, 204), "PATCH /Groups/{id} displayName (rename)")
    after = need(
        await directory_record(ctx, "groups", group["id"]),
        "the group's directory record vanished after the rename",
    )
    ensure(
        after.get("groupName") == renamed,
        f"after the rename groupName is {after.get('groupName')!r}, expected {renamed!r}",
    )
    ensure(lower_keys(group).get("id") == after.get("id"), "the record's id changed")
