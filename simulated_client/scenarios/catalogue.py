"""Scenarios: what the source app does to the server, step by step.

``provision`` (test connection, lookups, create users, create groups, add members), ``update``,
``deactivate``, ``reactivate``, ``membership``, ``rename-groups``, ``delete`` and ``lifecycle``
(all of them in that order), and ``import`` (read everything back, page by page). Each
scenario function takes the client, a profile and the
:class:`~simulated_client.scenarios.state.ScenarioState` it updates, and returns a
:class:`~simulated_client.scenarios.results.ScenarioResult`. :func:`run_scenario` runs a
scenario after the scenarios it needs (``update`` needs users, ``reactivate`` needs
deactivated users).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable
from typing import Protocol

from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimClientError, ScimNotFound
from scim_harness.simulated_client.generate.people import Population
from scim_harness.simulated_client.profiles import shapes
from scim_harness.simulated_client.profiles.catalogue import Profile
from scim_harness.simulated_client.scenarios.groups import (
    add_initial_members,
    membership,
    provision_groups,
    rename_groups,
)
from scim_harness.simulated_client.scenarios.imports import import_directory
from scim_harness.simulated_client.scenarios.results import ScenarioResult
from scim_harness.simulated_client.scenarios.runner import Step
from scim_harness.simulated_client.scenarios.state import Progress, ScenarioOptions, ScenarioState
from scim_harness.simulated_client.scenarios.users import (
    create_missing_user,
    deactivate,
    reactivate,
    update,
)

__all__ = [
    "LIFECYCLE",
    "PREREQUISITES",
    "SCENARIOS",
    "ScenarioFunction",
    "deactivate",
    "delete",
    "import_directory",
    "lifecycle",
    "membership",
    "provision",
    "reactivate",
    "rename_groups",
    "run_scenario",
    "update",
]


class ScenarioFunction(Protocol):
    def __call__(
        self,
        client: ScimClient,
        profile: Profile,
        state: ScenarioState,
        *,
        options: ScenarioOptions | None = None,
        progress: Progress | None = None,
    ) -> Awaitable[ScenarioResult]: ...


def probe_id(seed: int) -> str:
    """The "random" GUID of a connection test, seeded so runs replay byte for byte."""
    return str(uuid.UUID(int=random.Random(f"probe:{seed}").getrandbits(128), version=4))


async def _provision_users(step: Step) -> None:
    state, profile = step.state, step.profile
    pending = [user for user in state.population.users if user.key not in state.ids]
    waves: list[tuple[str, list[str]]]
    if profile.manager_mode == "inline":
        # A manager must exist before a report can point at its id: managers first, then reports.
        waves = [
            ("create managers", [user.key for user in pending if user.manager_key is None]),
            ("create reports", [user.key for user in pending if user.manager_key is not None]),
        ]
    else:
        waves = [("create users", [user.key for user in pending])]

    async def one(key: str) -> None:
        index = step.plan("create-user", key, userName=state.users[key].user_name)
        try:
            server_id, found = await create_missing_user(step, key)
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        state.ids[key] = server_id
        if found:
            step.counts.users_found += 1
            step.done(index, "found-existing", server_id=server_id)
        else:
            step.counts.users_created += 1
            step.done(index, server_id=server_id)

    for label, wave in waves:
        await step.each(label, wave, one)
    if profile.manager_mode == "separate-patch":
        await _set_managers(step, [user.key for user in pending])


async def _set_managers(step: Step, keys: list[str]) -> None:
    """Entra sets ``manager`` in a PATCH of its own once both users have ids."""
    state, profile = step.state, step.profile
    live = set(state.live_users())
    managers: dict[str, str] = {}
    for key in keys:
        manager_key = state.users[key].manager_key
        if key in live and manager_key is not None and manager_key in live:
            managers[key] = manager_key

    async def one(key: str) -> None:
        manager_key = managers[key]
        index = step.plan("set-manager", key, manager=manager_key)
        user_id = state.ids[key]
        try:
            request = shapes.set_manager(profile, user_id, state.ids[manager_key])
            reply = await step.client.send(request)
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        step.check_status(reply, profile.expected_patch_statuses, "a user PATCH")
        step.counts.managers_set += 1
        step.done(index, server_id=user_id)

    await step.each("set managers", list(managers), one)


async def provision(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Test the connection, then look up and create users and groups, then add members.

    A failing connection test raises (nothing else would work); later failures are counted.
    """
    options = options or ScenarioOptions()
    step = Step("provision", client, profile, state, progress)
    for request in shapes.connection_test(profile, probe=probe_id(options.seed)):
        await client.send(request, ok=profile.not_found_statuses)
    await _provision_users(step)
    new_groups = [group.key for group in state.population.groups if group.key not in state.ids]
    await provision_groups(step)
    await add_initial_members(step, [key for key in new_groups if key in state.ids])
    return step.finish()


async def delete(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Delete every group, then every user (RFC 7644 §3.6); Okta deactivates users instead."""
    step = Step("delete", client, profile, state, progress)

    async def one_group(key: str) -> None:
        index = step.plan("delete-group", key)
        group_id = state.ids[key]
        try:
            await client.send(shapes.delete_group(profile, group_id))
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        state.groups_deleted.add(key)
        step.counts.groups_deleted += 1
        step.done(index, server_id=group_id)

    async def one_user(key: str) -> None:
        user_id = state.ids[key]
        if profile.user_deletion == "deactivate":
            index = step.plan("deactivate-user", key, active=False, how=profile.deactivation)
            if key in state.deactivated:
                step.done(index, "skipped", server_id=user_id, message="already deactivated")
                return
        else:
            index = step.plan("delete-user", key)
        try:
            if profile.user_deletion == "deactivate":
                await client.send(shapes.set_active(profile, user_id, False))
                state.deactivated.add(key)
                step.counts.users_deactivated += 1
            else:
                await client.send(shapes.delete_user(profile, user_id))
                state.deleted.add(key)
                step.counts.users_deleted += 1
        except ScimNotFound as exc:
            if not state.gone_is_expected(key):
                step.failed(index, exc)
                return
            state.deleted.add(key)
            state.server_deleted.add(key)
            step.counts.users_deleted_by_server += 1
            message = "404: already deleted by the server on deactivation (expected)"
            step.done(index, "expected-404", server_id=user_id, message=message)
            return
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        step.done(index, server_id=user_id)

    if profile.user_deletion == "deactivate":
        step.note(f"{profile.name} never DELETEs users: they are deactivated instead")
    await step.each("delete groups", state.live_groups(), one_group)
    await step.each("delete users", state.live_users(), one_user)
    return step.finish()


LIFECYCLE = (
    "provision",
    "update",
    "deactivate",
    "reactivate",
    "membership",
    "rename-groups",
    "delete",
)

SCENARIOS: dict[str, ScenarioFunction] = {
    "provision": provision,
    "update": update,
    "deactivate": deactivate,
    "reactivate": reactivate,
    "membership": membership,
    "rename-groups": rename_groups,
    "delete": delete,
    "import": import_directory,
}

PREREQUISITES: dict[str, tuple[str, ...]] = {
    "provision": (),
    "update": ("provision",),
    "deactivate": ("provision",),
    "reactivate": ("provision", "deactivate"),
    "membership": ("provision",),
    "rename-groups": ("provision",),
    "delete": ("provision",),
    "import": ("provision",),
    "lifecycle": (),
}


async def _run_steps(
    names: tuple[str, ...],
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    options: ScenarioOptions,
    progress: Progress | None,
) -> list[ScenarioResult]:
    results = []
    for name in names:
        results.append(
            await SCENARIOS[name](client, profile, state, options=options, progress=progress)
        )
    return results


async def lifecycle(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Every scenario in order on one state; the result has one step per scenario."""
    options = options or ScenarioOptions()
    steps = await _run_steps(LIFECYCLE, client, profile, state, options, progress)
    return ScenarioResult.combine("lifecycle", profile.name, steps)


async def run_scenario(
    name: str,
    client: ScimClient,
    profile: Profile,
    population: Population,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
    state: ScenarioState | None = None,
) -> ScenarioResult:
    """Run ``name`` after its prerequisites on a fresh state (or ``state``).

    The result's ``steps`` lists every scenario run, prerequisites first; the named one last.
    """
    if name not in PREREQUISITES:
        known = ", ".join(PREREQUISITES)
        msg = f"unknown scenario {name!r} (known: {known})"
        raise ValueError(msg)
    options = options or ScenarioOptions(seed=population.seed)
    state = state or ScenarioState.fresh(population)
    names = LIFECYCLE if name == "lifecycle" else (*PREREQUISITES[name], name)
    steps = await _run_steps(names, client, profile, state, options, progress)
    return ScenarioResult.combine(name, profile.name, steps)
