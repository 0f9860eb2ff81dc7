"""Server checks: every write the suite made reads back as written (area ``readback``).

Through the whole run each successful create, replace, PATCH and DELETE was read back at once
by id and by filter (:mod:`~scim_harness.conformance.server.readback`); these checks run last
and report what did not come back as written, each discrepancy with the write and the reads
that show it. Run alone (``--select 'SRV-RBK-*'``), each makes the writes it needs first.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckFailed
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status
from scim_harness.conformance.server.readback import parse_time

__all__: list[str] = []

_SHOWN = 8
_WHOLE_SECOND = 1.05
_RBK = "RFC 7644 §3.3, §3.4.1, §3.4.2 (filter), §3.5.1, §3.5.2; RFC 7643 §2.4, §3.1"


def _report(ctx: ServerContext, rule: str, what: str) -> None:
    """Fail with the discrepancies of ``rule`` (their exchanges as evidence), or pass."""
    found = ctx.readback.of(rule)
    done = ctx.readback.counts[rule]
    if not found:
        ctx.note(f"{done} {what} read back as written")
        return
    ctx.exchanges = [e for d in found[:3] for e in d.exchanges]
    more = f" (and {len(found) - _SHOWN} more)" if len(found) > _SHOWN else ""
    lines = " | ".join(d.line() for d in found[:_SHOWN])
    msg = f"{len(found)} of {done} {what} did not read back as written{more}: {lines}"
    raise CheckFailed(msg)


def _path(endpoint: str, rid: str) -> str:
    return f"{endpoint}/{quote(rid, safe='')}"


@server_check(
    "SRV-RBK-001",
    level="MUST",
    area="readback",
    reference=_RBK,
    claim="Every User and Group the suite created reads back, by id and by filter, with every "
    "attribute sent: externalId, sub-attributes of multi-valued attributes, the enterprise "
    "extension.",
    fix="Store every attribute the client sends (and your /Schemas declares) and return it: "
    "each message names the attribute that was lost or changed.",
)
async def creates_read_back(ctx: ServerContext) -> None:
    if ctx.readback.counts["create"] == 0:
        user = await ctx.create_user("rbk-create", title="Read Back")
        await ctx.create_group("rbk-create", [user["id"]])
    _report(ctx, "create", "creates")


@server_check(
    "SRV-RBK-002",
    level="MUST",
    area="readback",
    reference=_RBK,
    claim="Every replace (PUT) and PATCH the suite made reads back, by id and by filter, as the "
    "write meant.",
    fix="Apply each write completely: a PUT replaces every writable attribute, a PATCH changes "
    "what its operations name and nothing else.",
)
async def writes_read_back(ctx: ServerContext) -> None:
    if ctx.readback.counts["write"] == 0:
        user = await ctx.create_user("rbk-write")
        body = ctx.namespace.user("rbk-write", given="Rewritten", title="Replaced")
        expect_status(await ctx.put(_path("/Users", user["id"]), body), 200, "PUT /Users/{id}")
        if ctx.supports("patch") is not False:
            operations = [{"op": "replace", "path": "nickName", "value": "rb"}]
            await ctx.patch(_path("/Users", user["id"]), operations)
    _report(ctx, "write", "replaces and PATCHes")


async def _last_modified(ctx: ServerContext, path: str) -> str | None:
    """The resource's meta.lastModified; None when it has none (or not a dateTime)."""
    reply = await ctx.get(path)
    expect_status(reply, 200, "GET /Users/{id}")
    meta = reply.field("meta")
    value = meta.get("lastModified") if isinstance(meta, dict) else None
    return value if isinstance(value, str) and parse_time(value) is not None else None


def _resolution(text: str) -> float:
    """Seconds between two distinct values of this timestamp's precision (at least 20 ms)."""
    fraction = text.split(".", 1)[1] if "." in text else ""
    digits = len(fraction.rstrip("Z").split("+", 1)[0].split("-", 1)[0])
    return max(10.0**-digits if digits else 1.0, 0.02)


async def _write(ctx: ServerContext, path: str, title: str) -> None:
    if ctx.supports("patch") is False:
        body = ctx.namespace.user("rbk-moved", title=title)
        expect_status(await ctx.put(path, body), 200, "PUT /Users/{id}")
        return
    reply = await ctx.patch(path, [{"op": "replace", "path": "title", "value": title}])
    expect_status(reply, (200, 204), "PATCH /Users/{id} title")


@server_check(
    "SRV-RBK-003",
    level="MUST",
    area="readback",
    reference="RFC 7643 §3.1 (meta.created: when the resource was added; meta.lastModified: "
    "the most recent update)",
    claim="Writes leave meta.created as it was and move meta.lastModified forward, never back.",
    fix="Set meta.created once, on create; set meta.lastModified to the time of every write "
    "that changes the resource.",
)
async def meta_times(ctx: ServerContext) -> None:
    user = await ctx.create_user("rbk-moved")
    path = _path("/Users", user["id"])
    before = await _last_modified(ctx, path)
    if before is None:
        # RFC 7643 §3.1 does not make lastModified required; its format is SRV-SCH-001's.
        ctx.note("the target returns no meta.lastModified dateTime: its movement not checked")
    else:
        await _moves_forward(ctx, path, before)
    _report(ctx, "meta", "writes (meta.created, meta.lastModified)")


async def _moves_forward(ctx: ServerContext, path: str, before: str) -> None:
    """Wait past the timestamp's precision, write, read; if it did not move, once more past a
    whole second before concluding (a server may print microseconds of a clock in seconds)."""
    first = min(2 * _resolution(before), _WHOLE_SECOND)
    after: str | None = before
    for pause in (first, _WHOLE_SECOND) if first < _WHOLE_SECOND else (first,):
        await asyncio.sleep(pause)
        await _write(ctx, path, f"Moved {pause}")
        after = await _last_modified(ctx, path)
        if parse_time(after) != parse_time(before):
            break
    ensure(
        parse_time(after) != parse_time(before),
        f"meta.lastModified stayed {before} through a write more than a second later",
    )


@server_check(
    "SRV-RBK-004",
    level="MUST",
    area="readback",
    reference="RFC 7644 §3.14, RFC 7232 §2.3 (a version names one state of the resource)",
    claim="meta.version changes on every write that changes the resource.",
    fix="Derive meta.version (and the ETag) from the resource's state, and change it on every "
    "write that changes the resource: a stale version lets If-Match overwrite changes.",
    needs=("etag",),
)
async def versions_move(ctx: ServerContext) -> None:
    if ctx.readback.counts["version"] == 0:
        user = await ctx.create_user("rbk-version")
        body = ctx.namespace.user("rbk-version", title="Versioned")
        expect_status(await ctx.put(_path("/Users", user["id"]), body), 200, "PUT /Users/{id}")
    _report(ctx, "version", "changing writes (meta.version)")


@server_check(
    "SRV-RBK-005",
    level="MUST",
    area="readback",
    reference="RFC 7644 §3.6 (404 for every operation; MUST omit the resource from future "
    "query results)",
    claim="Every User and Group the suite deleted is 404 by id and absent from the filter.",
    fix="Delete completely: answer 404 for the id and leave the resource out of every list "
    "and filter result.",
)
async def deletes_read_back(ctx: ServerContext) -> None:
    if ctx.readback.counts["delete"] == 0:
        user = await ctx.create_user("rbk-delete")
        reply = await ctx.delete(_path("/Users", user["id"]))
        expect_status(reply, 204, "DELETE /Users/{id}")
    _report(ctx, "delete", "deletes")
