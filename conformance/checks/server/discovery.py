"""Server checks: discovery endpoints (RFC 7644 §4, RFC 7643 §5-7) and what they advertise."""

from __future__ import annotations

from typing import Any

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckFailed, CheckSkipped
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status, need

__all__: list[str] = []

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
_REQUIRED_BY_PLATFORM = (
    ("userName", None),
    ("name", "givenName"),
    ("name", "familyName"),
    ("emails", "value"),
    ("displayName", None),
    ("active", None),
)


def _schema_problems(reply_note: str) -> str:
    return f" ({reply_note})" if reply_note else ""


@server_check(
    "SRV-DSC-001",
    level="MUST",
    area="discovery",
    reference="RFC 7644 §4, RFC 7643 §5",
    claim="GET /ServiceProviderConfig answers 200 with a valid ServiceProviderConfig.",
    fix="Serve /ServiceProviderConfig with patch, bulk, filter, changePassword, sort, etag "
    "and authenticationSchemes, each saying truthfully what the server supports.",
)
async def service_provider_config(ctx: ServerContext) -> None:
    reply = await ctx.get("/ServiceProviderConfig")
    expect_status(reply, 200, "GET /ServiceProviderConfig")
    note = reply.exchange.note
    ensure("breaks" not in note, f"the ServiceProviderConfig is not valid{_schema_problems(note)}")


@server_check(
    "SRV-DSC-002",
    level="MUST",
    area="discovery",
    reference="RFC 7644 §4, RFC 7643 §6",
    claim="GET /ResourceTypes lists User (/Users) and Group (/Groups) with their schema URNs.",
    fix="List a ResourceType for User and for Group in a ListResponse, each with name, "
    "endpoint and the core schema URN.",
)
async def resource_types(ctx: ServerContext) -> None:
    reply = await ctx.get("/ResourceTypes")
    expect_status(reply, 200, "GET /ResourceTypes")
    found = {str(r.get("name", "")).lower(): r for r in reply.resources()}
    if not found and isinstance(reply.body, list):  # a bare array: still say what is missing
        msg = "GET /ResourceTypes must answer a ListResponse (RFC 7644 §4), not a bare array"
        raise CheckFailed(msg)
    for name, endpoint, schema in (("user", "/Users", CORE_USER), ("group", "/Groups", CORE_GROUP)):
        rtype = need(found.get(name), f"GET /ResourceTypes does not list the {name.title()} type")
        ensure(
            str(rtype.get("endpoint", "")).rstrip("/").endswith(endpoint),
            f"the {name.title()} ResourceType's endpoint is {rtype.get('endpoint')!r}, "
            f"expected {endpoint!r}",
        )
        ensure(
            rtype.get("schema") == schema,
            f"the {name.title()} ResourceType's schema is {rtype.get('schema')!r}, "
            f"expected {schema!r}",
        )
    note = reply.exchange.note
    ensure("breaks" not in note, f"GET /ResourceTypes is not valid{_schema_problems(note)}")


async def _schemas(ctx: ServerContext) -> dict[str, dict[str, Any]]:
    reply = await ctx.get("/Schemas")
    expect_status(reply, 200, "GET /Schemas")
    note = reply.exchange.note
    ensure("breaks" not in note, f"GET /Schemas is not valid{_schema_problems(note)}")
    return {str(r.get("id")): r for r in reply.resources()}


@server_check(
    "SRV-DSC-003",
    level="MUST",
    area="discovery",
    reference="RFC 7644 §4, RFC 7643 §7",
    claim="GET /Schemas lists the core User and Group schemas with their attributes.",
    fix="Serve the RFC 7643 §8.7.1 schema representations (with the attributes your server "
    "supports) in a ListResponse at /Schemas, and each at /Schemas/{urn}.",
)
async def schemas(ctx: ServerContext) -> None:
    found = await _schemas(ctx)
    for urn in (CORE_USER, CORE_GROUP):
        schema = need(found.get(urn), f"GET /Schemas does not list {urn}")
        names = {str(a.get("name", "")).lower() for a in schema.get("attributes", [])}
        key = "username" if urn == CORE_USER else "displayname"
        ensure(key in names, f"the {urn} schema has no {key} attribute")
    one = await ctx.get(f"/Schemas/{CORE_USER}")
    expect_status(one, 200, f"GET /Schemas/{CORE_USER}")
    ensure(one.field("id") == CORE_USER, f"GET /Schemas/{CORE_USER} answered another schema")


@server_check(
    "SRV-DSC-004",
    level="SHOULD",
    area="discovery",
    reference="RFC 7644 §4",
    claim="A filter on /Schemas or /ResourceTypes is answered 403.",
    fix="Answer 403 Forbidden when a client sends 'filter' to a discovery endpoint.",
)
async def discovery_filter_forbidden(ctx: ServerContext) -> None:
    for path in ("/ResourceTypes", "/Schemas"):
        reply = await ctx.get(path, params={"filter": 'name eq "User"'})
        expect_status(reply, 403, f"GET {path} with a filter")


@server_check(
    "SRV-DSC-005",
    level="MUST",
    area="discovery",
    reference="RFC 7643 §5, RFC 7644 §3.4.2.4",
    claim="A list never returns more resources than filter.maxResults advertises.",
    fix="Cap every page at the filter.maxResults your ServiceProviderConfig advertises, or "
    "advertise the cap you really apply.",
)
async def max_results_honoured(ctx: ServerContext) -> None:
    limit = ctx.spc_number("filter", "maxResults")
    if limit is None:
        msg = "the ServiceProviderConfig advertises no filter.maxResults"
        raise CheckSkipped(msg)
    reply = await ctx.get("/Users", params={"count": str(limit + 1), "attributes": "id"})
    expect_status(reply, 200, f"GET /Users?count={limit + 1}")
    got = len(reply.resources())
    ensure(got <= limit, f"asked for {limit + 1} users, got {got}: more than maxResults {limit}")
    total = reply.field("totalResults")
    if isinstance(total, int) and total <= limit:
        ctx.note(f"only {total} users on the target: the cap of {limit} was not reached")


@server_check(
    "SRV-DSC-006",
    level="SHOULD",
    area="discovery",
    reference="RFC 7643 §5",
    claim="authenticationSchemes lists the OAuth bearer token scheme the server accepts.",
    fix='Add {"type": "oauthbearertoken", "name": ..., "description": ...} to '
    "authenticationSchemes so clients know to send 'Authorization: Bearer <token>'.",
)
async def bearer_scheme_advertised(ctx: ServerContext) -> None:
    if ctx.spc is None:
        msg = "the ServiceProviderConfig could not be read (see SRV-DSC-001)"
        raise CheckFailed(msg)
    reply = await ctx.get("/ServiceProviderConfig")
    schemes = reply.field("authenticationSchemes")
    kinds = {str(s.get("type", "")).lower() for s in schemes or [] if isinstance(s, dict)}
    ensure("oauthbearertoken" in kinds, f"authenticationSchemes types are {sorted(kinds)}")


@server_check(
    "SRV-DSC-007",
    level="SHOULD",
    area="discovery",
    reference="Platform: required attributes; RFC 7643 §7",
    claim="/Schemas marks the six attributes the platform requires as required.",
    fix="Set required: true in /Schemas on userName, name.givenName, name.familyName, "
    "emails (and emails.value), displayName and active, so clients learn the rule.",
    needs=("platform",),
)
async def required_attributes_advertised(ctx: ServerContext) -> None:
    found = await _schemas(ctx)
    user = need(found.get(CORE_USER), f"GET /Schemas does not list {CORE_USER}")
    attributes = {str(a.get("name", "")).lower(): a for a in user.get("attributes", [])}
    missing: list[str] = []
    for name, sub in _REQUIRED_BY_PLATFORM:
        attr = attributes.get(name.lower())
        if attr is None:
            missing.append(name if sub is None else f"{name}.{sub}")
            continue
        if sub is None:
            if attr.get("required") is not True:
                missing.append(name)
            continue
        subs = {str(s.get("name", "")).lower(): s for s in attr.get("subAttributes", [])}
        if subs.get(sub.lower(), {}).get("required") is not True:
            missing.append(f"{name}.{sub}")
    ensure(not missing, f"/Schemas does not mark as required: {', '.join(missing)}")
