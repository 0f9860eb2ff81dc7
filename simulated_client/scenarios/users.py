"""User lifecycle scenarios after provisioning: update, deactivate, reactivate.

A server may delete a user when it is deactivated (a platform option). So once a user has been
deactivated, a 404 on it is expected rather than a failure, and reactivating a deleted user
re-creates it with a POST (new server id) and re-adds its group memberships: each such outcome
says ``recreated`` with the old and new ids.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimClientError, ScimNotFound
from scim_harness.simulated_client.generate.population import plan_user_updates
from scim_harness.simulated_client.profiles import shapes
from scim_harness.simulated_client.profiles.catalogue import Profile
from scim_harness.simulated_client.scenarios.results import ScenarioResult
from scim_harness.simulated_client.scenarios.runner import Step, pick
from scim_harness.simulated_client.scenarios.state import Progress, ScenarioOptions, ScenarioState

__all__ = ["create_missing_user", "deactivate", "reactivate", "update"]


async def create_missing_user(step: Step, key: str) -> tuple[str, bool]:
    """Look up (when the profile does) then POST ``key``; returns (server id, found existing).

    After an ambiguous failure the POST is repeated only if the lookup finds nothing.
    """
    profile, state, client = step.profile, step.state, step.client
    user = state.users[key]
    lookup = shapes.lookup_user(profile, user)
    if profile.lookup_before_create:
        found = await client.find(lookup, absent=profile.not_found_statuses)
        if found is not None:
            return str(found["id"]), True
    manager = user.manager_key
    manager_id = None
    if manager is not None and manager not in state.deleted:
        manager_id = state.ids.get(manager)
    password = None
    if profile.send_password:  # Okta with password sync: a stable, per-user secret
        digest = hashlib.sha256(f"{state.population.seed}:{key}".encode()).hexdigest()
        password = f"Pw-{digest[:16]}!"
    request = shapes.create_user(profile, user, manager_id=manager_id, password=password)
    retry_lookup = lookup if profile.lookup_after_failed_create else None
    reply = await client.create(request, lookup=retry_lookup)
    server_id = reply.resource_id()
    if server_id is None:
        msg = f"POST /Users: the server answered {reply.status} without an id for {user.user_name}"
        raise ScimClientError(msg, target="POST /Users")
    if reply.recovered:
        step.counts.users_recovered += 1
    return server_id, False


async def update(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Change family names (so display names and work e-mails), titles and departments."""
    options = options or ScenarioOptions()
    step = Step("update", client, profile, state, progress)
    keys = pick(
        state.live_users(), options.update_fraction, random.Random(f"update:{options.seed}")
    )
    taken = [user.email for user in state.users.values()]
    targets = [state.users[key] for key in keys]
    planned = plan_user_updates(state.population, targets, seed=options.seed, taken=taken)

    async def one(key: str) -> None:
        before, after = state.users[key], planned[key]
        changes = dict(shapes.changed_attributes(profile, before, after))
        index = step.plan("update-user", key, **changes)
        user_id = state.ids[key]
        try:
            if profile.update_style == "get-then-put":
                current = await client.send(shapes.get_user(profile, user_id))
                if not isinstance(current.body, dict):
                    msg = f"GET /Users/{user_id}: expected the user, got {current.body!r:.80}"
                    raise ScimClientError(msg, target=f"GET /Users/{user_id}")
                request = shapes.put_user(profile, user_id, current.body, after)
            else:
                request = shapes.update_user(profile, user_id, before, after)
            reply = await client.send(request)
            if request.method == "PATCH":
                step.check_status(reply, profile.expected_patch_statuses, "a user PATCH")
        except ScimNotFound as exc:
            _gone(step, index, key, exc)
            return
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        state.users[key] = after
        step.counts.users_updated += 1
        step.done(index, server_id=user_id)

    await step.each("update users", keys, one)
    return step.finish()


def _gone(step: Step, index: int, key: str, exc: ScimNotFound) -> None:
    """A 404 on a user: expected once it was deactivated, a failure otherwise."""
    state = step.state
    if not state.gone_is_expected(key):
        step.failed(index, exc)
        return
    if key not in state.deleted:
        state.deleted.add(key)
        state.server_deleted.add(key)
        step.counts.users_deleted_by_server += 1
    message = "404: the server deleted this user on deactivation (expected)"
    step.done(index, "expected-404", server_id=state.ids.get(key), message=message)


def _deactivate_keys(state: ScenarioState, options: ScenarioOptions) -> list[str]:
    if options.deactivate_keys is None:
        candidates = [key for key in state.live_users() if key not in state.deactivated]
        rng = random.Random(f"deactivate:{options.seed}")
        return pick(candidates, options.deactivate_fraction, rng)
    unknown = [key for key in options.deactivate_keys if key not in state.users]
    if unknown:
        msg = f"unknown user keys to deactivate: {', '.join(unknown)}"
        raise ValueError(msg)
    return state.sorted_users(set(options.deactivate_keys))


async def deactivate(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Deactivate a seeded fraction of the users, or the users listed in the options."""
    options = options or ScenarioOptions()
    step = Step("deactivate", client, profile, state, progress)
    keys = _deactivate_keys(state, options)
    if profile.deactivation == "delete":
        step.note(f"{profile.name} deactivates users by DELETE: reactivation will re-create them")

    async def one(key: str) -> None:
        index = step.plan("deactivate-user", key, active=False, how=profile.deactivation)
        user_id = state.ids.get(key)
        if user_id is None or key in state.deleted:
            step.done(index, "skipped", message="not on the server")
            return
        try:
            if profile.deactivation == "delete":
                reply = await client.send(shapes.delete_user(profile, user_id))
                state.deleted.add(key)
            else:
                reply = await client.send(
                    shapes.set_active(profile, user_id, False, state.users[key])
                )
                step.check_status(reply, profile.expected_patch_statuses, "a user PATCH")
        except ScimNotFound as exc:
            _gone(step, index, key, exc)
            return
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        state.deactivated.add(key)
        step.counts.users_deactivated += 1
        step.done(index, server_id=user_id)

    await step.each("deactivate users", keys, one)
    return step.finish()


async def _readd_memberships(step: Step, key: str, user_id: str) -> int:
    """Put a re-created user back into the groups the app still has it in."""
    state, profile = step.state, step.profile
    added = 0
    for group_key in state.live_groups():
        if key not in state.members[group_key]:
            continue
        member = (user_id, state.users[key].user_name)
        for request in shapes.change_members(profile, state.ids[group_key], add=[member]):
            reply = await step.client.send(request)
            step.check_status(reply, profile.expected_group_patch_statuses, "a group PATCH")
        added += 1
    step.counts.members_added += added
    return added


async def _recreate(step: Step, index: int, key: str, why: str) -> None:
    state = step.state
    old_id = state.ids.get(key)
    try:
        new_id, found = await create_missing_user(step, key)
        if found:
            request = shapes.set_active(step.profile, new_id, True, state.users[key])
            reply = await step.client.send(request)
            step.check_status(reply, step.profile.expected_patch_statuses, "a user PATCH")
        state.ids[key] = new_id
        state.deleted.discard(key)
        state.server_deleted.discard(key)
        state.deactivated.discard(key)
        readded = await _readd_memberships(step, key, new_id)
    except ScimClientError as exc:
        step.failed(index, exc)
        return
    step.counts.users_recreated += 1
    step.counts.users_reactivated += 1
    message = f"{why}; re-created by POST ({old_id} -> {new_id}), back in {readded} group(s)"
    step.done(index, "recreated", server_id=new_id, message=message)


async def reactivate(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Reactivate every deactivated user; a deleted one is re-created (POST, new id)."""
    step = Step("reactivate", client, profile, state, progress)
    keys = state.sorted_users(state.deactivated)

    async def one(key: str) -> None:
        detail: dict[str, Any] = {"active": True}
        index = step.plan("reactivate-user", key, **detail)
        if key in state.deleted:
            why = "deleted by the server" if key in state.server_deleted else "deleted by DELETE"
            await _recreate(step, index, key, why)
            return
        user_id = state.ids[key]
        try:
            request = shapes.set_active(profile, user_id, True, state.users[key])
            reply = await client.send(request)
            step.check_status(reply, profile.expected_patch_statuses, "a user PATCH")
        except ScimNotFound:
            state.deleted.add(key)
            state.server_deleted.add(key)
            step.counts.users_deleted_by_server += 1
            await _recreate(step, index, key, "404: the server deleted it on deactivation")
            return
        except ScimClientError as exc:
            step.failed(index, exc)
            return
        state.deactivated.discard(key)
        step.counts.users_reactivated += 1
        step.done(index, server_id=user_id)

    await step.each("reactivate users", keys, one)
    return step.finish()
