"""Record the simulated client's requests for fixtures/traffic/<profile>/<scenario>.json.

Each scenario runs (after its prerequisites) against the respx fake provider in scim_fake.py
with a fixed seed and a small population that includes every edge case, one request at a time.
The requests of the scenario itself are kept: method, path below the base URL, raw query string,
the headers that matter, and the JSON body; server-assigned ids become ``<User-n>``/``<Group-n>``
in the order the fake assigned them.

To regenerate the fixtures after a deliberate change of a profile:

    SCIM_HARNESS_REGEN_TRAFFIC=1 python -m pytest tests/test_client_traffic.py

then read the diff of fixtures/traffic against shared/CLIENT_BEHAVIOUR.md before committing.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import respx
from scim_fake import BASE_URL, TOKEN, FakeScim
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import get_profile
from scim_harness.simulated_client.scenarios.catalogue import run_scenario

from scim_harness import fixtures

__all__ = [
    "POPULATION",
    "RECORDED_HEADERS",
    "REGENERATE",
    "fixture_path",
    "normalise",
    "record_traffic",
    "write_fixture",
]

POPULATION: dict[str, Any] = {"users": 6, "groups": 2, "seed": 7, "edge_cases": True}
RECORDED_HEADERS = ("accept", "content-type", "user-agent", "authorization")
REGENERATE = os.environ.get("SCIM_HARNESS_REGEN_TRAFFIC") == "1"
HTTPX_DEFAULT = "<httpx default>"


async def _no_sleep(delay: float) -> None:
    return None


def _placeholders(fake: FakeScim) -> dict[str, str]:
    counters: dict[str, int] = {}
    names: dict[str, str] = {}
    for kind, resource_id in fake.assigned:
        counters[kind] = counters.get(kind, 0) + 1
        names[resource_id] = f"<{kind}-{counters[kind]}>"
    return names


def normalise(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with every server-assigned id replaced by its placeholder."""
    if isinstance(value, str):
        for resource_id, name in ids.items():
            value = value.replace(resource_id, name)
        return value
    if isinstance(value, list):
        return [normalise(item, ids) for item in value]
    if isinstance(value, dict):
        return {normalise(key, ids): normalise(item, ids) for key, item in value.items()}
    return value


def _headers(request: httpx.Request) -> dict[str, str]:
    recorded: dict[str, str] = {}
    for name in RECORDED_HEADERS:
        value = request.headers.get(name)
        if value is None:
            continue
        if (name, value) == ("accept", "*/*") or (
            name == "user-agent" and value.startswith("python-httpx/")
        ):
            value = HTTPX_DEFAULT  # the profile sets none: whatever httpx sends
        recorded[name] = value
    return recorded


def _describe(request: httpx.Request, ids: dict[str, str]) -> dict[str, Any]:
    base_path = httpx.URL(BASE_URL).path
    body = json.loads(request.content) if request.content else None
    return normalise(
        {
            "method": request.method,
            "path": request.url.path.removeprefix(base_path),
            "query": request.url.query.decode("ascii"),
            "headers": _headers(request),
            "body": body,
        },
        ids,
    )


async def record_traffic(profile_name: str, scenario: str) -> tuple[dict[str, Any], FakeScim]:
    """The fixture document for one profile and scenario, and the fake that answered."""
    population = generate_population(
        POPULATION["users"],
        POPULATION["groups"],
        seed=POPULATION["seed"],
        edge_cases=POPULATION["edge_cases"],
    )
    fake = FakeScim()
    with respx.mock(assert_all_called=False) as router:
        fake.install(router)
        async with httpx.AsyncClient() as http:
            client = ScimClient(
                http, base_url=BASE_URL, token=TOKEN, concurrency=1, sleep=_no_sleep
            )
            profile = get_profile(profile_name)
            result = await run_scenario(scenario, client, profile, population)
    recorded_steps = result.steps if scenario == "lifecycle" else result.steps[-1:]
    count = sum(len(step.exchanges) for step in recorded_steps)
    ids = _placeholders(fake)
    requests = [_describe(request, ids) for request in fake.requests[len(fake.requests) - count :]]
    document = {
        "profile": profile_name,
        "scenario": scenario,
        "description": profile.description,
        "sources": list(profile.sources),
        "population": POPULATION,
        "regenerate": "SCIM_HARNESS_REGEN_TRAFFIC=1 python -m pytest tests/test_client_traffic.py",
        "requests": requests,
    }
    return document, fake


def fixture_path(profile_name: str, scenario: str) -> Any:
    return fixtures.path("traffic", profile_name, f"{scenario}.json")


def write_fixture(document: dict[str, Any]) -> None:
    path = fixture_path(document["profile"], document["scenario"])
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
