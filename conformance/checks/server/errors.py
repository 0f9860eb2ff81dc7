"""Server checks: errors (RFC 7644 §3.12), uniqueness (409) and media types (RFC 7644 §8.1)."""

from __future__ import annotations

from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.server.context import (
    SCIM_MEDIA_TYPE,
    Reply,
    ServerContext,
    ensure,
    expect_status,
)

__all__: list[str] = []

ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"


def _error_body(reply: Reply, action: str, scim_type: str | None = None) -> None:
    """RFC 7644 §3.12: the Error schema, ``status`` as a string equal to the HTTP status."""
    body = reply.body if isinstance(reply.body, dict) else {}
    ensure(
        ERROR_URN in (body.get("schemas") or []),
        f"{action}: the {reply.status} body is not a SCIM Error (schemas lacks {ERROR_URN})",
    )
    ensure(
        body.get("status") == str(reply.status),
        f"{action}: Error status is {body.get('status')!r}, expected the string "
        f"{str(reply.status)!r}",
    )
    if scim_type is not None:
        ensure(
            body.get("scimType") == scim_type,
            f"{action}: scimType is {body.get('scimType')!r}, expected {scim_type!r}",
        )


@server_check(
    "SRV-ERR-001",
    level="MUST",
    area="errors",
    reference="RFC 7644 §3.3, §3.12",
    claim="Creating a User whose userName is taken answers 409 with scimType uniqueness.",
    fix="Enforce userName uniqueness and answer 409 Conflict with scimType 'uniqueness'.",
)
async def duplicate_user_name(ctx: ServerContext) -> None:
    first = ctx.namespace.user("err-dup")
    await ctx.create("/Users", first)
    reply = await ctx.post("/Users", ctx.namespace.user("err-dup", given="Other"))
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 409, "POST /Users with a userName already in use")
    _error_body(reply, "POST /Users duplicate", "uniqueness")


@server_check(
    "SRV-ERR-002",
    level="MUST",
    area="errors",
    reference="RFC 7643 §4.1.1 (userName is case-insensitive), RFC 7644 §3.3",
    claim="A userName differing only in case from an existing one is a duplicate (409).",
    fix="Compare userName case-insensitively (caseExact false) when enforcing uniqueness.",
)
async def duplicate_user_name_case(ctx: ServerContext) -> None:
    await ctx.create_user("err-case")
    body = ctx.namespace.user("err-case")
    body["userName"] = body["userName"].upper()
    body["emails"][0]["value"] = ctx.namespace.email("err-case-upper")
    reply = await ctx.post("/Users", body)
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 409, "POST /Users with an existing userName in upper case")


@server_check(
    "SRV-ERR-003",
    level="MUST",
    area="errors",
    reference="RFC 7644 §3.5.1, §3.12",
    claim="A PUT giving a User another User's userName answers 409 and changes nothing.",
    fix="Check uniqueness on replace too, and answer 409 with scimType 'uniqueness'.",
)
async def duplicate_on_replace(ctx: ServerContext) -> None:
    taken = await ctx.create_user("err-put-a")
    mine = await ctx.create_user("err-put-b")
    body = ctx.namespace.user("err-put-b")
    body["userName"] = taken["userName"]
    path = f"/Users/{quote(mine['id'], safe='')}"
    reply = await ctx.put(path, body)
    expect_status(reply, 409, "PUT /Users/{id} with another User's userName")
    again = await ctx.get(path)
    ensure(again.field("userName") == mine["userName"], "the refused PUT changed the userName")


@server_check(
    "SRV-ERR-004",
    level="MUST",
    area="errors",
    reference="RFC 7644 §3.12",
    claim="GET, PUT, PATCH and DELETE of an unknown id answer 404 with a SCIM Error body.",
    fix="Answer 404 with {'schemas': [Error URN], 'status': '404', 'detail': ...} for ids that "
    "do not exist.",
)
async def unknown_id(ctx: ServerContext) -> None:
    path = f"/Users/{ctx.namespace.value}-no-such-id"
    body = ctx.namespace.user("err-404")
    for method, reply in (
        ("GET", await ctx.get(path)),
        ("PUT", await ctx.put(path, body)),
        ("PATCH", await ctx.patch(path, [{"op": "replace", "path": "title", "value": "x"}])),
        ("DELETE", await ctx.delete(path)),
    ):
        expect_status(reply, 404, f"{method} /Users/<unknown id>")
        _error_body(reply, f"{method} /Users/<unknown id>")


@server_check(
    "SRV-ERR-005",
    level="MUST",
    area="errors",
    reference="RFC 7644 §3.12 (invalidSyntax)",
    claim="A body that is not valid JSON answers 400 with scimType invalidSyntax.",
    fix="Catch JSON parse errors and answer 400 with scimType 'invalidSyntax' (never a 500).",
)
async def malformed_json(ctx: ServerContext) -> None:
    reply = await ctx.request(
        "POST",
        "/Users",
        content=b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": ',
        headers={"Content-Type": SCIM_MEDIA_TYPE},
    )
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 400, "POST /Users with malformed JSON")
    _error_body(reply, "POST /Users with malformed JSON", "invalidSyntax")


@server_check(
    "SRV-ERR-006",
    level="MUST",
    area="errors",
    reference="RFC 7644 §3.12 (invalidValue), RFC 7643 §2.3",
    claim="A value of the wrong type (name as a string) answers 400.",
    fix="Validate attribute types against the schema and answer 400 with scimType "
    "'invalidValue' naming the attribute.",
)
async def wrong_type(ctx: ServerContext) -> None:
    reply = await ctx.post("/Users", ctx.namespace.user("err-type", name="Just A String"))
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 400, 'POST /Users with "name": "Just A String"')
    _error_body(reply, "POST /Users with a wrongly typed value")


@server_check(
    "SRV-ERR-007",
    level="SHOULD",
    area="errors",
    reference="RFC 7644 §3.12",
    claim="An unknown endpoint answers 404 with a SCIM Error body.",
    fix="Route unknown paths under the base URL to a SCIM 404 Error, not an HTML page.",
)
async def unknown_endpoint(ctx: ServerContext) -> None:
    reply = await ctx.get("/NoSuchResourceType")
    expect_status(reply, 404, "GET /NoSuchResourceType")
    _error_body(reply, "GET /NoSuchResourceType")


@server_check(
    "SRV-MED-001",
    level="MUST",
    area="media",
    reference="RFC 7644 §3.1, §8.1",
    claim="Responses with a body are application/scim+json (lists, resources, errors).",
    fix="Send 'Content-Type: application/scim+json' on every SCIM response with a body.",
)
async def scim_media_type(ctx: ServerContext) -> None:
    created = await ctx.create_user("med-type")
    replies = [
        ("POST /Users", ctx.exchanges[-1].response_headers.get("content-type", "")),
    ]
    for action, reply in (
        ("GET /Users/{id}", await ctx.get(f"/Users/{quote(created['id'], safe='')}")),
        ("GET /Users", await ctx.get("/Users", params={"count": "1"})),
        ("GET /ServiceProviderConfig", await ctx.get("/ServiceProviderConfig")),
        ("GET /Users/<unknown id> (error)", await ctx.get(f"/Users/{ctx.namespace.value}-none")),
    ):
        replies.append((action, reply.headers.get("content-type", "")))
    wrong = [
        f"{action}: {kind or 'no Content-Type'}"
        for action, kind in replies
        if kind.split(";", 1)[0].strip().lower() != SCIM_MEDIA_TYPE
    ]
    ensure(not wrong, "responses not in application/scim+json: " + "; ".join(wrong))


@server_check(
    "SRV-MED-002",
    level="SHOULD",
    area="media",
    reference="RFC 7644 §8.1",
    claim="A request body sent as application/json is accepted like application/scim+json.",
    fix="Accept 'Content-Type: application/json' as well: many clients send it.",
)
async def json_request_accepted(ctx: ServerContext) -> None:
    reply = await ctx.post(
        "/Users", ctx.namespace.user("med-json"), headers={"Content-Type": "application/json"}
    )
    if reply.status < 300:
        ctx.remember(reply, "/Users")
    expect_status(reply, 201, "POST /Users with Content-Type application/json")
