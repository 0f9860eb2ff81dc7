"""The "Test connection" every profile starts with, sent and judged like its client does.

Entra ID filters on a random userName and fails on anything but 200 with an empty list; Okta
reads ``/Users?startIndex=1&count=2`` and needs numeric paging fields; OneLogin accepts an empty
list or 404; JumpCloud creates a test user and a test group and deletes both (deactivating the
user when DELETE is not supported). A failed test raises :class:`ScimConnectionTestFailed` (or
the HTTP error): a real client would stop there, so nothing else is sent.
"""

from __future__ import annotations

import random
import uuid

from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import (
    ScimConnectionTestFailed,
    ScimHttpError,
)
from scim_harness.simulated_client.profiles import probes, shapes
from scim_harness.simulated_client.profiles.model import Profile

__all__ = ["DELETE_UNSUPPORTED", "probe_id", "run_connection_test"]

DELETE_UNSUPPORTED = frozenset({405, 501})
"""Answers to DELETE that mean "not supported here" (RFC 9110 §15.5.6, §15.6.2)."""


def probe_id(seed: int) -> str:
    """The "random" GUID of a connection test, seeded so runs replay byte for byte."""
    return str(uuid.UUID(int=random.Random(f"probe:{seed}").getrandbits(128), version=4))


async def _create_delete(client: ScimClient, profile: Profile, probe: str) -> None:
    """JumpCloud: create a test user and a test group, then delete both (doc)."""
    user = probes.probe_user(profile, probe)
    created = await client.send(shapes.create_user(profile, user))
    user_id = created.resource_id()
    if user_id is None:
        msg = f"{profile.name}: the test user was created without an id ({created.status})"
        raise ScimConnectionTestFailed(msg, target="POST /Users")
    try:
        await client.send(shapes.delete_user(profile, user_id))
    except ScimHttpError as exc:
        if exc.status not in DELETE_UNSUPPORTED:
            raise
        # doc: without DELETE the test user is deactivated and left for an admin to remove.
        await client.send(shapes.set_active(profile, user_id, False, user))
    group = probes.probe_group(profile, probe)
    made = await client.send(shapes.create_group(profile, group))
    group_id = made.resource_id()
    if group_id is None:
        msg = f"{profile.name}: the test group was created without an id ({made.status})"
        raise ScimConnectionTestFailed(msg, target="POST /Groups")
    await client.send(shapes.delete_group(profile, group_id))


async def run_connection_test(client: ScimClient, profile: Profile, *, seed: int) -> None:
    """Send the profile's connection test; raise when its client would fail the connection."""
    probe = probe_id(seed)
    if profile.test_connection == "create-delete":
        await _create_delete(client, profile, probe)
        return
    for item in probes.connection_probes(profile, probe=probe):
        # A probe on a name nobody has takes 404 as an answer to judge (Entra fails on it,
        # OneLogin accepts it); any other probe's error is raised as the HTTP error it is.
        ok = profile.not_found_statuses | {404} if item.expect == "absent" else frozenset()
        reply = await client.send(item.spec, ok=ok)
        problem = probes.judge_probe(profile, item, reply.status, reply.body)
        if problem is not None:
            target = f"{item.spec.method} {item.spec.target}"
            raise ScimConnectionTestFailed(f"{target}: {problem}", target=target)
