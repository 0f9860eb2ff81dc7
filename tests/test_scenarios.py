"""Scenarios do what they intend, count what happened, and treat deletion on deactivation right."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
import respx
from scim_fake import BASE_URL, TOKEN, FakeScim
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimAuthError
from scim_harness.simulated_client.generate.people import Population
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import PROFILES, get_profile
from scim_harness.simulated_client.scenarios.catalogue import (
    deactivate,
    delete,
    membership,
    provision,
    reactivate,
    rename_groups,
    run_scenario,
    update,
)
from scim_harness.simulated_client.scenarios.state import ScenarioOptions, ScenarioState


async def no_sleep(delay: float) -> None:
    return None


@dataclass
class World:
    """A fake provider behind respx, a client to it, and a population."""

    fake: FakeScim
    client: ScimClient
    population: Population
    router: respx.MockRouter

    def state(self) -> ScenarioState:
        return ScenarioState.fresh(self.population)


@pytest.fixture
def fake() -> FakeScim:
    return FakeScim()


@pytest.fixture
def router(fake: FakeScim) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        fake.install(mock)
        yield mock


@pytest.fixture
async def world(fake: FakeScim, router: respx.MockRouter) -> AsyncIterator[World]:
    population = generate_population(12, 3, seed=5, edge_cases=True)
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=BASE_URL, token=TOKEN, concurrency=4, sleep=no_sleep)
        yield World(fake, client, population, router)


def user_ids(fake: FakeScim) -> set[str]:
    return set(fake.users)


async def test_provision_creates_users_groups_and_memberships(world: World) -> None:
    """Every user and group is created once, and each group holds its generated members."""
    state = world.state()
    result = await provision(world.client, get_profile("rfc"), state)
    counts = result.counts
    assert (counts.users_created, counts.groups_created, counts.failed) == (12, 3, 0)
    assert set(result.ids) == {u.key for u in world.population.users} | {
        g.key for g in world.population.groups
    }
    assert user_ids(world.fake) == {result.ids[u.key] for u in world.population.users}
    for group in world.population.groups:
        members = {m["value"] for m in world.fake.groups[result.ids[group.key]]["members"]}
        assert members == {result.ids[key] for key in group.member_keys}
    assert result.exchanges[0].path == "/ServiceProviderConfig"
    assert [c.kind for c in result.intended].count("create-user") == 12


async def test_provision_again_finds_instead_of_creating(world: World) -> None:
    """A second run with lookups adopts the existing users and groups: no POST, no conflict."""
    await provision(world.client, get_profile("entra"), world.state())
    before = len(world.fake.requests)
    again = await provision(world.client, get_profile("entra"), world.state())
    posts = [r for r in world.fake.requests[before:] if r.method == "POST"]
    assert posts == []
    assert (again.counts.users_found, again.counts.groups_found, again.counts.failed) == (12, 3, 0)
    assert {o.status for o in again.outcomes if o.change.kind == "create-user"} == {
        "found-existing"
    }


async def test_a_client_without_lookups_collides_on_the_second_run(world: World) -> None:
    """The naive client POSTs again and counts the 409s as failures with the server's words."""
    await provision(world.client, get_profile("naive"), world.state())
    again = await provision(world.client, get_profile("naive"), world.state())
    assert again.counts.failed == 15
    assert "server answered 409 uniqueness" in (again.failures[0].message or "")


async def test_a_failed_connection_test_stops_the_scenario(
    fake: FakeScim, router: respx.MockRouter
) -> None:
    """A refused token fails the connection test: nothing else is sent."""
    population = generate_population(3, 1, seed=1)
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=BASE_URL, token="wrong", sleep=no_sleep)
        with pytest.raises(ScimAuthError, match="401"):
            await provision(client, get_profile("okta"), ScenarioState.fresh(population))
    assert len(fake.requests) == 1


async def test_refused_creates_are_counted_and_the_run_goes_on(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Users the server refuses are failures with the server's detail; groups still follow."""
    create = world.fake._create

    def refuse_users(kind: str, store: dict[str, Any], body: Any) -> httpx.Response:
        if kind == "Users":
            refusal = {"status": "400", "scimType": "invalidValue", "detail": "no"}
            return httpx.Response(400, json=refusal)
        return create(kind, store, body)

    monkeypatch.setattr(world.fake, "_create", refuse_users)
    result = await provision(world.client, get_profile("rfc"), world.state())
    assert result.counts.failed == 12
    assert result.counts.groups_created == 3
    assert result.failures[0].message == "POST /Users: server answered 400 invalidValue: no"


async def test_update_changes_what_it_intends(world: World) -> None:
    """The server ends with the new names, e-mails and titles of the updated users."""
    state = world.state()
    await provision(world.client, get_profile("entra-2020"), state)
    result = await update(world.client, get_profile("entra-2020"), state)
    assert result.counts.users_updated == 6 and result.counts.failed == 0
    for change in result.intended:
        stored = world.fake.users[state.ids[change.key]]
        assert stored["name"]["familyName"] == change.detail["name.familyName"]
        assert stored["displayName"] == change.detail["displayName"]
        assert stored["emails"][0]["value"] == change.detail['emails[type eq "work"].value']


async def test_okta_updates_by_reading_then_replacing(world: World) -> None:
    """Okta GETs each user then PUTs it back changed."""
    state = world.state()
    await provision(world.client, get_profile("okta"), state)
    result = await update(world.client, get_profile("okta"), state)
    methods = [exchange.method for exchange in result.exchanges]
    assert methods == ["GET", "PUT"] * result.counts.users_updated
    key = result.intended[0].key
    assert world.fake.users[state.ids[key]]["name"]["familyName"] == state.users[key].family_name


async def test_okta_password_sync_sends_a_password_per_user(world: World) -> None:
    """Okta with password sync on sends a password on create (stable per user)."""
    okta = replace(get_profile("okta"), send_password=True)
    result = await provision(world.client, okta, world.state())
    posts = [e.request_body for e in result.exchanges if e.method == "POST" and e.path == "/Users"]
    passwords = [body["password"] for body in posts]
    assert len(set(passwords)) == 12 and all(p.startswith("Pw-") for p in passwords)


async def test_deactivate_a_fraction(world: World) -> None:
    """deactivate_fraction=0.25 of 12 users deactivates 3 of them."""
    state = world.state()
    await provision(world.client, get_profile("rfc"), state)
    options = ScenarioOptions(deactivate_fraction=0.25)
    result = await deactivate(world.client, get_profile("rfc"), state, options=options)
    assert result.counts.users_deactivated == 3
    inactive = {rid for rid, user in world.fake.users.items() if user["active"] is False}
    assert inactive == {state.ids[key] for key in state.deactivated}


async def test_deactivate_listed_users(world: World) -> None:
    """Listed keys are deactivated, and only they."""
    state = world.state()
    await provision(world.client, get_profile("entra"), state)
    options = ScenarioOptions(deactivate_keys=("user-000007", "user-000002"))
    result = await deactivate(world.client, get_profile("entra"), state, options=options)
    assert [c.key for c in result.intended] == ["user-000002", "user-000007"]
    assert state.deactivated == {"user-000002", "user-000007"}


async def test_unknown_listed_users_are_refused(world: World) -> None:
    """A key that names no generated user raises ValueError before anything is sent."""
    options = ScenarioOptions(deactivate_keys=("nobody",))
    with pytest.raises(ValueError, match="unknown user keys to deactivate: nobody"):
        await deactivate(world.client, get_profile("rfc"), world.state(), options=options)


async def test_reactivation_after_server_deletion_recreates_the_user(
    router: respx.MockRouter,
) -> None:
    """The server deleted on deactivation: reactivation POSTs again and restores memberships."""
    fake = FakeScim(delete_on_deactivate=True)
    fake.install(router)
    population = generate_population(10, 2, seed=9)
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=BASE_URL, token=TOKEN, sleep=no_sleep)
        state = ScenarioState.fresh(population)
        await provision(client, get_profile("entra"), state)
        options = ScenarioOptions(deactivate_keys=("user-000003",))
        await deactivate(client, get_profile("entra"), state, options=options)
        old_id = state.ids["user-000003"]
        assert old_id not in fake.users
        result = await reactivate(client, get_profile("entra"), state)
    outcome = result.outcomes[0]
    assert outcome.status == "recreated"
    assert old_id in (outcome.message or "") and state.ids["user-000003"] in (outcome.message or "")
    assert result.counts.users_recreated == 1 and result.counts.failed == 0
    assert result.counts.users_deleted_by_server == 1
    new_id = state.ids["user-000003"]
    assert fake.users[new_id]["active"] is True
    for group in population.groups:
        members = {m["value"] for m in fake.groups[state.ids[group.key]]["members"]}
        assert (new_id in members) == ("user-000003" in group.member_keys)


async def test_a_404_after_deactivation_is_expected_not_failed(router: respx.MockRouter) -> None:
    """Updating a user the server deleted on deactivation is an expected 404."""
    fake = FakeScim(delete_on_deactivate=True)
    fake.install(router)
    population = generate_population(4, 0, seed=9)
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=BASE_URL, token=TOKEN, sleep=no_sleep)
        state = ScenarioState.fresh(population)
        await provision(client, get_profile("rfc"), state)
        keys = tuple(user.key for user in population.users)
        await deactivate(
            client, get_profile("rfc"), state, options=ScenarioOptions(deactivate_keys=keys)
        )
        result = await update(
            client, get_profile("rfc"), state, options=ScenarioOptions(update_fraction=1.0)
        )
    assert {o.status for o in result.outcomes} == {"expected-404"}
    assert result.counts.failed == 0
    assert result.counts.users_deleted_by_server == 4


async def test_a_404_on_an_active_user_is_a_failure(world: World) -> None:
    """A user that vanished without being deactivated is a real failure."""
    state = world.state()
    await provision(world.client, get_profile("rfc"), state)
    world.fake.users.clear()
    result = await update(world.client, get_profile("rfc"), state)
    assert (result.counts.failed, result.counts.users_updated) == (6, 0)
    assert all("server answered 404" in (o.message or "") for o in result.failures)


async def test_naive_deactivation_deletes_and_reactivation_recreates(world: World) -> None:
    """The careless client DELETEs on deactivation, so reactivation has to POST again."""
    state = world.state()
    naive = get_profile("naive")
    await provision(world.client, naive, state)
    options = ScenarioOptions(deactivate_keys=("user-000004",))
    first = await deactivate(world.client, naive, state, options=options)
    assert [e.method for e in first.exchanges] == ["DELETE"]
    result = await reactivate(world.client, naive, state)
    assert result.outcomes[0].status == "recreated"
    assert "deleted by DELETE" in (result.outcomes[0].message or "")


async def test_membership_changes_leave_exactly_the_intended_members(world: World) -> None:
    """After adds and removes each group holds exactly the members the app intends."""
    state = world.state()
    for name in ("okta", "entra"):
        profile = get_profile(name)
        state = world.state()
        world.fake.users.clear()
        world.fake.groups.clear()
        await provision(world.client, profile, state)
        result = await membership(world.client, profile, state)
        assert result.counts.members_added > 0 and result.counts.members_removed > 0
        for key, members in state.members.items():
            stored = {m["value"] for m in world.fake.groups[state.ids[key]]["members"]}
            assert stored == {state.ids[user] for user in members}


async def test_rename_groups_gives_new_unique_names(world: World) -> None:
    """Every group is renamed on the server to the name the app now has."""
    state = world.state()
    await provision(world.client, get_profile("okta"), state)
    result = await rename_groups(world.client, get_profile("okta"), state)
    assert result.counts.groups_renamed == 3
    for key, name in state.group_names.items():
        assert world.fake.groups[state.ids[key]]["displayName"] == name
        assert name != world.population.group(key).display_name


async def test_entra_notes_a_200_where_it_expects_204(router: respx.MockRouter) -> None:
    """Entra expects 204 on group PATCH; a 200 is noted, not failed."""
    fake = FakeScim(group_patch_status=200)
    fake.install(router)
    population = generate_population(4, 1, seed=3)
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=BASE_URL, token=TOKEN, sleep=no_sleep)
        result = await provision(client, get_profile("entra"), ScenarioState.fresh(population))
    assert result.counts.failed == 0
    assert "entra expects 204 on a group PATCH; the server sent 200" in result.notes


async def test_okta_delete_deactivates_users_and_deletes_groups(world: World) -> None:
    """Okta never DELETEs a user: the delete scenario deactivates them and says so."""
    state = world.state()
    await provision(world.client, get_profile("okta"), state)
    result = await delete(world.client, get_profile("okta"), state)
    assert world.fake.groups == {}
    assert len(world.fake.users) == 12
    assert all(user["active"] is False for user in world.fake.users.values())
    assert "okta never DELETEs users: they are deactivated instead" in result.notes
    assert "DELETE" not in {e.method for e in result.exchanges if e.path.startswith("/Users")}


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize(
    "delete_on_deactivate", [False, True], ids=["keep", "delete-on-deactivate"]
)
async def test_lifecycle_succeeds_with_every_profile(
    router: respx.MockRouter, profile: str, delete_on_deactivate: bool
) -> None:
    """provision through delete with no unexpected failure, whatever the deactivation policy."""
    fake = FakeScim(delete_on_deactivate=delete_on_deactivate)
    fake.install(router)
    population = generate_population(15, 4, seed=2, edge_cases=True)
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=BASE_URL, token=TOKEN, concurrency=6, sleep=no_sleep)
        result = await run_scenario("lifecycle", client, get_profile(profile), population)
    assert [step.scenario for step in result.steps] == [
        "provision", "update", "deactivate", "reactivate", "membership", "rename-groups", "delete",
    ]  # fmt: skip
    assert result.counts.failed == 0, [o.message for o in result.failures]
    assert fake.groups == {}
    remaining = list(fake.users.values())
    assert all(user["active"] is False for user in remaining)
    deactivates = get_profile(profile).user_deletion == "deactivate"  # okta, pingfederate
    assert (remaining == []) == (not deactivates or delete_on_deactivate)


async def test_run_scenario_runs_prerequisites_first(world: World) -> None:
    """reactivate needs provisioned and deactivated users: those steps run before it."""
    result = await run_scenario("reactivate", world.client, get_profile("rfc"), world.population)
    assert [step.scenario for step in result.steps] == ["provision", "deactivate", "reactivate"]
    assert result.counts.users_reactivated == result.steps[1].counts.users_deactivated > 0


async def test_unknown_scenarios_are_refused(world: World) -> None:
    """An unknown scenario name lists the known ones."""
    with pytest.raises(ValueError, match=r"unknown scenario 'purge'.*lifecycle"):
        await run_scenario("purge", world.client, get_profile("rfc"), world.population)


def test_fractions_outside_zero_to_one_are_refused() -> None:
    """Scenario options check their fractions."""
    with pytest.raises(ValueError, match="deactivate_fraction must be between 0 and 1"):
        ScenarioOptions(deactivate_fraction=1.5)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int]] = []

    def start(self, label: str, total: int) -> None:
        self.events.append(("start", label, total))

    def advance(self, label: str) -> None:
        self.events.append(("advance", label, 1))


async def test_progress_is_reported_per_step(world: World) -> None:
    """A progress hook hears each step's total and one advance per item."""
    recorder = Recorder()
    await provision(world.client, get_profile("rfc"), world.state(), progress=recorder)
    starts = [(label, total) for kind, label, total in recorder.events if kind == "start"]
    assert ("create groups", 3) in starts
    advances = [label for kind, label, _ in recorder.events if kind == "advance"]
    assert advances.count("create managers") + advances.count("create reports") == 12


async def test_the_result_is_json_ready(world: World) -> None:
    """to_dict() serialises intended changes, outcomes, exchanges, ids and counts."""
    result = await run_scenario("update", world.client, get_profile("entra"), world.population)
    data: dict[str, Any] = json.loads(json.dumps(result.to_dict()))
    assert [step["scenario"] for step in data["steps"]] == ["provision", "update"]
    step = data["steps"][1]
    assert step["counts"]["users_updated"] == len(step["intended"]) == len(step["outcomes"])
    assert step["exchanges"][0]["method"] == "PATCH"
    assert data["counts"]["requests"] == len(world.fake.requests)
