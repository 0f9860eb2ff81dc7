"""The simulated source-app client: Faker users and groups pushed over SCIM like real clients.

It speaks only HTTP, through an ``httpx.AsyncClient`` its caller passes in.

    population = generate_population(100, 5, seed=42)
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=url, token=token)
        result = await run_scenario("lifecycle", client, get_profile("entra"), population)
"""

from __future__ import annotations

from simulated_client.client import Exchange, Reply, ScimClient
from simulated_client.errors import (
    ScimAuthError,
    ScimClientError,
    ScimConflict,
    ScimHttpError,
    ScimNotFound,
    ScimRateLimited,
    ScimServerError,
    ScimTimeoutError,
    ScimTransportError,
)
from simulated_client.generate import generate_population
from simulated_client.people import GeneratedGroup, GeneratedUser, Population
from simulated_client.profiles import PROFILES, Profile, get_profile
from simulated_client.results import Change, Counts, Outcome, ScenarioResult
from simulated_client.scenarios import LIFECYCLE, SCENARIOS, run_scenario
from simulated_client.state import ScenarioOptions, ScenarioState
from simulated_client.wire import RequestSpec

__all__ = [
    "LIFECYCLE",
    "PROFILES",
    "SCENARIOS",
    "Change",
    "Counts",
    "Exchange",
    "GeneratedGroup",
    "GeneratedUser",
    "Outcome",
    "Population",
    "Profile",
    "Reply",
    "RequestSpec",
    "ScenarioOptions",
    "ScenarioResult",
    "ScenarioState",
    "ScimAuthError",
    "ScimClient",
    "ScimClientError",
    "ScimConflict",
    "ScimHttpError",
    "ScimNotFound",
    "ScimRateLimited",
    "ScimServerError",
    "ScimTimeoutError",
    "ScimTransportError",
    "generate_population",
    "get_profile",
    "run_scenario",
]
