"""Read back every write the suite makes, and keep what did not come back as written.

Each successful create, replace, PATCH and DELETE of a User or Group that a check sends is
followed at once by a GET of the resource by id and a GET by filter (``userName eq`` /
``displayName eq``, when the target filters), recorded apart from the check's own evidence.
What the write meant is tracked per resource (the body created or replaced; a PATCH applied
by :mod:`~scim_harness.conformance.server.patch_model`), and the resource read back is
compared with it attribute by attribute (:mod:`~scim_harness.conformance.server.compare`);
``meta.created`` must not change, ``meta.lastModified`` must not move back (and must move
forward when the write came later than the timestamp's resolution can hide), ``meta.version``
must change when the resource did. A deleted resource must be 404 and absent from the filter.

Nothing here fails a check: the discrepancies are kept, and the ``SRV-RBK`` checks, which
run last, report them with the write and the reads that show each one. A user that is gone
after a deactivation is not a discrepancy: the deactivation checks judge that.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from scim_harness.conformance.model import Exchange
from scim_harness.conformance.server.compare import differences_from, writable
from scim_harness.conformance.server.patch_model import apply_operations, same_state

if TYPE_CHECKING:
    from scim_harness.conformance.server.context import Reply, ServerContext

__all__ = ["RULES", "Discrepancy", "ReadBack", "Tracked", "parse_time"]

RULES = ("create", "write", "meta", "version", "delete")
"""Kinds of discrepancy, one ``SRV-RBK`` check each."""
_RESOURCE = re.compile(r"^(?P<endpoint>/Users|/Groups)(?:/(?P<id>[^/?]+))?$")
_WRITES = ("POST", "PUT", "PATCH", "DELETE")
_UNMOVED_AFTER_S = 1.05
"""A write this long after the previous one must move lastModified, whatever its precision."""


def parse_time(text: Any) -> datetime | None:
    """An RFC 7643 §2.3.5 dateTime, or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _meta(resource: Any) -> dict[str, Any]:
    if not isinstance(resource, dict):
        return {}
    found = next((v for k, v in resource.items() if str(k).lower() == "meta"), None)
    return {str(k).lower(): v for k, v in found.items()} if isinstance(found, dict) else {}


@dataclass
class Tracked:
    """A resource the suite created: where it is and what it should hold."""

    endpoint: str
    url: str
    token: str | None
    base: str | None
    expected: dict[str, Any] | None
    """What the writes meant (None: a write whose outcome is the server's choice)."""
    created: str | None = None
    last_modified: str | None = None
    version: str | None = None
    written_at: float = 0.0
    """``time.monotonic()`` when the last write was answered."""


@dataclass
class Discrepancy:
    """A write that did not read back as written."""

    rule: str
    check_id: str
    action: str
    problems: list[str]
    exchanges: list[Exchange]

    def line(self) -> str:
        return f"{self.check_id}: {self.action}: {'; '.join(self.problems[:4])}"


@dataclass
class ReadBack:
    """The suite's resources, what each should hold, and what did not come back."""

    enabled: bool = True
    tracked: dict[str, Tracked] = field(default_factory=dict)
    found: list[Discrepancy] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    """Writes read back, per rule."""

    def of(self, rule: str) -> list[Discrepancy]:
        return [d for d in self.found if d.rule == rule]

    def forget(self, url: str) -> None:
        """A write the model cannot follow (a vendor shape, the clean-up): stop comparing."""
        known = self.tracked.get(url.split("?", 1)[0])
        if known is not None:
            known.expected = None

    async def after(
        self,
        ctx: ServerContext,
        reply: Reply,
        *,
        base: str | None,
        token: str | None,
        sent: Any,
        started: float,
    ) -> None:
        """Called by the context after each request; reads back the successful writes."""
        method, url = reply.exchange.method, reply.exchange.url.split("?", 1)[0]
        if not self.enabled or method not in _WRITES or not 200 <= reply.status < 300:
            return
        root = (base or ctx.base_url).rstrip("/")
        found = _RESOURCE.match(url[len(root) :]) if url.startswith(root) else None
        if found is None:
            return
        endpoint, rid = found["endpoint"], found["id"]
        schemas = ctx.target.schemas
        if method == "POST" and rid is None:
            new_id = reply.field("id")
            if not isinstance(new_id, str) or not isinstance(sent, dict):
                return
            created = Tracked(
                endpoint,
                f"{root}{endpoint}/{quote(new_id, safe='')}",
                token,
                base,
                writable(sent, schemas, endpoint),
            )
            self.tracked[created.url] = created
            await self._read(ctx, created, "create", reply, started, changed=True)
            return
        tracked = self.tracked.get(url) if rid is not None else None
        if tracked is None:
            return
        if method == "DELETE":
            del self.tracked[url]
            self._drop_member(rid)
            await self._gone(ctx, tracked, reply)
            return
        before = tracked.expected
        if method == "PUT":
            tracked.expected = writable(sent, schemas, endpoint)
        elif before is not None and isinstance(sent, dict):
            ops = next((v for k, v in sent.items() if str(k).lower() == "operations"), None)
            after = apply_operations(before, ops)
            tracked.expected = None if after is None else writable(after, schemas, endpoint)
        else:
            tracked.expected = None
        # Only a change the model is sure of must move lastModified and the version: after an
        # unknown write the resource may well already hold what this one sends.
        now = tracked.expected
        changed = before is not None and now is not None and not same_state(before, now)
        await self._read(ctx, tracked, "write", reply, started, changed=changed)

    # -- reading back ---------------------------------------------------------------------

    async def _get(
        self, ctx: ServerContext, tracked: Tracked, path: str, params: dict[str, str] | None
    ) -> Reply:
        saved = ctx.exchanges
        ctx.exchanges = []
        try:
            return await ctx.request(
                "GET",
                path,
                params=params,
                token=tracked.token,
                base=tracked.base,
                readback=False,
                note="read back by the suite",
            )
        finally:
            ctx.exchanges = saved

    async def _by_filter(self, ctx: ServerContext, tracked: Tracked, got: Any) -> Reply | None:
        if ctx.supports("filter") is False or not isinstance(got, dict):
            return None
        key = "userName" if tracked.endpoint == "/Users" else "displayName"
        value = next((v for k, v in got.items() if str(k).lower() == key.lower()), None)
        if not isinstance(value, str):
            return None
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        params = {"filter": f'{key} eq "{escaped}"'}
        path = f"{_root(tracked, ctx)}{tracked.endpoint}"
        try:
            found = await self._get(ctx, tracked, path, params)
        except httpx.HTTPError:
            return None
        return found if found.status == 200 else None

    async def _read(
        self,
        ctx: ServerContext,
        tracked: Tracked,
        rule: str,
        write: Reply,
        started: float,
        *,
        changed: bool,
    ) -> None:
        suffix = "" if rule == "create" else "/{id}"
        action = f"{write.exchange.method} {tracked.endpoint}{suffix}"
        previous_write, tracked.written_at = tracked.written_at, time.monotonic()
        try:
            again = await self._get(ctx, tracked, tracked.url, None)
        except httpx.HTTPError:
            return
        evidence = [write.exchange, again.exchange]
        if again.status == 404 and _deactivated(tracked.expected):
            # Gone after active=false: the target deletes deactivated users (SRV-DEA-*).
            self.tracked.pop(tracked.url, None)
            self._drop_member(tracked.url.rsplit("/", 1)[-1])
            return
        self.counts[rule] += 1
        if again.status != 200:
            problem = f"GET by id after the write answered {again.status}"
            self.found.append(Discrepancy(rule, ctx.check_id, action, [problem], evidence))
            return
        problems: list[str] = []
        expected = tracked.expected
        if expected is not None:
            problems = differences_from(expected, again.body, ctx.target.schemas, tracked.endpoint)
            listed = await self._by_filter(ctx, tracked, again.body)
            if listed is not None:
                evidence.append(listed.exchange)
                problems += _listed_problems(ctx, tracked, expected, again.field("id"), listed)
        if problems:
            self.found.append(Discrepancy(rule, ctx.check_id, action, problems, evidence))
        gap = started - previous_write if previous_write else 0.0
        self._meta_rules(ctx, tracked, again.body, action, evidence, gap, changed=changed)

    def _meta_rules(
        self,
        ctx: ServerContext,
        tracked: Tracked,
        body: Any,
        action: str,
        evidence: list[Exchange],
        gap: float,
        *,
        changed: bool,
    ) -> None:
        """``gap``: seconds at least between the previous write and this one (0: first)."""
        meta = _meta(body)
        created, modified = meta.get("created"), meta.get("lastmodified")
        version = meta.get("version")
        problems: list[str] = []
        first, now = parse_time(tracked.created), parse_time(created)
        if first is not None and now is not None and first != now:
            problems.append(f"meta.created changed from {tracked.created} to {created}")
        before, after = parse_time(tracked.last_modified), parse_time(modified)
        if before is not None and after is not None:
            if after < before:
                problems.append(
                    f"meta.lastModified moved back from {tracked.last_modified} to {modified}"
                )
            elif after == before and changed and gap >= _UNMOVED_AFTER_S:
                problems.append(
                    f"meta.lastModified stayed {modified} although the write came "
                    f"{gap:.1f} s after the previous one"
                )
        if problems:
            self.found.append(Discrepancy("meta", ctx.check_id, action, problems, evidence))
        if tracked.version is not None and version is not None and changed:
            self.counts["version"] += 1
            if version == tracked.version:
                problem = f"meta.version is still {version} after a write that changed it"
                self.found.append(Discrepancy("version", ctx.check_id, action, [problem], evidence))
        self.counts["meta"] += 1
        tracked.created = tracked.created or (created if isinstance(created, str) else None)
        tracked.last_modified = modified if isinstance(modified, str) else tracked.last_modified
        tracked.version = version if isinstance(version, str) else tracked.version

    async def _gone(self, ctx: ServerContext, tracked: Tracked, write: Reply) -> None:
        action = f"DELETE {tracked.endpoint}/{{id}}"
        try:
            again = await self._get(ctx, tracked, tracked.url, None)
        except httpx.HTTPError:
            return
        self.counts["delete"] += 1
        evidence = [write.exchange, again.exchange]
        problems = [] if again.status == 404 else [f"GET by id answered {again.status}, not 404"]
        expected = tracked.expected or {}
        key = "userName" if tracked.endpoint == "/Users" else "displayName"
        name = next((v for k, v in expected.items() if k.lower() == key.lower()), None)
        if isinstance(name, str):
            listed = await self._by_filter(ctx, tracked, {key: name})
            rid = tracked.url.rsplit("/", 1)[-1]
            if listed is not None:
                evidence.append(listed.exchange)
                if any(quote(str(r.get("id")), safe="") == rid for r in listed.resources()):
                    problems.append(f"{key} eq {name!r} still lists the deleted resource")
        if problems:
            self.found.append(Discrepancy("delete", ctx.check_id, action, problems, evidence))

    def _drop_member(self, rid: str) -> None:
        """A deleted resource leaves every group (RFC 7644 §3.6): expect it gone there too."""
        for other in self.tracked.values():
            expected = other.expected
            if other.endpoint != "/Groups" or expected is None:
                continue
            members = expected.get("members")
            if isinstance(members, list):
                kept = [m for m in members if quote(str(m.get("value")), safe="") != rid]
                if kept:
                    expected["members"] = kept
                else:
                    expected.pop("members", None)


def _root(tracked: Tracked, ctx: ServerContext) -> str:
    return (tracked.base or ctx.base_url).rstrip("/")


def _deactivated(expected: dict[str, Any] | None) -> bool:
    return bool(expected) and any(
        k.lower() == "active" and v is False for k, v in (expected or {}).items()
    )


def _listed_problems(
    ctx: ServerContext, tracked: Tracked, expected: dict[str, Any], rid: Any, listed: Reply
) -> list[str]:
    same = [r for r in listed.resources() if r.get("id") == rid]
    if not same:
        query = listed.exchange.url.split("?", 1)[-1]
        return [f"GET {tracked.endpoint}?{query} does not return the resource"]
    found = differences_from(expected, same[0], ctx.target.schemas, tracked.endpoint)
    return [f"by filter: {p}" for p in found]
