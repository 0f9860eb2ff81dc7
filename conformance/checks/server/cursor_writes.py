"""Server checks: a cursor walk while the suite inserts and deletes (RFC 9865 §1, §2).

Cursors exist so that a client can page through a large, changing set: "obtain the next page
of results" means the results after the ones already returned. The suite creates ten users of
its own, walks them three by three, and between pages deletes some (seen and not yet seen)
and creates others; then every user that existed for the whole walk must have come exactly
once, and no user twice. A cursor that is an offset in disguise skips a user after a delete
(and, in a sorted walk, repeats one after an insert before the position).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status
from scim_harness.conformance.server.cursors import Walk, advertised, cursor_walk

__all__: list[str] = []

_FIX = (
    "Make nextCursor name the last resource returned (e.g. its key in the walk's order) and "
    "read the next page as the resources after it, not as an offset: inserts and deletes "
    "then neither skip nor repeat a resource."
)


@dataclass
class _Churn:
    """The suite's own users for one walk: ids by tag, and what it changed meanwhile."""

    prefix: str
    ids: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    original: set[str] = field(default_factory=set)

    @property
    def lasting(self) -> set[str]:
        return self.original - self.deleted


async def _make(ctx: ServerContext, churn: _Churn, tag: str) -> None:
    created = await ctx.create_user(f"{churn.prefix}-{tag}")
    churn.ids[tag] = str(created["id"])


async def _remove(ctx: ServerContext, churn: _Churn, tag: str) -> None:
    rid = churn.ids[tag]
    reply = await ctx.delete(f"/Users/{rid}", note="deleted during the walk")
    expect_status(reply, 204, f"DELETE of {tag} during the walk")
    churn.deleted.add(rid)


async def _walk_with_churn(ctx: ServerContext, kind: str, sort: bool) -> tuple[_Churn, Walk]:
    churn = _Churn(kind)
    originals = [f"{n:02d}" for n in range(10)]
    for tag in originals:
        await _make(ctx, churn, tag)
    churn.original = set(churn.ids.values())

    async def between(page: int, walk: Walk) -> None:
        returned = set(walk.ids)
        live = [t for t in originals if churn.ids[t] not in churn.deleted]
        seen = [t for t in live if churn.ids[t] in returned]
        unseen = [t for t in live if churn.ids[t] not in returned]
        if seen:  # one fewer before the position: an offset cursor skips a user
            await _remove(ctx, churn, seen[0])
        if unseen:  # one fewer after it: nothing may move
            await _remove(ctx, churn, unseen[-1])
        # Two new users: in creation order they come last; sorted by userName, "<n>a" and
        # "<n-1>b" sort before the walk's position (an offset cursor then repeats users).
        await _make(ctx, churn, f"{page:02d}a")
        await _make(ctx, churn, f"{page - 1:02d}b")

    prefix = ctx.namespace.user_name(kind)
    params = [("filter", f'userName sw "{prefix}-"'), ("count", "3")]
    if sort:
        params.append(("sortBy", "userName"))
    walk = await cursor_walk(ctx, "/Users", params, between=between, max_pages=20)
    return churn, walk


def _judge(ctx: ServerContext, churn: _Churn, walk: Walk) -> None:
    seen = walk.ids
    tags = {rid: tag for tag, rid in churn.ids.items()}
    repeated = sorted({tags.get(i, i) for i in seen if seen.count(i) > 1})
    ensure(not repeated, f"the walk returned {', '.join(repeated)} twice")
    if not walk.ended:  # the filter let more through: the filter checks judge that
        ctx.note(f"followed the first {len(walk.pages)} pages only (the filter matched more)")
        return
    missed = sorted(tags[i] for i in churn.lasting - set(seen))
    ensure(
        not missed,
        f"the walk skipped {', '.join(missed)}, which existed from its start to its end",
    )


@server_check(
    "SRV-CUR-018",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §1, §2",
    claim="A cursor walk under concurrent inserts and deletes returns every resource that "
    "existed for the whole walk exactly once.",
    fix=_FIX,
    needs=("filter",),
)
async def churn_in_creation_order(ctx: ServerContext) -> None:
    advertised(ctx)
    churn, walk = await _walk_with_churn(ctx, "cw", sort=False)
    _judge(ctx, churn, walk)


@server_check(
    "SRV-CUR-019",
    level="SHOULD",
    area="cursor",
    reference="RFC 9865 §2, §2.2",
    claim="A sortBy=userName cursor walk under concurrent inserts and deletes returns every "
    "resource that existed for the whole walk exactly once.",
    fix=_FIX,
    needs=("filter", "sort"),
)
async def churn_sorted(ctx: ServerContext) -> None:
    advertised(ctx)
    churn, walk = await _walk_with_churn(ctx, "cs", sort=True)
    _judge(ctx, churn, walk)
