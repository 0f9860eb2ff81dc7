"""Server checks: ETags (RFC 7644 §3.14) and Bulk (§3.7), run only when advertised."""

from __future__ import annotations

import json
from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status
from scim_harness.conformance.server.values import lower_keys

__all__: list[str] = []

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def _version(resource: object) -> object:
    return lower_keys(lower_keys(resource).get("meta")).get("version")


@server_check(
    "SRV-ETG-001",
    level="MUST",
    area="etag",
    reference="RFC 7644 §3.14",
    claim="Resources carry meta.version and the ETag header, and the version changes on write.",
    fix="Send 'ETag' with each single-resource response, equal to meta.version, and change "
    "it whenever the resource changes.",
    needs=("etag",),
)
async def versions(ctx: ServerContext) -> None:
    user = await ctx.create_user("etg-version")
    path = f"/Users/{quote(user['id'], safe='')}"
    reply = await ctx.get(path)
    expect_status(reply, 200, "GET /Users/{id}")
    tag = reply.headers.get("etag")
    ensure(tag, "GET /Users/{id} has no ETag header")
    ensure(
        tag == _version(reply.body),
        f"ETag {tag!r} differs from meta.version {_version(reply.body)!r}",
    )
    body = ctx.namespace.user("etg-version", title="New Version")
    expect_status(await ctx.put(path, body), 200, "PUT /Users/{id}")
    after = await ctx.get(path)
    ensure(after.headers.get("etag") != tag, "the ETag did not change after a PUT")


@server_check(
    "SRV-ETG-002",
    level="MUST",
    area="etag",
    reference="RFC 7644 §3.14, RFC 7232 §3.1",
    claim="A write with a stale If-Match answers 412 and changes nothing.",
    fix="Compare If-Match with the current version and answer 412 Precondition Failed when "
    "it does not match.",
    needs=("etag",),
)
async def stale_if_match(ctx: ServerContext) -> None:
    user = await ctx.create_user("etg-stale")
    path = f"/Users/{quote(user['id'], safe='')}"
    old = _version(user)
    expect_status(await ctx.put(path, ctx.namespace.user("etg-stale", title="One")), 200, "PUT")
    reply = await ctx.put(
        path, ctx.namespace.user("etg-stale", title="Two"), headers={"If-Match": str(old)}
    )
    expect_status(reply, 412, "PUT /Users/{id} with a stale If-Match")
    again = await ctx.get(path)
    ensure(lower_keys(again.body).get("title") == "One", "the refused PUT changed the User")


@server_check(
    "SRV-ETG-003",
    level="SHOULD",
    area="etag",
    reference="RFC 7644 §3.14, RFC 7232 §3.2",
    claim="GET with If-None-Match of the current version answers 304 Not Modified.",
    fix="Answer 304 without a body when If-None-Match matches the current ETag.",
    needs=("etag",),
)
async def if_none_match(ctx: ServerContext) -> None:
    user = await ctx.create_user("etg-304")
    path = f"/Users/{quote(user['id'], safe='')}"
    first = await ctx.get(path)
    tag = first.headers.get("etag") or str(_version(first.body))
    reply = await ctx.get(path, headers={"If-None-Match": tag})
    expect_status(reply, 304, "GET /Users/{id} with If-None-Match of the current ETag")


@server_check(
    "SRV-BLK-001",
    level="MUST",
    area="bulk",
    reference="RFC 7644 §3.7",
    claim="POST /Bulk runs each operation, resolves bulkId references and answers a "
    "BulkResponse with one result per operation.",
    fix="Implement /Bulk as RFC 7644 §3.7 describes, or advertise bulk.supported false.",
    needs=("bulk",),
)
async def bulk_create(ctx: ServerContext) -> None:
    limit = ctx.spc_number("bulk", "maxOperations")
    if limit is not None and limit < 2:
        msg = f"bulk.maxOperations is {limit}: too small for a create and a reference"
        raise CheckSkipped(msg)
    user = ctx.namespace.user("blk-user")
    group = ctx.namespace.group("blk-group")
    group["members"] = [{"value": "bulkId:u1"}]
    request = {
        "schemas": [BULK_REQUEST],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user},
            {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": group},
        ],
    }
    reply = await ctx.post("/Bulk", request)
    expect_status(reply, 200, "POST /Bulk")
    operations = reply.field("Operations") or []
    for op in operations:
        location = lower_keys(op).get("location")
        if isinstance(location, str):
            ctx.cleanup.append((location, ctx.token))
        ensure(
            str(lower_keys(op).get("status")) == "201",
            f"bulk operation {lower_keys(op).get('bulkid')} answered "
            f"{lower_keys(op).get('status')}, not 201",
        )
    ensure(len(operations) == 2, f"the BulkResponse has {len(operations)} results for 2 operations")


@server_check(
    "SRV-BLK-002",
    level="MUST",
    area="bulk",
    reference="RFC 7644 §3.7.4",
    claim="A BulkRequest with more operations than bulk.maxOperations answers 413.",
    fix="Refuse bulk requests above maxOperations with 413 Payload Too Large.",
    needs=("bulk",),
)
async def bulk_too_many(ctx: ServerContext) -> None:
    limit = ctx.spc_number("bulk", "maxOperations")
    if limit is None or limit > 10_000:
        msg = f"bulk.maxOperations is {limit}: too large to exceed cheaply"
        raise CheckSkipped(msg)
    # DELETEs of ids that do not exist: harmless even on a server that runs them all.
    operations = [
        {"method": "DELETE", "path": f"/Users/{ctx.namespace.value}-none-{i}"}
        for i in range(limit + 1)
    ]
    size = len(json.dumps(operations))
    max_payload = ctx.spc_number("bulk", "maxPayloadSize")
    if max_payload is not None and size >= max_payload:
        msg = f"{limit + 1} operations need {size} bytes, over bulk.maxPayloadSize ({max_payload})"
        raise CheckSkipped(msg)
    reply = await ctx.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": operations})
    expect_status(reply, 413, f"POST /Bulk with {limit + 1} operations")
