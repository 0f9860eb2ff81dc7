"""OneLogin, JumpCloud and PingFederate shapes; every profile's Test Connection, judged as its
IdP judges it; Okta's paged import; PingFederate's group matching by listing (respx)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
import respx
from scim_fake import BASE_URL, TOKEN, FakeScim
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimConnectionTestFailed
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles import probes, shapes
from scim_harness.simulated_client.profiles.catalogue import (
    ENTRA,
    JUMPCLOUD,
    OKTA,
    ONELOGIN,
    PINGFEDERATE,
    PROFILES,
    get_profile,
)
from scim_harness.simulated_client.profiles.model import Profile
from scim_harness.simulated_client.scenarios.catalogue import run_scenario
from scim_harness.simulated_client.scenarios.connection import run_connection_test
from scim_harness.simulated_client.scenarios.imports import import_accounts
from scim_harness.simulated_client.scenarios.state import ScenarioState

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
EMPTY = {"schemas": [LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}


async def no_sleep(delay: float) -> None:
    return None


def _client(http: httpx.AsyncClient) -> ScimClient:
    return ScimClient(http, base_url=BASE_URL, token=TOKEN, concurrency=1, sleep=no_sleep)


async def _connect(profile: Profile, answer: httpx.Response) -> list[httpx.Request]:
    with respx.mock(assert_all_called=False) as router:
        route = router.route(url__startswith=BASE_URL).mock(return_value=answer)
        async with httpx.AsyncClient() as http:
            await run_connection_test(_client(http), profile, seed=3)
        return [call.request for call in route.calls]


@pytest.mark.parametrize("profile", [p for p in PROFILES.values() if p.sources])
def test_every_idp_profile_names_public_sources(profile: Profile) -> None:
    """Each IdP profile cites where its facts come from (a URL or the shared notes)."""
    assert all(s.startswith(("https://", "shared/")) for s in profile.sources)


@pytest.mark.parametrize(
    ("profile", "answer", "passes"),
    [
        pytest.param(ENTRA, httpx.Response(200, json=EMPTY), True, id="entra-empty-list"),
        pytest.param(ENTRA, httpx.Response(404, json={}), False, id="entra-404-fails"),
        pytest.param(ONELOGIN, httpx.Response(404, json={}), True, id="onelogin-404-is-absent"),
        pytest.param(ONELOGIN, httpx.Response(200, json=EMPTY), True, id="onelogin-empty-list"),
        pytest.param(PINGFEDERATE, httpx.Response(200, json=EMPTY), True, id="pingfed-empty"),
        pytest.param(OKTA, httpx.Response(200, json=EMPTY), True, id="okta-integer-page"),
        pytest.param(
            OKTA,
            httpx.Response(200, json={**EMPTY, "totalResults": "0"}),
            False,
            id="okta-string-total-fails",
        ),
        pytest.param(
            ENTRA,
            httpx.Response(200, json={**EMPTY, "totalResults": 1, "Resources": [{"id": "x"}]}),
            False,
            id="entra-probe-matched-something",
        ),
    ],
)
async def test_connection_test_is_judged_as_the_idp_judges_it(
    profile: Profile, answer: httpx.Response, passes: bool
) -> None:
    """Entra fails on a 404 to its probe, OneLogin takes 404 as absent, Okta needs integers."""
    if passes:
        await _connect(profile, answer)
    else:
        with pytest.raises(ScimConnectionTestFailed, match=profile.name):
            await _connect(profile, answer)


async def test_okta_probe_is_the_count_2_page_and_more_than_2_fails() -> None:
    """Okta reads /Users?startIndex=1&count=2; a page of three resources fails its test."""
    three = {
        **EMPTY,
        "totalResults": 3,
        "itemsPerPage": 3,
        "Resources": [{"id": str(n)} for n in range(3)],
    }
    with pytest.raises(ScimConnectionTestFailed, match="count=2 answered 3"):
        await _connect(OKTA, httpx.Response(200, json=three))
    sent = await _connect(OKTA, httpx.Response(200, json=EMPTY))
    assert [r.url.query.decode() for r in sent] == ["startIndex=1&count=2"]


async def test_pingfederate_filters_with_its_template_in_any_case() -> None:
    """PingFederate's filter expression 'username Eq "%s"' is sent as written."""
    sent = await _connect(PINGFEDERATE, httpx.Response(200, json=EMPTY))
    assert sent[0].url.params["filter"].startswith('username Eq "')


async def test_jumpcloud_creates_and_deletes_a_test_user_and_group() -> None:
    """JumpCloud's test: POST user, DELETE it, POST group, DELETE it, and nothing is left."""
    fake = FakeScim()
    with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        async with httpx.AsyncClient() as http:
            await run_connection_test(_client(http), JUMPCLOUD, seed=3)
    calls = [(r.method, r.url.path.rsplit("/v2", 1)[1].split("/")[1]) for r in fake.requests]
    assert calls == [
        ("POST", "Users"),
        ("DELETE", "Users"),
        ("POST", "Groups"),
        ("DELETE", "Groups"),
    ]
    assert fake.users == {} and fake.groups == {}


async def test_jumpcloud_deactivates_its_test_user_when_delete_is_unsupported() -> None:
    """DELETE answered 405: the test user is deactivated instead (JumpCloud's documentation)."""
    sent: list[tuple[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append((request.method, request.url.path))
        if request.method == "POST":
            return httpx.Response(201, json={"id": "u1"})
        if request.method == "DELETE" and "/Users/" in request.url.path:
            return httpx.Response(405, json={"detail": "no DELETE"})
        return httpx.Response(204)

    with respx.mock() as router:
        router.route(url__startswith=BASE_URL).mock(side_effect=answer)
        async with httpx.AsyncClient() as http:
            await run_connection_test(_client(http), JUMPCLOUD, seed=3)
    assert [method for method, _ in sent] == ["POST", "DELETE", "PATCH", "POST", "DELETE"]


def test_onelogin_create_is_its_template() -> None:
    """OneLogin's template: "id": null, "active" as the text "true", meta, the enterprise URN."""
    user = generate_population(1, 0, seed=4).users[0]
    body = shapes.create_user(ONELOGIN, user).body
    assert body["id"] is None and body["active"] == "true"
    assert body["meta"] == {"resourceType": "User"}
    assert "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" in body["schemas"]


def test_onelogin_patches_emails_as_one_object() -> None:
    """A changed work email goes as path "emails" with one object, not an array."""
    user = generate_population(1, 0, seed=4).users[0]
    after = replace(user, email="new@example.com")
    ops = shapes.update_user(ONELOGIN, "u1", user, after).body["Operations"]
    assert {
        "op": "replace",
        "path": "emails",
        "value": {"value": "new@example.com", "type": "work", "primary": True},
    } in ops


def test_pingfederate_never_patches_users() -> None:
    """Updates and deactivation are PUTs of the whole user (active false to disable)."""
    user = generate_population(1, 0, seed=4).users[0]
    update = shapes.update_user(PINGFEDERATE, "u1", user, replace(user, family_name="X"))
    off = shapes.set_active(PINGFEDERATE, "u1", False, user)
    assert (update.method, off.method) == ("PUT", "PUT")
    assert off.body["active"] is False and off.body["userName"] == user.user_name
    with pytest.raises(ValueError, match="pass the user"):
        shapes.set_active(PINGFEDERATE, "u1", False)


def _paged_fake(users: int, groups: int, *, repeat: bool = False) -> Any:
    resources = {
        "/Users": [{"id": f"u{n}"} for n in range(users)],
        "/Groups": [{"id": f"g{n}"} for n in range(groups)],
    }

    def answer(request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.removeprefix(httpx.URL(BASE_URL).path)
        start = int(request.url.params["startIndex"])
        count = int(request.url.params["count"])
        items = resources[endpoint]
        first = start - 1 if not repeat else 0  # a server that ignores startIndex
        page = items[first : first + count]
        body = {
            "schemas": [LIST],
            "totalResults": len(items),
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": page,
        }
        return httpx.Response(200, json=body)

    return answer


async def _import(answer: Any, page: int) -> Any:
    profile = replace(OKTA, import_page_size=page)
    population = generate_population(0, 0, seed=1)
    with respx.mock() as router:
        route = router.route(url__startswith=BASE_URL).mock(side_effect=answer)
        async with httpx.AsyncClient() as http:
            result = await import_accounts(_client(http), profile, ScenarioState.fresh(population))
        return result, [r.request.url.query.decode() for r in route.calls]


async def test_okta_import_walks_start_index_and_count_to_total_results() -> None:
    """Seven users at 3 a page: startIndex 1, 4, 7; then the groups; nothing fails."""
    result, queries = await _import(_paged_fake(7, 2), page=3)
    assert queries == [
        "startIndex=1&count=3",
        "startIndex=4&count=3",
        "startIndex=7&count=3",
        "startIndex=1&count=3",
    ]
    assert (result.counts.users_imported, result.counts.groups_imported) == (7, 2)
    assert result.counts.failed == 0


async def test_an_import_fails_on_a_server_that_ignores_start_index() -> None:
    """Pages that repeat the first resources are reported as listed more than once."""
    result, _ = await _import(_paged_fake(5, 0, repeat=True), page=2)
    messages = [o.message or "" for o in result.failures]
    assert any("listed more than once" in m for m in messages), messages


async def test_profiles_that_do_not_import_send_nothing() -> None:
    """Entra does not import: the scenario notes it and sends no request."""
    fake = FakeScim()
    with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        async with httpx.AsyncClient() as http:
            result = await run_scenario(
                "import", _client(http), ENTRA, generate_population(2, 1, seed=1)
            )
    assert result.steps[-1].exchanges == []
    assert "entra does not import accounts: nothing sent" in result.notes


async def test_pingfederate_finds_existing_groups_by_listing_them_all() -> None:
    """A group already on the server is matched in the unfiltered listing, not created again."""
    population = generate_population(2, 1, seed=5)
    fake = FakeScim()
    with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        async with httpx.AsyncClient() as http:
            first = await run_scenario("provision", _client(http), PINGFEDERATE, population)
            again = await run_scenario("provision", _client(http), PINGFEDERATE, population)
    assert first.counts.groups_created == 1 and again.counts.groups_found == 1
    group_reads = [r for r in fake.requests if r.url.path.endswith("/Groups") and r.method == "GET"]
    assert group_reads and all("filter" not in r.url.params for r in group_reads)


def test_judge_probe_accepts_any_2xx_for_a_plain_answer() -> None:
    """The rfc profile's probe (ServiceProviderConfig) only needs a 2xx."""
    probe = probes.connection_probes(get_profile("rfc"), probe="g")[0]
    assert probes.judge_probe(get_profile("rfc"), probe, 200, {}) is None
    assert probes.judge_probe(get_profile("rfc"), probe, 500, None) is not None
