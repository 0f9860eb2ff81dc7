"""The simulated source-app client: Faker users and groups pushed over SCIM like real clients.

It speaks only HTTP, through an ``httpx.AsyncClient`` its caller passes in.

    population = generate_population(100, 5, seed=42)
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=url, token=token)
        result = await run_scenario("lifecycle", client, get_profile("entra"), population)
"""

from __future__ import annotations

from scim_harness.simulated_client.client import Exchange, Reply, ScimClient
from scim_harness.simulated_client.errors import (
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
from scim_harness.simulated_client.generate.people import GeneratedGroup, GeneratedUser, Population
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import PROFILES, Profile, get_profile
from scim_harness.simulated_client.scenarios.catalogue import LIFECYCLE, SCENARIOS, run_scenario
from scim_harness.simulated_client.scenarios.results import Change, Counts, Outcome, ScenarioResult
from scim_harness.simulated_client.scenarios.state import ScenarioOptions, ScenarioState
from scim_harness.simulated_client.wire import RequestSpec

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
