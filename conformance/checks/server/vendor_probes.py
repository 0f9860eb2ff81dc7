"""Server checks: each IdP's Test Connection, Okta's paged import, PingFederate's group listing.

The offline answer to "will Entra/Okta/OneLogin/JumpCloud/PingFederate accept my server?":
the IdP's first requests are replayed as its simulated-client profile sends them and the
answers judged by the rules that IdP applies (:func:`~scim_harness.simulated_client.profiles.
probes.judge_probe`): Entra ID fails its connection on a 404 to a filter that matches nothing,
OneLogin takes a 404 as "no such user", Okta needs a ListResponse with integer paging fields,
JumpCloud creates and deletes a test user and a test group. Then the paged reads: Okta's
import walks ``startIndex``/``count`` to ``totalResults``; PingFederate finds a group by
reading them all.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from scim_harness.conformance.model import CheckFailed
from scim_harness.conformance.server.context import (
    Reply,
    ServerContext,
    detail,
    ensure,
    expect_status,
)
from scim_harness.conformance.server.replay import (
    create_as,
    idp_check,
    person,
    probe_for,
    profile_of,
    send_spec,
)
from scim_harness.simulated_client.generate.people import GeneratedGroup
from scim_harness.simulated_client.profiles import probes, shapes
from scim_harness.simulated_client.profiles.catalogue import Profile
from scim_harness.simulated_client.scenarios.connection import DELETE_UNSUPPORTED, probe_id

__all__: list[str] = []

MAX_PAGES = 50
"""A paged walk stops here: enough to judge the paging, bounded on a large target."""


async def _create_delete(ctx: ServerContext, profile: Profile) -> None:
    """JumpCloud's test: a test user and a test group, created then deleted (doc)."""
    probe = probe_for(ctx)
    user = probes.probe_user(profile, probe)
    rid = await create_as(ctx, profile, user)
    gone = await send_spec(ctx, shapes.delete_user(profile, rid), note="delete the test user")
    if gone.status in DELETE_UNSUPPORTED:
        off = await send_spec(ctx, shapes.set_active(profile, rid, False, user))
        expect_status(off, (200, 204), f"{profile.name}'s deactivation of its test user")
        ctx.note(f"DELETE answered {gone.status}: {profile.name} deactivates its test user")
    else:
        expect_status(gone, (200, 204), f"{profile.name}'s DELETE of its test user")
    made = await send_spec(ctx, shapes.create_group(profile, probes.probe_group(profile, probe)))
    if made.status < 300:
        ctx.remember(made, "/Groups")
    expect_status(made, 201, f"{profile.name}'s create of its test group")
    gid = made.field("id")
    ensure(isinstance(gid, str) and gid, "the test group was created without an id")
    dropped = await send_spec(ctx, shapes.delete_group(profile, str(gid)))
    expect_status(dropped, (200, 204), f"{profile.name}'s DELETE of its test group")


@idp_check(
    1,
    "The IdP's Test Connection passes as that IdP judges it (Entra: a filter on a random "
    "userName answers 200 with an empty list, never 404; Okta: /Users?startIndex=1&count=2 "
    "answers a ListResponse with integer paging; OneLogin: empty list or 404; JumpCloud: a "
    "test user and group are created and deleted).",
    "Answer a filter that matches nothing with 200 and an empty ListResponse (RFC 7644 "
    "§3.4.2), integer totalResults/startIndex/itemsPerPage, and take the test writes.",
)
async def connection_test(ctx: ServerContext) -> None:
    profile = profile_of(ctx)
    if profile.test_connection == "create-delete":
        await _create_delete(ctx, profile)
        return
    for probe in probes.connection_probes(profile, probe=probe_id(ctx.seed)):
        reply = await send_spec(ctx, probe.spec, note=f"{profile.name} Test Connection")
        problem = probes.judge_probe(profile, probe, reply.status, reply.body)
        ensure(problem is None, f"{probe.spec.method} {probe.spec.target}: {problem}")


async def _walk(ctx: ServerContext, profile: Profile, endpoint: str, size: int) -> list[str]:
    """The ids of a paged walk of ``endpoint``, failing on what a walking client cannot use."""
    ids: list[str] = []
    start = 1
    for _ in range(MAX_PAGES):
        reply: Reply = await send_spec(ctx, probes.list_page(profile, endpoint, start, size))
        expect_status(reply, 200, f"GET {endpoint} page at startIndex={start}")
        try:
            page = probes.read_page(reply.body, endpoint)
        except ValueError as exc:
            raise CheckFailed(str(exc)) from None
        shown: Any = reply.field("startIndex")
        ensure(
            shown == start,
            f"GET {endpoint}: asked startIndex={start}, the page says startIndex={shown!r}",
        )
        ensure(
            len(page.resources) <= size,
            f"GET {endpoint}: count={size} answered {len(page.resources)} resources",
        )
        ids.extend(str(r.get("id")) for r in page.resources)
        start += len(page.resources)
        if start > page.total:
            return ids
        ensure(
            page.resources,
            f"GET {endpoint}: an empty page at startIndex={start} below totalResults "
            f"{page.total}: a walking client stops short {detail(reply)}".rstrip(),
        )
    ctx.note(f"the walk of {endpoint} stopped after {MAX_PAGES} pages of {size}")
    return ids


def _no_repeats(endpoint: str, ids: list[str]) -> None:
    twice = sorted({rid for rid in ids if ids.count(rid) > 1})
    ensure(
        not twice, f"GET {endpoint}: the walk listed {twice[:5]} more than once (unstable order)"
    )


@idp_check(
    7,
    "Okta's import walks /Users and /Groups with startIndex/count to totalResults: integer "
    "paging fields, the startIndex asked for, no resource twice, every account present.",
    "Page in a stable order (RFC 7644 §3.4.2.4), echo startIndex, answer integer "
    "totalResults, and list every resource exactly once across the pages.",
    profiles=("okta",),
)
async def import_walk(ctx: ServerContext) -> None:
    profile = profile_of(ctx)
    size = profile.import_page_size or 100
    mine = [await create_as(ctx, profile, person(ctx, f"vnd-import-{n}")) for n in range(3)]
    users = await _walk(ctx, profile, "/Users", size)
    _no_repeats("/Users", users)
    if len(users) < MAX_PAGES * size:
        missing = [rid for rid in mine if rid not in users]
        ensure(not missing, f"the import never listed the users {missing}")
    groups = await _walk(ctx, profile, "/Groups", size)
    _no_repeats("/Groups", groups)


@idp_check(
    8,
    "PingFederate finds a group by reading every group (no filter): the group it created is "
    "in the pages of an unfiltered GET /Groups.",
    "Serve GET /Groups without a filter, paged with startIndex/count (RFC 7644 §3.4.2.4).",
    profiles=("pingfederate",),
)
async def group_listing(ctx: ServerContext) -> None:
    profile = profile_of(ctx)
    name = ctx.namespace.group_name("vnd-listed")
    made = await send_spec(ctx, shapes.create_group(profile, GeneratedGroup("vnd-listed", name)))
    if made.status < 300:
        ctx.remember(made, "/Groups")
    expect_status(made, 201, f"the {profile.name} group create")
    gid = str(made.field("id"))
    ids = await _walk(ctx, profile, "/Groups", profile.list_page_size)
    _no_repeats("/Groups", ids)
    if len(ids) < MAX_PAGES * profile.list_page_size:
        ensure(gid in ids, f"the group {name!r} ({gid}) is not in the listing of /Groups")
    again = await ctx.get(f"/Groups/{quote(gid, safe='')}")
    expect_status(again, 200, "GET the listed group")
