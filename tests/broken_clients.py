"""Deliberately broken SCIM clients, and the harness that records what any client sends.

:func:`record_client` runs the simulated client (a profile and a scenario) against the
in-process reference server and returns the app's traffic read back through the admin API,
exactly what ``scim-harness check client`` judges. Two seams make broken variants:

- a changed :class:`~simulated_client.profiles.catalogue.Profile` (``dataclasses.replace`` on ``RFC``);
- a :class:`RewritingTransport` between client and server that edits request bodies, for the
  faults no profile setting produces (a create without ``name.familyName``...), and
  :class:`RoutingTransport` that may also change the method or send a request twice (a group
  rename sent as a PUT, every create sent again);
- a :data:`Script` instead of a scenario, for faults that only a sequence shows (a re-sync that
  forgot which users it deactivated);

and one server variant, :class:`ThrottleFirst`, answers the first SCIM request with 429 and
``Retry-After`` (recording it as the reference server would), to see what the client does next.

:data:`BROKEN_CLIENTS` lists each broken client with the check meant to catch it. For faults
no simulated client makes, :func:`scim_record` and :func:`traffic_of` build request records by
hand, in the reference server's record format.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from scim_harness.conformance.client.expected import expected_from_json
from scim_harness.conformance.client.reconcile import fetch_platform
from scim_harness.conformance.traffic.recording import Traffic, fetch_traffic
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.protocol.schema import format_datetime
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.expected import intended_state
from scim_harness.simulated_client.generate.people import Population
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import RFC, Profile
from scim_harness.simulated_client.scenarios.catalogue import SCENARIOS, run_scenario
from scim_harness.simulated_client.scenarios.state import ScenarioOptions, ScenarioState
from scim_harness.simulated_client.wire import GROUP_SCHEMA
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "BROKEN_CLIENTS",
    "BrokenClient",
    "RewritingTransport",
    "RoutingTransport",
    "Script",
    "ThrottleFirst",
    "drop_from_user_writes",
    "record_client",
    "scim_record",
    "traffic_of",
]

APP = "demo"
ORIGIN = "http://testserver"
BASE_URL = f"{ORIGIN}/apps/{APP}/scim/v2"
ADMIN_URL = f"{ORIGIN}/admin"

Rewrite = Callable[[str, str, Any], Any]
"""(method, path, JSON body) -> the body to send instead."""
Route = Callable[[str, str, Any], list[tuple[str, Any]]]
"""(method, path, JSON body) -> the (method, body) requests to send instead; the client sees
the answer to the first."""
Script = Callable[[ScimClient, Profile, Population, ScenarioState], Awaitable[Any]]
"""What a broken client does, when no single scenario shows its fault; the state it is given
is the source's truth (what it means the directory to hold)."""


class RewritingTransport(httpx.AsyncBaseTransport):
    """Sends every request through ``inner`` after ``rewrite`` has edited its JSON body."""

    def __init__(self, inner: httpx.AsyncBaseTransport, rewrite: Rewrite) -> None:
        self.inner = inner
        self.rewrite = rewrite

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        if content:
            body = json.loads(content)
            changed = self.rewrite(request.method, request.url.path, copy.deepcopy(body))
            if changed != body:
                headers = [(k, v) for k, v in request.headers.items() if k != "content-length"]
                request = httpx.Request(
                    request.method, request.url, headers=headers, content=json.dumps(changed)
                )
        return await self.inner.handle_async_request(request)


class RoutingTransport(httpx.AsyncBaseTransport):
    """Sends what ``route`` makes of each JSON request through ``inner``; answers the first."""

    def __init__(self, inner: httpx.AsyncBaseTransport, route: Route) -> None:
        self.inner = inner
        self.route = route

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        if not content:
            return await self.inner.handle_async_request(request)
        body = json.loads(content)
        sends = self.route(request.method, request.url.path, copy.deepcopy(body))
        headers = [(k, v) for k, v in request.headers.items() if k != "content-length"]
        answers = []
        for method, changed in sends:
            again = httpx.Request(method, request.url, headers=headers, content=json.dumps(changed))
            answer = await self.inner.handle_async_request(again)
            await answer.aread()
            answers.append(answer)
        return answers[0]


def send_creates_twice(method: str, path: str, body: Any) -> list[tuple[str, Any]]:
    """A client that re-sends every create blindly (the second one is answered 409)."""
    if method == "POST" and path.endswith(("/Users", "/Groups")):
        return [(method, body), (method, body)]
    return [(method, body)]


def rename_groups_by_put(method: str, path: str, body: Any) -> list[tuple[str, Any]]:
    """A group rename sent as a PUT carrying only the name (which drops every member)."""
    operations = body.get("Operations") if isinstance(body, dict) else None
    if method == "PATCH" and "/Groups/" in path and isinstance(operations, list):
        renames = [op for op in operations if str(op.get("path", "")).lower() == "displayname"]
        if renames:
            put = {"schemas": [GROUP_SCHEMA], "displayName": renames[-1]["value"]}
            return [("PUT", put)]
    return [(method, body)]


def add_members_as_replace(method: str, path: str, body: Any) -> Any:
    """'Add these members' sent as a replace of the whole members list."""
    if method != "PATCH" or "/Groups/" not in path or not isinstance(body, dict):
        return body
    for op in body.get("Operations") or []:
        if op.get("op") == "add" and op.get("path") == "members":
            op["op"] = "replace"
    return body


async def resync_forgetting_deactivations(
    client: ScimClient, profile: Profile, population: Population, state: ScenarioState
) -> None:
    """Deactivate some users, then run a full provisioning again from a fresh state: the
    users the platform deleted on deactivation come back, active."""
    await run_scenario("deactivate", client, profile, population, state=state)
    await run_scenario("provision", client, profile, population)


async def deactivate_then_put_updates(
    client: ScimClient, profile: Profile, population: Population, state: ScenarioState
) -> None:
    """Deactivate some users, then update everyone by PUT from the local copy (active: true)."""
    options = ScenarioOptions(seed=population.seed, update_fraction=1.0)
    await run_scenario("deactivate", client, profile, population, options=options, state=state)
    await SCENARIOS["update"](client, profile, state, options=options)


def drop_from_user_writes(dotted: str) -> Rewrite:
    """A rewrite that removes ``dotted`` (``name.familyName``) from POST/PUT bodies of users."""
    parent_path, _, leaf = dotted.rpartition(".")

    def rewrite(method: str, path: str, body: Any) -> Any:
        if method not in ("POST", "PUT") or "/Users" not in path or not isinstance(body, dict):
            return body
        parent = body
        for part in parent_path.split(".") if parent_path else []:
            parent = parent.get(part, {})
        if isinstance(parent, dict):
            parent.pop(leaf, None)
        return body

    return rewrite


class ThrottleFirst:
    """Answers the first ``count`` SCIM requests with 429 and ``Retry-After: seconds``.

    The refusal is written to the app's request record in the reference server's own format
    (with the Retry-After header kept), so the client suite sees what the client saw.
    """

    def __init__(self, app: ASGIApp, store: SqliteStore, seconds: int, count: int = 1) -> None:
        self.app = app
        self.store = store
        self.seconds = seconds
        self.remaining = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "/scim/v2" not in scope["path"] or self.remaining <= 0:
            await self.app(scope, receive, send)
            return
        self.remaining -= 1
        started = datetime.now(UTC)
        clock = time.perf_counter()
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        error = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "429",
            "detail": "too many requests",
        }
        payload = json.dumps(error).encode()
        headers = {"content-type": "application/scim+json", "retry-after": str(self.seconds)}
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": payload})
        raw = b"".join(chunks)
        request_headers = {
            k.decode("latin-1"): ("Bearer ***" if k.lower() == b"authorization" else v.decode())
            for k, v in scope["headers"]
        }
        record = {
            "at": format_datetime(started),
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": request_headers,
            "body": json.loads(raw) if raw else None,
            "status": 429,
            "response_headers": headers,
            "response": error,
            "elapsed_ms": round((time.perf_counter() - clock) * 1000, 3),
            "findings": [{"id": "REJECTED", "detail": "429 too many requests"}],
        }
        self.store.record_request(
            APP,
            record["at"],
            record["method"],
            record["path"],
            record["query"],
            record,
            ["REJECTED"],
            10_000,
        )


async def record_client(
    profile: Profile,
    scenario: str = "lifecycle",
    *,
    users: int = 8,
    groups: int = 3,
    seed: int = 7,
    app_settings: dict[str, Any] | None = None,
    rewrite: Rewrite | None = None,
    throttle: int | None = None,
    route: Route | None = None,
    script: Script | None = None,
    expect: bool = False,
) -> Traffic:
    """Run ``scenario`` (or ``script``) with ``profile`` on a fresh reference server; its
    traffic via /admin.

    ``expect``: the traffic also carries the platform view for the reconciliation checks:
    the end state the client meant (as ``push --expect-out`` writes it) and the directory.
    """
    store = SqliteStore(":memory:")
    try:
        boot = bootstrap(store, APP, settings=app_settings or {})
        app: ASGIApp = create_app(ServerSettings(), store=store)
        if throttle is not None:
            app = ThrottleFirst(app, store, throttle)
        transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=app)
        if rewrite is not None:
            transport = RewritingTransport(transport, rewrite)
        if route is not None:
            transport = RoutingTransport(transport, route)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
            client = ScimClient(
                http,
                base_url=BASE_URL,
                token=boot.token,
                concurrency=1,
                backoff=0.0,
                honour_retry_after=profile.honour_retry_after,
            )
            population = generate_population(users, groups, seed=seed)
            state = ScenarioState.fresh(population)
            if script is not None:
                await script(client, profile, population, state)
            else:
                await run_scenario(scenario, client, profile, population, state=state)
            traffic = await fetch_traffic(http, ADMIN_URL, boot.admin_token, APP)
            if expect:
                intended = expected_from_json(intended_state(state, profile), "expect-out")
                traffic.platform = await fetch_platform(
                    http, ADMIN_URL, boot.admin_token, APP, intended
                )
            return traffic
    finally:
        store.close()


@dataclass(frozen=True)
class BrokenClient:
    """A client with one fault, and the client check meant to catch it."""

    name: str
    catches: str
    profile: Profile
    scenario: str = "provision"
    rewrite: Rewrite | None = None
    throttle: int | None = None
    route: Route | None = None
    script: Script | None = None
    app_settings: dict[str, Any] | None = None
    also: frozenset[str] = field(default_factory=frozenset)
    """Other checks the same fault rightly breaks (never an unrelated one)."""


def _omits(path: str, catches: str, also: frozenset[str] = frozenset()) -> BrokenClient:
    return BrokenClient(
        f"omits-{path}",
        catches,
        replace(RFC, name=f"rfc-without-{path}"),
        rewrite=drop_from_user_writes(path),
        also=also,
    )


BROKEN_CLIENTS: tuple[BrokenClient, ...] = (
    # A create without userName cannot be matched to the lookup by userName that preceded it.
    _omits("userName", "CLI-CRT-001", frozenset({"CLI-LOOK-001"})),
    _omits("name.givenName", "CLI-CRT-002"),
    _omits("name.familyName", "CLI-CRT-003"),
    BrokenClient(
        "omits-work-email-type",
        "CLI-CRT-004",
        replace(RFC, name="rfc-untyped-email", email_type=False),
    ),
    _omits("displayName", "CLI-CRT-005"),
    _omits("active", "CLI-CRT-006"),
    BrokenClient(
        "string-booleans",
        "CLI-BOOL-001",
        replace(RFC, name="rfc-string-booleans", patch_booleans="string"),
        scenario="reactivate",
    ),
    BrokenClient(
        "delete-instead-of-deactivate",
        "CLI-DEA-001",
        replace(RFC, name="rfc-deleting", deactivation="delete"),
        scenario="reactivate",
    ),
    BrokenClient(
        "skips-lookups",
        "CLI-LOOK-001",
        replace(
            RFC, name="rfc-no-lookups", lookup_before_create=False, lookup_after_failed_create=False
        ),
        also=frozenset({"CLI-GRP-002"}),  # the group lookup is the same fault
    ),
    BrokenClient(
        "ignores-retry-after",
        "CLI-RATE-001",
        replace(RFC, name="rfc-impatient", honour_retry_after=False),
        throttle=1,
    ),
    # Issue 12: faults that only the sequence of requests shows.
    BrokenClient(
        "recreates-blindly",
        "CLI-STA-001",
        replace(RFC, name="rfc-posting-twice"),
        route=send_creates_twice,
    ),
    BrokenClient(
        "adds-members-by-replace",
        "CLI-STA-002",
        replace(RFC, name="rfc-replacing-members"),
        scenario="membership",
        rewrite=add_members_as_replace,
    ),
    BrokenClient(
        "renames-groups-by-put",
        "CLI-STA-002",
        replace(RFC, name="rfc-renaming-by-put"),
        scenario="rename-groups",
        route=rename_groups_by_put,
    ),
    BrokenClient(
        "resync-recreates-deactivated",
        "CLI-STA-003",
        replace(RFC, name="rfc-forgetful-resync"),
        script=resync_forgetting_deactivations,
        app_settings={"deleteOnDeactivate": True},
    ),
    BrokenClient(
        "put-update-reactivates",
        "CLI-STA-003",
        replace(RFC, name="rfc-put-local", update_style="put-local"),
        script=deactivate_then_put_updates,
    ),
    BrokenClient(
        "omits-externalId",
        "CLI-CRT-010",
        replace(RFC, name="rfc-without-externalId", external_id="omit"),
    ),
)


_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def scim_record(
    method: str,
    rel: str,
    *,
    body: Any = None,
    status: int = 200,
    response: Any = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    findings: tuple[tuple[str, str], ...] = (),
    at: float | None = None,
    elapsed_ms: float = 1.0,
    response_headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One request record as the reference server writes it; ``rel`` is below the base URL.

    ``at`` is seconds after a fixed epoch (``traffic_of`` spaces records 0.1 s apart when
    it is None).
    """
    sent = {"authorization": "Bearer ***"}
    if body is not None:
        sent["content-type"] = "application/scim+json"
    record: dict[str, Any] = {
        "method": method,
        "path": f"/apps/{APP}/scim/v2{rel}",
        "query": query,
        "headers": sent if headers is None else headers,
        "body": body,
        "status": status,
        "response_headers": response_headers or {"content-type": "application/scim+json"},
        "response": response,
        "elapsed_ms": elapsed_ms,
        "findings": [{"id": fid, "detail": detail} for fid, detail in findings],
    }
    if at is not None:
        record["at"] = format_datetime(_EPOCH + timedelta(seconds=at))
    return record


def traffic_of(*records: dict[str, Any]) -> Traffic:
    """Traffic of hand-built records, numbered from 1 and timed 0.1 s apart unless timed."""
    numbered = []
    for seq, record in enumerate(records, start=1):
        entry = {"seq": seq, **record}
        entry.setdefault("at", format_datetime(_EPOCH + timedelta(seconds=seq / 10)))
        numbered.append(entry)
    return Traffic(numbered, source="hand-built")
