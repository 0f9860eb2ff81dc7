"""The first requests each client sends (its "Test connection") and its paged listings.

Pure functions, no I/O: :func:`connection_probes` returns the requests of a profile's
connection test with what each must answer; :func:`judge_probe` says whether an answer passes
the way that client judges it (Entra ID fails the connection on a 404, OneLogin takes 404 as
"no such user", Okta wants a ListResponse with numeric paging fields). JumpCloud's test writes
(:func:`probe_user`, :func:`probe_group`): the scenario sends them, the server suite replays
them. :func:`list_page` and :func:`read_page` walk an endpoint with ``startIndex``/``count``
(RFC 7644 §3.4.2.4), as Okta's import and PingFederate's group matching do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from scim_harness.simulated_client.generate.people import GeneratedGroup, GeneratedUser
from scim_harness.simulated_client.profiles.model import Profile
from scim_harness.simulated_client.profiles.shapes import lookup_group, request, user_filter
from scim_harness.simulated_client.wire import LIST_RESPONSE_SCHEMA, RequestSpec

__all__ = [
    "Page",
    "Probe",
    "ProbeExpectation",
    "connection_probes",
    "judge_probe",
    "list_page",
    "probe_group",
    "probe_user",
    "read_page",
]

ProbeExpectation = Literal["absent", "page", "answer"]
"""``absent``: 200 with an empty ListResponse (or one of the profile's not-found statuses);
``page``: 200 with a ListResponse whose paging fields are integers; ``answer``: any 2xx."""


@dataclass(frozen=True, slots=True)
class Probe:
    """One request of a connection test and what the client needs back."""

    spec: RequestSpec
    expect: ProbeExpectation


def connection_probes(profile: Profile, *, probe: str) -> list[Probe]:
    """The read-only requests of the profile's connection test; ``probe`` is a random GUID.

    JumpCloud's test writes instead (``create-delete``): it has no read-only probe here, see
    :func:`probe_user` and :func:`probe_group`.
    """
    kind = profile.test_connection
    if kind == "service-provider-config":
        return [Probe(request(profile, "GET", "/ServiceProviderConfig"), "answer")]
    if kind == "list-count-2":
        params = [("startIndex", "1"), ("count", "2")]
        return [Probe(request(profile, "GET", "/Users", params=params), "page")]
    if kind == "list":
        return [Probe(request(profile, "GET", "/Users"), "answer")]
    if kind == "create-delete":
        return []
    params = [("filter", user_filter(profile, profile.user_match_attribute, probe))]
    probes = [Probe(request(profile, "GET", "/Users", params=params), "absent")]
    if profile.probe_groups_on_test:
        probes.append(Probe(lookup_group(profile, probe), "absent"))
    return probes


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list_problem(body: Any) -> str | None:
    if not isinstance(body, Mapping):
        return "the answer is not a JSON object"
    if LIST_RESPONSE_SCHEMA not in (body.get("schemas") or []):
        return f"schemas does not name {LIST_RESPONSE_SCHEMA}"
    if not _integer(body.get("totalResults")):
        return f"totalResults is {body.get('totalResults')!r}, not an integer"
    resources = body.get("Resources", [])
    if not isinstance(resources, list):
        return "Resources is not an array"
    return None


def judge_probe(profile: Profile, probe: Probe, status: int, body: Any) -> str | None:
    """Why ``profile`` would fail its connection test on this answer, or None when it passes."""
    name = profile.name
    if probe.expect == "absent":
        if status in profile.not_found_statuses:
            return None
        if status == 404:
            return (
                f"{name} fails the connection on 404: a filter that matches nothing must "
                "answer 200 with an empty ListResponse (RFC 7644 §3.4.2)"
            )
        if status != 200:
            return f"{name} needs 200 with an empty ListResponse, got {status}"
        problem = _list_problem(body)
        if problem is None and (body.get("totalResults") != 0 or body.get("Resources")):
            problem = "the filter on a name nobody has matched something"
        return None if problem is None else f"{name} needs an empty ListResponse: {problem}"
    if not 200 <= status < 300:
        return f"{name} needs a 2xx answer, got {status}"
    if probe.expect == "answer":
        return None
    problem = _list_problem(body)
    if problem is None:
        for field in ("startIndex", "itemsPerPage"):
            if not _integer(body.get(field)):
                problem = f"{field} is {body.get(field)!r}, not an integer"
    if problem is None and len(body.get("Resources") or []) > 2:
        problem = f"count=2 answered {len(body['Resources'])} resources"
    return None if problem is None else f"{name} needs a ListResponse page: {problem}"


def probe_user(profile: Profile, probe: str) -> GeneratedUser:
    """The user JumpCloud's connection test creates and deletes (the admin names its email;
    here it is derived from the probe so that runs do not collide)."""
    tag = probe.split("-")[0]
    email = f"scim-test-{tag}@example.com"
    return GeneratedUser(
        key=f"test-{tag}",
        user_name=email,
        given_name="Test",
        family_name="Connection",
        display_name="Test Connection",
        email=email,
    )


def probe_group(profile: Profile, probe: str) -> GeneratedGroup:
    """The group JumpCloud's connection test creates and deletes."""
    tag = probe.split("-")[0]
    return GeneratedGroup(key=f"test-{tag}", display_name=f"SCIM Test Group {tag}")


def list_page(profile: Profile, endpoint: str, start: int, count: int) -> RequestSpec:
    """``GET /{endpoint}?startIndex=..&count=..``: one page of a whole listing."""
    params = [("startIndex", str(start)), ("count", str(count))]
    return request(profile, "GET", endpoint, params=params)


@dataclass(frozen=True, slots=True)
class Page:
    """One page as a client reads it: its resources and the total it announces."""

    resources: list[dict[str, Any]]
    total: int


def read_page(body: Any, endpoint: str) -> Page:
    """The resources and ``totalResults`` of a ListResponse page; ValueError says what is off
    (a client that walks pages needs integer totals, RFC 7644 §3.4.2.4)."""
    problem = _list_problem(body)
    if problem is not None:
        msg = f"GET {endpoint}: not a usable page: {problem}"
        raise ValueError(msg)
    resources = [item for item in body.get("Resources") or [] if isinstance(item, dict)]
    return Page(resources, int(body["totalResults"]))
