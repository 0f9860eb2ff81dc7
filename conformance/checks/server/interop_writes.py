"""Server checks of the SCIM 2.0 Interoperability Profile: what writes must do
(``--profile interop``): accurate /Schemas, case rules, strict attribute handling, the PATCH
subset, the resource lifecycle and uniqueness conflicts. Each cites its section of
draft-zollner-scim-interop-profile-01; levels follow the draft's keywords. PATCH checks are
skipped with the reason when the target does not advertise PATCH (SRV-IOP-017 fails then).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status
from scim_harness.conformance.server.interop import (
    GROUP_SCHEMA,
    USER_SCHEMA,
    declared,
    discovery,
    expect_error,
    iop_check,
    swapped,
)
from scim_harness.conformance.server.values import value_at

__all__: list[str] = []

_COMMON = frozenset({"schemas", "id", "externalid", "meta"})


def _at(rid: str) -> str:
    return f"/Users/{quote(rid, safe='')}"


def _undeclared(resource: dict[str, Any], found: Any, core: str, where: str) -> list[str]:
    """Attributes (and sub-attributes) of ``resource`` that /Schemas does not declare."""
    out: list[str] = []
    core_attrs = declared(found.schema(core))
    for key, value in resource.items():
        lowered = key.lower()
        if lowered in _COMMON:
            continue
        if key.startswith("urn:"):
            attrs = declared(found.schema(key))
            if not attrs:
                out.append(f"{where}: extension {key} is not at /Schemas")
                continue
            keys = value.keys() if isinstance(value, dict) else []
            out.extend(f"{where}: {key}:{k}" for k in keys if k.lower() not in attrs)
            continue
        attr = core_attrs.get(lowered)
        if attr is None:
            out.append(f"{where}: {key}")
            continue
        subs = {str(s.get("name", "")).lower() for s in attr.get("subAttributes") or []}
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and subs:
                out.extend(f"{where}: {key}.{k}" for k in item if k.lower() not in subs)
    return sorted(set(out))


@iop_check(
    5,
    "MUST",
    "5.1",
    "/Schemas is accurate: every attribute a created user or group comes back with is "
    "declared there.",
    "Publish in /Schemas exactly the attributes (and sub-attributes) your service returns.",
)
async def schemas_accurate(ctx: ServerContext) -> None:
    found = await discovery(ctx)
    user = await ctx.create_user("iop-declared")
    problems = _undeclared(user, found, USER_SCHEMA, "User")
    group = await ctx.create_group("iop-declared")
    problems += _undeclared(group, found, GROUP_SCHEMA, "Group")
    ensure(not problems, "returned but not declared in /Schemas: " + "; ".join(problems[:8]))


@iop_check(
    6,
    "MUST",
    "5.2",
    "userName is case-insensitive both ways: a filter with its case inverted finds the user "
    "and a create with its case inverted is a 409 uniqueness conflict.",
    "Compare userName case-insensitively in filters and in the uniqueness check alike.",
    needs=("filter",),
)
async def username_case(ctx: ServerContext) -> None:
    user = await ctx.create_user("iop-Case")
    name = str(user.get("userName"))
    other = swapped(name)
    found = await ctx.get("/Users", params={"filter": f'userName eq "{other}"'})
    expect_status(found, 200, f'filter userName eq "{other}"')
    ids = [r.get("id") for r in found.resources()]
    ensure(ids == [user["id"]], f"the case-inverted filter found {ids}, expected the user")
    body = ctx.namespace.user("iop-case-twin", userName=other)
    twin = await ctx.post("/Users", body)
    if twin.status < 300:
        ctx.remember(twin, "/Users")
    expect_error(twin, 409, "uniqueness", f"POST a user named {other!r} beside {name!r}")


@iop_check(
    7,
    "MUST",
    "5.2",
    "id and externalId are case-exact: /Users/{id} with the case inverted is 404, and a "
    "filter on externalId with the case inverted finds nothing.",
    "Match id and externalId exactly (RFC 7643 §3.1: caseExact true).",
)
async def exact_ids(ctx: ServerContext) -> None:
    external = f"{ctx.namespace.value}-Ext-Case"
    user = await ctx.create_user("iop-exact", externalId=external)
    checked = 0
    if swapped(user["id"]) != user["id"]:
        checked += 1
        other = await ctx.get(_at(swapped(user["id"])))
        expect_status(other, 404, "GET /Users/{id with its case inverted}")
    if user.get("externalId") == external and ctx.supports("filter") is not False:
        checked += 1
        text = f'externalId eq "{swapped(external)}"'
        reply = await ctx.get("/Users", params={"filter": text})
        expect_status(reply, 200, f"filter {text}")
        ensure(not reply.resources(), f"the filter {text!r} matched: externalId is not exact")
    if not checked:
        raise CheckSkipped("the id has no letters and externalId is not stored or filtered")


@iop_check(
    8,
    "MUST",
    "5.3",
    "A create with an attribute or a schema URI that no schema defines is refused with "
    "400 invalidSyntax.",
    "Reject undeclared attributes and schema URIs with 400 invalidSyntax instead of ignoring them.",
)
async def strict_create(ctx: ServerContext) -> None:
    cases = (
        ("an undeclared attribute", ctx.namespace.user("iop-strict-a", scimHarnessUndeclared="x")),
        ("an undeclared schema URI", ctx.namespace.user("iop-strict-s")),
    )
    cases[1][1]["schemas"] = [*cases[1][1]["schemas"], "urn:example:scim-harness:undeclared"]
    for what, body in cases:
        reply = await ctx.post("/Users", body)
        if reply.status < 300:
            ctx.remember(reply, "/Users")
        expect_error(reply, 400, "invalidSyntax", f"POST /Users with {what}")


@iop_check(
    9,
    "MUST",
    "5.3",
    "A PATCH that adds an attribute no schema defines is refused with 400 invalidSyntax.",
    "Reject PATCH operations on undeclared attributes with 400 invalidSyntax.",
    needs=("patch",),
)
async def strict_patch(ctx: ServerContext) -> None:
    user = await ctx.create_user("iop-strict-p")
    ops = [{"op": "add", "path": "scimHarnessUndeclared", "value": "x"}]
    reply = await ctx.patch(_at(user["id"]), ops)
    expect_error(reply, 400, "invalidSyntax", "PATCH add of an undeclared attribute")


@iop_check(
    17,
    "MUST",
    "6.5",
    "PATCH is supported and advertised (ServiceProviderConfig patch.supported).",
    "Implement PATCH (RFC 7644 §3.5.2) and set patch.supported to true.",
)
async def patch_supported(ctx: ServerContext) -> None:
    ensure(ctx.supports("patch") is True, "ServiceProviderConfig patch.supported is not true")


@iop_check(
    18,
    "MUST",
    "6.5.1.1",
    "A PATCH operation without a path is refused with 400 invalidSyntax.",
    "Refuse path-less operations (the profile requires a path on every operation).",
    needs=("patch",),
)
async def pathless_refused(ctx: ServerContext) -> None:
    user = await ctx.create_user("iop-pathless")
    reply = await ctx.patch(_at(user["id"]), [{"op": "replace", "value": {"title": "Chief"}}])
    expect_error(reply, 400, "invalidSyntax", "a path-less PATCH replace")


async def _read(ctx: ServerContext, rid: str, after: str) -> Any:
    again = await ctx.get(_at(rid))
    expect_status(again, 200, f"GET the user after {after}")
    return again.body


@iop_check(
    19,
    "MUST",
    "6.5.2.1",
    "On a singular simple attribute add and replace do the same: add of displayName "
    "replaces the value it had.",
    "Treat add on a singular attribute as replace.",
    needs=("patch",),
)
async def add_is_replace(ctx: ServerContext) -> None:
    user = await ctx.create_user("iop-add")
    reply = await ctx.patch(_at(user["id"]), [{"op": "add", "path": "displayName", "value": "B"}])
    expect_status(reply, (200, 204), "PATCH add displayName")
    shown = value_at(await _read(ctx, user["id"], "add"), "displayName")
    ensure(shown == "B", f"after add displayName 'B' it is {shown!r}")


@iop_check(
    20,
    "MUST",
    "6.5.2.1",
    "replace of a whole complex attribute (name) replaces it: omitted sub-attributes are gone; "
    "add merges: omitted sub-attributes stay.",
    "Implement replace of a complex attribute as a full replacement and add as a merge.",
    needs=("patch",),
)
async def complex_replace_and_add(ctx: ServerContext) -> None:
    name = {"givenName": "Ann", "familyName": "Lee", "middleName": "Mid"}
    user = await ctx.create_user("iop-name", name=name)
    fresh = {"givenName": "Ann", "familyName": "Low"}
    reply = await ctx.patch(_at(user["id"]), [{"op": "replace", "path": "name", "value": fresh}])
    expect_status(reply, (200, 204), "PATCH replace name")
    body = await _read(ctx, user["id"], "replace of name")
    ensure(value_at(body, "name.familyName") == "Low", "replace of name did not set familyName")
    ensure(value_at(body, "name.middleName") is None, "replace of name kept middleName")
    more = {"middleName": "New"}
    reply = await ctx.patch(_at(user["id"]), [{"op": "add", "path": "name", "value": more}])
    expect_status(reply, (200, 204), "PATCH add name")
    body = await _read(ctx, user["id"], "add to name")
    kept = (value_at(body, "name.familyName"), value_at(body, "name.middleName"))
    ensure(kept == ("Low", "New"), f"add to name left familyName/middleName {kept}")


@iop_check(
    21,
    "MUST",
    "6.5.2.2",
    "replace of a whole multi-valued attribute (emails) replaces the collection; add appends.",
    "Implement replace without a filter as a replacement of all values, add as an append.",
    needs=("patch",),
)
async def collection_replace_and_add(ctx: ServerContext) -> None:
    user = await ctx.create_user("iop-emails", home_email=True)
    work = {"value": ctx.namespace.email("iop-emails-new"), "type": "work", "primary": True}
    reply = await ctx.patch(_at(user["id"]), [{"op": "replace", "path": "emails", "value": [work]}])
    expect_status(reply, (200, 204), "PATCH replace emails")
    emails = (await _read(ctx, user["id"], "replace of emails")).get("emails") or []
    values = sorted(str(e.get("value")) for e in emails if isinstance(e, dict))
    ensure(values == [work["value"]], f"after replace of emails they are {values}")
    home = {"value": ctx.namespace.email("iop-emails", "home"), "type": "home"}
    reply = await ctx.patch(_at(user["id"]), [{"op": "add", "path": "emails", "value": [home]}])
    expect_status(reply, (200, 204), "PATCH add emails")
    emails = (await _read(ctx, user["id"], "add to emails")).get("emails") or []
    values = sorted(str(e.get("value")) for e in emails if isinstance(e, dict))
    ensure(values == sorted([str(work["value"]), home["value"]]), f"after add, emails are {values}")


@iop_check(
    22,
    "MUST",
    "6.6",
    "A PATCH never deletes: a user set to active=false is still there.",
    "Keep resources modified by PATCH (no delete on deactivation); delete only on DELETE.",
    needs=("patch",),
)
async def patch_keeps(ctx: ServerContext) -> None:
    user = await ctx.create_user("iop-keep")
    reply = await ctx.patch(_at(user["id"]), [{"op": "replace", "path": "active", "value": False}])
    expect_status(reply, (200, 204), "PATCH replace active false")
    again = await ctx.get(_at(user["id"]))
    expect_status(again, 200, "GET the user after PATCH active=false (it must be retained)")


@iop_check(
    23,
    "MUST",
    "6.6",
    "DELETE deletes: the user is 404 afterwards, missing from queries, and its userName can "
    "be given to a new user.",
    "Delete the resource on DELETE (not a deactivation) and free its unique values.",
)
async def delete_deletes(ctx: ServerContext) -> None:
    user = await ctx.create_user("iop-gone")
    gone = await ctx.delete(_at(user["id"]))
    expect_status(gone, (200, 204), "DELETE the user")
    expect_status(await ctx.get(_at(user["id"])), 404, "GET the deleted user")
    name = str(user.get("userName"))
    if ctx.supports("filter") is not False:
        found = await ctx.get("/Users", params={"filter": f'userName eq "{name}"'})
        ids = [r.get("id") for r in found.resources()]
        ensure(user["id"] not in ids, "a query still returns the deleted user")
    again = await ctx.post("/Users", ctx.namespace.user("iop-gone"))
    if again.status < 300:
        ctx.remember(again, "/Users")
    expect_status(again, 201, f"POST a new user named {name!r} after the delete")


@iop_check(
    24,
    "MUST",
    "6.9.1",
    "A create or PATCH that repeats another user's userName is 409 with scimType uniqueness.",
    "Answer uniqueness conflicts with 409 and scimType uniqueness (RFC 7644 §3.12).",
)
async def uniqueness(ctx: ServerContext) -> None:
    first = await ctx.create_user("iop-unique")
    twin = await ctx.post("/Users", ctx.namespace.user("iop-unique"))
    if twin.status < 300:
        ctx.remember(twin, "/Users")
    expect_error(twin, 409, "uniqueness", "POST a second user with the same userName")
    if ctx.supports("patch") is False:
        ctx.note("PATCH not advertised: the PATCH half was not tried")
        return
    second = await ctx.create_user("iop-unique-b")
    ops = [{"op": "replace", "path": "userName", "value": first["userName"]}]
    reply = await ctx.patch(_at(second["id"]), ops)
    expect_error(reply, 409, "uniqueness", "PATCH userName to another user's")
