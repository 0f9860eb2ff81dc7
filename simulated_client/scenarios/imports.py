"""The ``import`` scenario: read every user and group back, page by page, as an IdP's import.

An identity platform that imports from an app lists all of its users and groups and matches
them with what it knows. This scenario walks ``GET /Users`` and ``GET /Groups`` with the
client's paging (:mod:`simulated_client.walk`: RFC 9865 cursors when the server advertises
them, else ``startIndex``), and reports every user and group the source pushed that the walk
did not return, and every resource the walk returned twice.
"""

from __future__ import annotations

from collections import Counter

from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimClientError
from scim_harness.simulated_client.profiles import shapes
from scim_harness.simulated_client.profiles.catalogue import Profile
from scim_harness.simulated_client.scenarios.results import ScenarioResult
from scim_harness.simulated_client.scenarios.runner import Step
from scim_harness.simulated_client.scenarios.state import Progress, ScenarioOptions, ScenarioState
from scim_harness.simulated_client.walk import pages

__all__ = ["import_directory"]


async def _walk_ids(step: Step, endpoint: str, page_size: int) -> list[str] | None:
    """Every id the walk of ``endpoint`` returned, in order (None: the walk failed)."""
    found: list[str] = []
    request = shapes.list_resources(step.profile, endpoint)
    try:
        async for page in pages(step.client, request, page_size=page_size):
            step.counts.pages_read += 1
            found.extend(str(r["id"]) for r in page.resources if isinstance(r.get("id"), str))
    except ScimClientError as exc:
        index = step.plan("walk", endpoint.strip("/").lower())
        step.failed(index, exc)
        return None
    return found


async def import_directory(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Walk every user and group; each one the source pushed must come back exactly once."""
    options = options or ScenarioOptions()
    step = Step("import", client, profile, state, progress)
    for endpoint, kind, keys in (
        ("/Users", "user", state.live_users()),
        ("/Groups", "group", state.live_groups()),
    ):
        found = await _walk_ids(step, endpoint, options.page_size)
        if found is None:
            continue
        twice = sorted(rid for rid, times in Counter(found).items() if times > 1)
        if twice:
            step.note(f"the {endpoint} walk returned {len(twice)} resources twice")
        returned = set(found)
        for key in keys:
            index = step.plan(f"import-{kind}", key)
            server_id = state.ids[key]
            if server_id not in returned:
                step.failed(index, f"{endpoint}/{server_id} was not returned by the walk")
                continue
            step.done(index, server_id=server_id)
            if kind == "user":
                step.counts.users_imported += 1
            else:
                step.counts.groups_imported += 1
    return step.finish()
