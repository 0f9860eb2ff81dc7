"""What an app's settings add to the request pipeline: throttling, faults and preset rules.

:class:`Behaviour` keeps, per app, the state its ``throttle`` and ``faults`` settings need (a
token bucket, the requests in flight, the request count and a seeded random generator) and
decides, once a request is authenticated, whether it is answered by the plan instead of the
handler. The state starts afresh whenever the app's plan changes, so "the 3rd request"
counts from the moment the plan was set. State lives in the process: with ``--workers N``
each worker keeps its own.

Every injected answer is an RFC 7644 §3.12 error body and notes a ``FAULT-*`` finding, so
the request record tells the client's behaviour after it (did it wait, retry, look up?)
from the server's. :func:`enforce_preset` applies the app's target preset (a platform's
published limits) before the handler runs.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scim_harness.reference_server.http.edge import scim_response
from scim_harness.reference_server.platform import preset_rules
from scim_harness.reference_server.platform.limits import FaultPlan, Throttle
from scim_harness.reference_server.platform.presets import load_preset
from scim_harness.reference_server.protocol.errors import ERROR_SCHEMA, ScimError
from scim_harness.reference_server.protocol.findings import Findings
from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from scim_harness.reference_server.http.pipeline import Call

__all__ = ["Admission", "Behaviour", "enforce_preset", "target_of"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]
_STATUS_TEXT = {
    429: "too many requests",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}
_ENDPOINTS = {"Users", "Groups", "Bulk", "Me", "ServiceProviderConfig", "ResourceTypes", "Schemas"}


def target_of(request: Request) -> preset_rules.Target:
    """The endpoint a request addresses, read from the path below the app's base URL."""
    rel = request.scope["path"].split("/scim/v2", 1)[-1]
    segments = [s for s in rel.split("/") if s]
    search = bool(segments) and segments[-1] == ".search"
    if search:
        segments = segments[:-1]
    endpoint = segments[0] if segments and segments[0] in _ENDPOINTS else ""
    if search and not segments:
        endpoint = ".search"
    resource_id = segments[1] if len(segments) == 2 and endpoint else None
    return preset_rules.Target(request.method, endpoint, resource_id, search)


def fault_response(status: int, detail: str, retry_after: int | None) -> Response:
    """An injected answer: the RFC 7644 §3.12 error body, ``Retry-After`` on 429 and 503."""
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    headers = {}
    if retry_after is not None and status in (429, 503):
        # RFC 6585 §4 / RFC 9110 §10.2.3: how long to wait before the next request.
        headers["Retry-After"] = str(retry_after)
    return scim_response(body, status, headers)


class _AppState:
    """One app's throttle and fault plan, and what they need to remember."""

    def __init__(self, throttle: Throttle | None, plan: FaultPlan | None, now: float) -> None:
        self.throttle = throttle
        self.plan = plan
        self.tokens = throttle.bucket if throttle else 0.0
        self.stamp = now
        self.in_flight = 0
        self.seen = 0
        self.matched = [0] * (len(plan.fail_nth) if plan else 0)
        self.random = random.Random(plan.seed if plan else 0)

    def take_token(self, now: float) -> float | None:
        """None when the bucket lets the request through; else the seconds until it would."""
        throttle = self.throttle
        if throttle is None or throttle.rate <= 0:
            return None
        self.tokens = min(throttle.bucket, self.tokens + (now - self.stamp) * throttle.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / throttle.rate


@dataclass
class Admission:
    """What the plan decided for one request: an answer instead of the handler's, or to lose
    the handler's answer after the work is done."""

    findings: Findings
    answer: Response | None = None
    lose: tuple[int, str, int | None] | None = None
    """(status, finding detail, Retry-After): carried out, then answered as if lost."""

    def settle(self, response: Response) -> Response:
        """The handler's answer, or the lost-answer fault in its place."""
        if self.lose is None or not 200 <= response.status_code < 300:
            return response
        status, detail, wait = self.lose
        self.findings.note("FAULT-LOST-ANSWER", detail)
        return fault_response(status, f"{_STATUS_TEXT[status]} (injected: {detail})", wait)


class _Admitting:
    """The ``async with`` of :meth:`Behaviour.admit` (a class: an app without a plan pays
    for two method calls, not for a generator)."""

    __slots__ = ("admission", "behaviour", "call", "state")

    def __init__(self, behaviour: Behaviour, call: Call) -> None:
        self.behaviour = behaviour
        self.call = call
        self.admission = Admission(call.findings)
        self.state: _AppState | None = None

    async def __aenter__(self) -> Admission:
        state = self.behaviour._state(self.call)
        if state is not None:
            state.in_flight += 1
            self.state = state
            try:
                await self.behaviour._decide(state, self.call, self.admission)
            except BaseException:  # e.g. cancelled during a slow answer: not in flight
                state.in_flight -= 1
                self.state = None
                raise
        return self.admission

    async def __aexit__(self, *exc: object) -> None:
        if self.state is not None:
            self.state.in_flight -= 1


class Behaviour:
    """Per-app throttling and fault state of one server process."""

    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self._apps: dict[str, _AppState] = {}

    def reset(self, app: str) -> None:
        """Forget ``app``'s counts, bucket and draws: its plan starts afresh."""
        self._apps.pop(app, None)

    def _state(self, call: Call) -> _AppState | None:
        settings = call.app.settings
        name = call.app.name
        if settings.throttle is None and settings.faults is None:
            self._apps.pop(name, None)
            return None
        state = self._apps.get(name)
        if state is None or (state.throttle, state.plan) != (settings.throttle, settings.faults):
            state = _AppState(settings.throttle, settings.faults, self.clock())
            self._apps[name] = state
        return state

    def admit(self, call: Call) -> _Admitting:
        """``async with behaviour.admit(call) as admission``: decide the request's fate; it
        counts as in flight until the block ends."""
        return _Admitting(self, call)

    async def _decide(self, state: _AppState, call: Call, admission: Admission) -> None:
        state.seen += 1
        target = target_of(call.request)
        findings = call.findings
        plan = state.plan
        self._fail_nth(state, target, admission)
        draws = (0.0, 0.0, 0.0, 0.0, 0)
        if plan is not None:
            # Every request draws the same numbers in the same order, whatever fires, so a
            # seed gives the same answers to the same sequence of requests.
            rng = state.random
            pick = rng.randrange(len(plan.error_statuses))
            draws = (rng.random(), rng.random(), rng.random(), rng.uniform(-1, 1), pick)
        error_draw, lost_draw, slow_draw, jitter, pick = draws
        if admission.answer is None:
            self._throttle(state, admission)
        if plan is None:
            return
        where = f"request {state.seen} since the plan was set, seed {plan.seed}"
        if admission.answer is None and error_draw < plan.error_rate:
            status = plan.error_statuses[pick]
            detail = f"errorRate {plan.error_rate:g}: {where}"
            findings.note("FAULT-ERROR", f"{status}; {detail}")
            text = f"{_STATUS_TEXT[status]} (injected: {detail})"
            admission.answer = fault_response(status, text, plan.retry_after)
        creates = target.method == "POST" and target.rtype and not target.resource_id
        if (
            admission.answer is None
            and admission.lose is None
            and creates
            and not target.search
            and lost_draw < plan.lost_create_rate
        ):
            admission.lose = (500, f"500; lostCreateRate {plan.lost_create_rate:g}: {where}", None)
        slow = slow_draw < plan.slow_rate and (plan.latency_ms or plan.jitter_ms)
        if slow and admission.answer is None:  # an injected refusal is answered at once
            delay = max(0.0, plan.latency_ms + jitter * plan.jitter_ms)
            findings.note(
                "FAULT-SLOW", f"answered {delay:.0f} ms late; slowRate {plan.slow_rate:g}"
            )
            await self.sleep(delay / 1000)

    def _throttle(self, state: _AppState, admission: Admission) -> None:
        """429 with Retry-After past the app's concurrency or request-rate limit."""
        throttle = state.throttle
        if throttle is None:
            return
        findings = admission.findings
        if throttle.concurrency and state.in_flight > throttle.concurrency:
            wait = throttle.retry_after if throttle.retry_after is not None else 1
            detail = (
                f"{state.in_flight} requests in flight, the app takes "
                f"{throttle.concurrency}; Retry-After {wait}"
            )
            findings.note("FAULT-CONCURRENCY-LIMIT", detail)
            admission.answer = fault_response(429, f"too many requests: {detail}", wait)
        elif (short := state.take_token(self.clock())) is not None:
            if throttle.retry_after is None:
                wait = max(1, math.ceil(short))  # when the bucket next holds a request
            else:
                wait = throttle.retry_after
            detail = f"more than {throttle.rate:g} requests per second; Retry-After {wait}"
            findings.note("FAULT-RATE-LIMIT", detail)
            admission.answer = fault_response(429, f"too many requests: {detail}", wait)

    def _fail_nth(
        self, state: _AppState, target: preset_rules.Target, admission: Admission
    ) -> None:
        plan = state.plan
        if plan is None:
            return
        for index, rule in enumerate(plan.fail_nth):
            if not rule.matches(target.method, target.endpoint):
                continue
            state.matched[index] += 1
            if state.matched[index] != rule.nth or admission.answer or admission.lose:
                continue
            scope = " ".join(p for p in (rule.method, rule.endpoint) if p) or "request"
            detail = f"failNth[{index}]: the {_ordinal(rule.nth)} {scope} answered {rule.status}"
            wait = rule.retry_after if rule.retry_after is not None else plan.retry_after
            if rule.carried_out:
                done = f"{rule.status}; {detail} after it was carried out"
                admission.lose = (rule.status, done, wait)
            elif rule.status == 429:
                admission.findings.note("FAULT-THROTTLED", f"{detail}; Retry-After {wait}")
                admission.answer = fault_response(
                    429, f"too many requests (injected: {detail})", wait
                )
            else:
                admission.findings.note("FAULT-ERROR", f"{rule.status}; {detail}")
                text = f"{_STATUS_TEXT[rule.status]} (injected: {detail})"
                admission.answer = fault_response(rule.status, text, wait)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def enforce_preset(call: Call) -> None:
    """Refuse the request when the app's target preset forbids it (before the handler)."""
    name = call.app.settings.preset
    if name is None:
        return
    target = target_of(call.request)
    if not target.endpoint:
        return  # unknown paths are answered 404/405 by the handler
    body: Any = None
    if call.body and target.method in ("POST", "PUT", "PATCH"):
        try:
            body = call.json()
        except ScimError:
            return  # the handler refuses the malformed body with the same error
    preset_rules.enforce(load_preset(name), target, body, dict(call.query), call.findings)
