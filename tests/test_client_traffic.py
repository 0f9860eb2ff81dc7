"""Every profile and scenario sends exactly the requests pinned in fixtures/traffic.

Regenerate (only after a deliberate change, then review the diff against CLIENT_BEHAVIOUR.md):
``SCIM_HARNESS_REGEN_TRAFFIC=1 python -m pytest tests/test_client_traffic.py`` (see
tests/traffic_support.py).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from scim_fake import BASE_URL, TOKEN, FakeScim
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import PROFILES, get_profile
from scim_harness.simulated_client.scenarios.catalogue import PREREQUISITES, run_scenario
from traffic_support import (
    REGENERATE,
    fixture_path,
    normalise,
    record_traffic,
    write_fixture,
)

CASES = [
    pytest.param(profile, scenario, id=f"{profile}-{scenario}")
    for profile in PROFILES
    for scenario in PREREQUISITES
]


def _first_difference(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> str:
    for index, (got, want) in enumerate(zip(actual, expected, strict=False)):
        if got != want:
            return (
                f"request #{index} differs:\n  sent:     {json.dumps(got, ensure_ascii=False)}\n"
                f"  recorded: {json.dumps(want, ensure_ascii=False)}"
            )
    return f"{len(actual)} requests sent, {len(expected)} recorded"


@pytest.mark.parametrize(("profile", "scenario"), CASES)
async def test_requests_match_the_recorded_traffic(profile: str, scenario: str) -> None:
    """Method, path, query encoding, headers and body of each request equal the fixture's."""
    document, _ = await record_traffic(profile, scenario)
    if REGENERATE:
        write_fixture(document)
    expected = json.loads(fixture_path(profile, scenario).read_text(encoding="utf-8"))
    assert document["requests"] == expected["requests"], _first_difference(
        document["requests"], expected["requests"]
    )


@pytest.mark.parametrize("profile", list(PROFILES))
def test_fixtures_exist_for_every_scenario(profile: str) -> None:
    """fixtures/traffic/<profile>/ holds one recording per scenario, none stale."""
    folder = fixture_path(profile, "provision").parent
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(PREREQUISITES)


async def _raw_bodies(profile: str, seed: int) -> list[bytes]:
    population = generate_population(8, 3, seed=seed, edge_cases=True)
    fake = FakeScim(seed=seed)
    with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        async with httpx.AsyncClient() as http:
            client = ScimClient(http, base_url=BASE_URL, token=TOKEN, concurrency=1)
            await run_scenario("lifecycle", client, get_profile(profile), population)
    ids = {resource_id: f"<{n}>" for n, (_, resource_id) in enumerate(fake.assigned)}
    return [
        normalise(f"{r.method} {r.url.raw_path.decode()} ", ids).encode()
        + normalise(r.content.decode(), ids).encode()
        for r in fake.requests
    ]


@pytest.mark.parametrize("profile", list(PROFILES))
async def test_same_seed_sends_byte_identical_requests(profile: str) -> None:
    """Two lifecycle runs with one seed send the same bytes, server ids aside."""
    first = await _raw_bodies(profile, seed=31)
    second = await _raw_bodies(profile, seed=31)
    assert first == second
    assert first != await _raw_bodies(profile, seed=32)


def test_the_probe_and_all_bodies_are_utf8_json() -> None:
    """Fixtures are valid JSON with non-ASCII kept as UTF-8."""
    text = fixture_path("rfc", "provision").read_text(encoding="utf-8")
    assert "Łukasz" in text or "Zoë" in text
    json.loads(text)
