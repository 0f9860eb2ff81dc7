"""An app's throttling and fault plan: settings data, read from and shown as camelCase JSON.

Two objects of the app settings (``throttle`` and ``faults``), each replaced whole by the
admin API (``null`` turns it off) and checked when set, so a bad plan is a 400 naming the
member and the running server never meets one:

    "throttle": {"rate": 10, "burst": 20, "concurrency": 4, "retryAfter": 2}
    "faults": {"seed": 7, "errorRate": 0.05, "errorStatuses": [500, 503],
               "lostCreateRate": 0.02, "slowRate": 0.1, "latencyMs": 800, "jitterMs": 200,
               "retryAfter": 1,
               "failNth": [{"nth": 3, "method": "POST", "endpoint": "Users", "status": 503}]}

:mod:`reference_server.http.faults` applies them to each request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from scim_harness.reference_server.protocol.errors import InvalidValue

__all__ = ["ENDPOINTS", "FAULT_STATUSES", "FailRule", "FaultPlan", "Throttle"]

FAULT_STATUSES = (429, 500, 502, 503, 504)
"""What a fault may answer: throttled, or a server error (RFC 9110 §15.6)."""
ENDPOINTS = ("Users", "Groups", "Bulk", "ServiceProviderConfig", "ResourceTypes", "Schemas", "Me")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_MAX_RETRY_AFTER = 3600
_MAX_LATENCY_MS = 60_000


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _members(cls: type, data: Any, where: str) -> dict[str, Any]:
    """``data`` as field name -> raw value; 400 for a non-object or an unknown member."""
    if not isinstance(data, dict):
        msg = f"app setting {where!r} must be a JSON object or null, not {data!r}"
        raise InvalidValue(msg)
    wire = {_camel(f.name): f.name for f in fields(cls)}
    unknown = sorted(set(data) - set(wire))
    if unknown:
        msg = f"{where}: unknown member {unknown[0]!r}; known: {', '.join(sorted(wire))}"
        raise InvalidValue(msg)
    return {wire[key]: value for key, value in data.items()}


def _number(value: Any, where: str, low: float, high: float, *, whole: bool = False) -> Any:
    kinds: tuple[type, ...] = (int,) if whole else (int, float)
    if type(value) not in kinds or not low <= value <= high:
        kind = "a whole number" if whole else "a number"
        msg = f"{where} must be {kind} from {low:g} to {high:g}, not {value!r}"
        raise InvalidValue(msg)
    return value


def _share(value: Any, where: str) -> float:
    return float(_number(value, where, 0, 1))


def _json(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, tuple):
            value = [v.as_json() if hasattr(v, "as_json") else v for v in value]
        out[_camel(f.name)] = value
    return out


@dataclass(frozen=True)
class Throttle:
    """Request-rate and concurrency limits, both answered 429 with ``Retry-After``."""

    rate: float = 0.0
    """Requests per second the app takes (a token bucket); 0: no rate limit."""
    burst: int = 0
    """How many requests may come at once before the rate applies; 0: one second's worth."""
    concurrency: int = 0
    """Requests in flight at once (arrival to answer); 0: no limit."""
    retry_after: int | None = None
    """Seconds sent in ``Retry-After``; None: when the bucket next has a request (at least 1)."""

    @property
    def bucket(self) -> float:
        """The bucket's depth."""
        return float(self.burst) if self.burst else float(max(1, math.ceil(self.rate)))

    def as_json(self) -> dict[str, Any]:
        return _json(self)

    @classmethod
    def from_json(cls, data: Any) -> Throttle:
        raw = _members(cls, data, "throttle")
        retry = raw.get("retry_after")
        return cls(
            rate=float(_number(raw.get("rate", 0), "throttle.rate", 0, 1_000_000)),
            burst=_number(raw.get("burst", 0), "throttle.burst", 0, 1_000_000, whole=True),
            concurrency=_number(
                raw.get("concurrency", 0), "throttle.concurrency", 0, 100_000, whole=True
            ),
            retry_after=None
            if retry is None
            else _number(retry, "throttle.retryAfter", 0, _MAX_RETRY_AFTER, whole=True),
        )


@dataclass(frozen=True)
class FailRule:
    """Answer the ``nth`` matching request (1-based, counted since the plan was set) with
    ``status``; ``carried_out``: do the work first, then answer as if the answer were lost."""

    nth: int
    status: int = 503
    method: str | None = None
    endpoint: str | None = None
    carried_out: bool = False
    retry_after: int | None = None
    """Seconds in ``Retry-After`` (sent with 429 and 503); None: the plan's ``retryAfter``."""

    def matches(self, method: str, endpoint: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.endpoint is None or self.endpoint == endpoint
        )

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in _json(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: Any, where: str) -> FailRule:
        raw = _members(cls, data, where)
        method = raw.get("method")
        if method is not None and (not isinstance(method, str) or method.upper() not in _METHODS):
            msg = f"{where}.method must be one of {', '.join(_METHODS)}, not {method!r}"
            raise InvalidValue(msg)
        endpoint = raw.get("endpoint")
        if endpoint is not None and endpoint not in ENDPOINTS:
            msg = f"{where}.endpoint must be one of {', '.join(ENDPOINTS)}, not {endpoint!r}"
            raise InvalidValue(msg)
        status = raw.get("status", 503)
        if status not in FAULT_STATUSES or type(status) is not int:
            msg = f"{where}.status must be one of {', '.join(map(str, FAULT_STATUSES))}"
            raise InvalidValue(msg)
        carried = raw.get("carried_out", False)
        if type(carried) is not bool:
            msg = f"{where}.carriedOut must be true or false, not {carried!r}"
            raise InvalidValue(msg)
        if carried and status == 429:
            msg = f"{where}: a 429 says the request was not processed (RFC 6585 §4): carriedOut"
            raise InvalidValue(msg + " must be false")
        retry = raw.get("retry_after")
        return cls(
            nth=_number(raw.get("nth"), f"{where}.nth", 1, 10**9, whole=True),
            status=status,
            method=None if method is None else method.upper(),
            endpoint=endpoint,
            carried_out=carried,
            retry_after=None
            if retry is None
            else _number(retry, f"{where}.retryAfter", 0, _MAX_RETRY_AFTER, whole=True),
        )


@dataclass(frozen=True)
class FaultPlan:
    """Seeded shares of failed and slow answers, and deterministic 'fail the Nth request'."""

    seed: int = 0
    error_rate: float = 0.0
    """Share of requests answered with one of ``error_statuses`` without being carried out."""
    error_statuses: tuple[int, ...] = (500, 503)
    lost_create_rate: float = 0.0
    """Share of successful creates (POST /Users, /Groups) answered 500 after the write."""
    slow_rate: float = 0.0
    """Share of requests answered late: ``latency_ms`` plus or minus up to ``jitter_ms``."""
    latency_ms: int = 0
    jitter_ms: int = 0
    retry_after: int = 1
    """Seconds in ``Retry-After`` on a 503 or 429 of the plan."""
    fail_nth: tuple[FailRule, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return _json(self)

    @classmethod
    def from_json(cls, data: Any) -> FaultPlan:
        raw = _members(cls, data, "faults")
        statuses = raw.get("error_statuses", [500, 503])
        if (
            not isinstance(statuses, list)
            or not statuses
            or any(s not in FAULT_STATUSES[1:] or type(s) is not int for s in statuses)
        ):
            msg = f"faults.errorStatuses must be a non-empty list of {FAULT_STATUSES[1:]}"
            raise InvalidValue(msg)
        rules = raw.get("fail_nth", [])
        if not isinstance(rules, list):
            msg = 'faults.failNth must be a list of rules such as {"nth": 3, "status": 503}'
            raise InvalidValue(msg)
        return cls(
            seed=_number(raw.get("seed", 0), "faults.seed", 0, 2**63 - 1, whole=True),
            error_rate=_share(raw.get("error_rate", 0), "faults.errorRate"),
            error_statuses=tuple(statuses),
            lost_create_rate=_share(raw.get("lost_create_rate", 0), "faults.lostCreateRate"),
            slow_rate=_share(raw.get("slow_rate", 0), "faults.slowRate"),
            latency_ms=_number(
                raw.get("latency_ms", 0), "faults.latencyMs", 0, _MAX_LATENCY_MS, whole=True
            ),
            jitter_ms=_number(
                raw.get("jitter_ms", 0), "faults.jitterMs", 0, _MAX_LATENCY_MS, whole=True
            ),
            retry_after=_number(
                raw.get("retry_after", 1), "faults.retryAfter", 0, _MAX_RETRY_AFTER, whole=True
            ),
            fail_nth=tuple(
                FailRule.from_json(rule, f"faults.failNth[{i}]") for i, rule in enumerate(rules)
            ),
        )
