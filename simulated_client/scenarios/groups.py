"""Group scenarios: create groups, add their members, change memberships, rename groups."""

from __future__ import annotations

import random
from typing import Any

from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimClientError
from scim_harness.simulated_client.generate.population import plan_group_renames
from scim_harness.simulated_client.profiles import shapes
from scim_harness.simulated_client.profiles.model import Profile
from scim_harness.simulated_client.scenarios.imports import list_all
from scim_harness.simulated_client.scenarios.results import ScenarioResult
from scim_harness.simulated_client.scenarios.runner import Step, pick
from scim_harness.simulated_client.scenarios.state import Progress, ScenarioOptions, ScenarioState
from scim_harness.simulated_client.wire import RequestSpec

__all__ = ["add_initial_members", "membership", "provision_groups", "rename_groups"]


async def _send_member_changes(
    step: Step, group_key: str, add: list[str], remove: list[str]
) -> None:
    state, profile = step.state, step.profile
    added = [(state.ids[key], state.users[key].user_name) for key in add]
    removed = [state.ids[key] for key in remove]
    group_id = state.ids[group_key]
    for request in shapes.change_members(profile, group_id, add=added, remove=removed):
        reply = await step.client.send(request)
        step.check_status(reply, profile.expected_group_patch_statuses, "a group PATCH")


async def _find_group(step: Step, name: str, lookup: RequestSpec) -> dict[str, Any] | None:
    """The group called ``name`` on the server, found the way this client finds groups."""
    profile = step.profile
    if profile.group_lookup == "filter":
        return await step.client.find(lookup, absent=profile.not_found_statuses)
    # PingFederate (doc): no group filter; every group is read and the name matched here.
    groups, _ = await list_all(step.client, profile, "/Groups", profile.list_page_size)
    wanted = name.casefold()
    for group in groups:
        shown, gid = group.get("displayName"), group.get("id")
        if isinstance(shown, str) and isinstance(gid, str) and shown.casefold() == wanted:
            return group
    return None


async def provision_groups(step: Step) -> None:
    """Look up (when the profile does) and create every group not yet on the server."""
    state, profile, client = step.state, step.profile, step.client
    keys = [group.key for group in state.population.groups if group.key not in state.ids]

    async def one(key: str) -> None:
        name = state.group_names[key]
        index = step.plan("create-group", key, displayName=name)
        lookup = shapes.lookup_group(profile, name)
        try:
            if profile.lookup_before_create:
                found = await _find_group(step, name, lookup)
                if found is not None:
                    state.ids[key] = str(found["id"])
                    step.counts.groups_found += 1
                    step.done(index, "found-existing", server_id=state.ids[key])
                    return
            request = shapes.create_group(profile, state.population.group(key))
            # A client that lists groups to find one has no filter to look up with after an
            # ambiguous failure: it does not POST again (the next cycle will match the group).
            retry = profile.lookup_after_failed_create and profile.group_lookup == "filter"
            retry_lookup = lookup if retry else None
            reply = await client.create(request, lookup=retry_lookup)
            group_id = reply.resource_id()
            if group_id is None:
                msg = f"POST /Groups: the server answered {reply.status} without an id for {name}"
                raise ScimClientError(msg, target="POST /Groups")
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        state.ids[key] = group_id
        step.counts.groups_created += 1
        step.done(index, "recovered" if reply.recovered else "ok", server_id=group_id)

    await step.each("create groups", keys, one)


async def add_initial_members(step: Step, group_keys: list[str]) -> None:
    """PATCH each new group's members in (groups are created empty, as Entra and Okta do)."""
    state = step.state
    live = set(state.live_users())

    async def one(key: str) -> None:
        members = state.sorted_users(state.members[key] & live)
        if not members:
            return
        index = step.plan("add-members", key, add=members)
        try:
            await _send_member_changes(step, key, members, [])
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        step.counts.members_added += len(members)
        step.done(index, server_id=state.ids[key])

    await step.each("add members", group_keys, one)


def _plan_changes(
    state: ScenarioState, key: str, live: list[str], fraction: float, rng: random.Random
) -> tuple[list[str], list[str]]:
    """(adds, removes) for one group: a share of its members out, as many non-members in."""
    members = state.members[key]
    current = [user for user in live if user in members]
    removes = pick(current, fraction, rng)
    wanted = min(len(live) - len(current), max(1, len(removes)) if fraction > 0 else 0)
    adds: set[str] = set()
    while len(adds) < wanted:
        candidate = live[rng.randrange(len(live))]
        if candidate not in members:
            adds.add(candidate)
    return state.sorted_users(adds), removes


async def membership(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """In every group, remove a seeded share of the members and add as many other users."""
    options = options or ScenarioOptions()
    step = Step("membership", client, profile, state, progress)
    rng = random.Random(f"membership:{options.seed}")
    live = state.live_users()
    plans = {
        key: _plan_changes(state, key, live, options.membership_fraction, rng)
        for key in state.live_groups()
    }
    keys = [key for key, (adds, removes) in plans.items() if adds or removes]

    async def one(key: str) -> None:
        adds, removes = plans[key]
        index = step.plan("change-members", key, add=adds, remove=removes)
        try:
            await _send_member_changes(step, key, adds, removes)
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        state.members[key].difference_update(removes)
        state.members[key].update(adds)
        step.counts.members_added += len(adds)
        step.counts.members_removed += len(removes)
        step.done(index, server_id=state.ids[key])

    await step.each("change memberships", keys, one)
    return step.finish()


async def rename_groups(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Give a seeded share of the groups (all by default) a new unique display name."""
    options = options or ScenarioOptions()
    step = Step("rename-groups", client, profile, state, progress)
    rng = random.Random(f"rename:{options.seed}")
    keys = pick(state.live_groups(), options.rename_fraction, rng)
    names = plan_group_renames(state.group_names, keys, seed=options.seed)

    async def one(key: str) -> None:
        index = step.plan("rename-group", key, old=state.group_names[key], new=names[key])
        group_id = state.ids[key]
        try:
            reply = await client.send(shapes.rename_group(profile, group_id, names[key]))
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        step.check_status(reply, profile.expected_group_patch_statuses, "a group PATCH")
        state.group_names[key] = names[key]
        step.counts.groups_renamed += 1
        step.done(index, server_id=group_id)

    await step.each("rename groups", keys, one)
    return step.finish()
