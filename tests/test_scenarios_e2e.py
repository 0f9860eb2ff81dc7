"""End to end: every profile's lifecycle against the in-process reference server.

After each step the server's stored state (read back over SCIM) must be what the scenario
intended: users with their current names, deactivated users inactive or deleted according to the
app's delete-on-deactivation option, group names and memberships exact.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import Profile, get_profile
from scim_harness.simulated_client.scenarios.catalogue import LIFECYCLE, SCENARIOS
from scim_harness.simulated_client.scenarios.results import ScenarioResult
from scim_harness.simulated_client.scenarios.state import ScenarioOptions, ScenarioState

BASE = "http://testserver/apps/demo/scim/v2"


@dataclass
class Server:
    http: httpx.AsyncClient
    token: str
    delete_on_deactivate: bool

    async def get(self, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return await self.http.get(f"{BASE}{path}", headers=headers)


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    s = SqliteStore(":memory:")
    yield s
    s.close()


@asynccontextmanager
async def _server(
    store: SqliteStore, profile: Profile, delete_on_deactivate: bool
) -> AsyncIterator[Server]:
    # Configure the app the way an integrator would for this client (Entra expects 204).
    group_patch_status = 204 if 204 in profile.expected_group_patch_statuses else 200
    settings = {
        "deleteOnDeactivate": delete_on_deactivate,
        "groupPatchStatus": group_patch_status,
    }
    boot = bootstrap(store, "demo", settings=settings)
    app = create_app(ServerSettings(), store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        yield Server(http, boot.token, delete_on_deactivate)


async def _check_users(server: Server, state: ScenarioState, profile: Profile) -> None:
    for key, user in state.users.items():
        if key not in state.ids:
            continue
        response = await server.get(f"/Users/{state.ids[key]}")
        if key in state.deleted:
            assert response.status_code == 404, (key, response.text)
            continue
        if key in state.deactivated and server.delete_on_deactivate:
            # RFC 7644 §3.6 and the platform option: a deactivated user is gone.
            assert response.status_code == 404, (key, response.text)
            continue
        assert response.status_code == 200, (key, response.text)
        stored = response.json()
        assert stored["userName"] == user.user_name
        assert stored["active"] is (key not in state.deactivated)
        assert stored["displayName"] == user.display_name
        assert stored["name"]["familyName"] == user.family_name
        work = [e["value"] for e in stored["emails"] if e.get("type") == "work"]
        assert work == [user.email]


async def _check_groups(server: Server, state: ScenarioState) -> None:
    live = set(state.live_users())
    gone = state.deactivated if server.delete_on_deactivate else set()
    for key, name in state.group_names.items():
        if key not in state.ids:
            continue
        response = await server.get(f"/Groups/{state.ids[key]}")
        if key in state.groups_deleted:
            assert response.status_code == 404
            continue
        assert response.status_code == 200, response.text
        stored = response.json()
        assert stored["displayName"] == name
        members = {member["value"] for member in stored.get("members", [])}
        intended = {state.ids[user] for user in state.members[key] & live if user not in gone}
        assert members == intended, key


async def _run_lifecycle(
    server: Server, profile: Profile
) -> tuple[list[ScenarioResult], ScenarioState]:
    population = generate_population(14, 4, seed=23, edge_cases=True)
    state = ScenarioState.fresh(population)
    options = ScenarioOptions(seed=23, deactivate_fraction=0.3)
    client = ScimClient(server.http, base_url=BASE, token=server.token, concurrency=4)
    results = []
    for name in LIFECYCLE:
        result = await SCENARIOS[name](client, profile, state, options=options)
        results.append(result)
        await _check_users(server, state, profile)
        await _check_groups(server, state)
    return results, state


def _profile_cases() -> list[Any]:
    return [
        pytest.param("rfc", id="rfc"),
        pytest.param("entra", id="entra"),
        pytest.param("entra-2020", id="entra-2020"),
        pytest.param("okta", id="okta"),
    ]


@pytest.mark.parametrize(
    "delete_on_deactivate", [False, True], ids=["keep", "delete-on-deactivate"]
)
@pytest.mark.parametrize("profile_name", _profile_cases())
async def test_lifecycle_leaves_the_intended_state(
    store: SqliteStore, profile_name: str, delete_on_deactivate: bool
) -> None:
    """Each step's outcome is on the server, and no request failed unexpectedly."""
    profile = get_profile(profile_name)
    async with _server(store, profile, delete_on_deactivate) as server:
        results, _ = await _run_lifecycle(server, profile)
    counts = {result.scenario: result.counts for result in results}
    assert counts["provision"].users_created == 14
    assert counts["deactivate"].users_deactivated == 4
    assert counts["reactivate"].users_reactivated == 4
    recreated = counts["reactivate"].users_recreated
    assert recreated == (4 if delete_on_deactivate else 0)
    assert all(not result.notes or "never DELETEs" in result.notes[0] for result in results)
    failures = [o.message for result in results for o in result.failures]
    assert failures == []


async def test_the_naive_client_is_refused_for_its_untyped_emails(store: SqliteStore) -> None:
    """The platform maps the work e-mail, so the careless client's users are refused, each
    with the server's reason; its groups still go through."""
    profile = get_profile("naive")
    async with _server(store, profile, False) as server:
        population = generate_population(5, 2, seed=3)
        client = ScimClient(server.http, base_url=BASE, token=server.token)
        state = ScenarioState.fresh(population)
        result = await SCENARIOS["provision"](client, profile, state)
    assert result.counts.failed == 5
    assert result.counts.groups_created == 2
    assert all(
        'emails[type eq "work"].value is required' in (outcome.message or "")
        for outcome in result.failures
    )
