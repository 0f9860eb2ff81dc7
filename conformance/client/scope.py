"""Which recorded requests the client suite judges, and whether they are enough to judge.

Three rules decide it, in this order:

1. **Attribution.** Requests whose ``User-Agent`` is the harness's own
   (``scim-harness/<version> (...)``, see :mod:`scim_harness.conformance.attribution`) are
   left out and counted: they are the server suite's, not the client's.
2. **Window.** ``--since`` / ``--until`` keep the records from / up to a point of the record,
   given as a ``seq`` (an integer) or an ISO 8601 date-time (UTC when it has no offset); both
   bounds are inclusive.
3. **Evidence threshold.** What is left must hold at least one create (``POST /Users``,
   ``POST /Groups``, or a Bulk ``POST`` operation) and at least :data:`MIN_REQUESTS` requests;
   otherwise the run has *nothing to judge*: ``check client`` exits 3 and every report says
   what was missing. A provisioning cycle that creates nothing shows none of what the suite
   judges (create bodies, lookups before creates, the state its writes produce).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scim_harness.conformance.attribution import is_harness_agent
from scim_harness.conformance.traffic.body import ci_get
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = [
    "MIN_REQUESTS",
    "Bound",
    "Scope",
    "Window",
    "count_creates",
    "evidence_gap",
    "parse_bound",
    "scope_traffic",
]

MIN_REQUESTS = 5
"""Fewest client requests worth a verdict: a connection test, a lookup, a create and a couple
of changes. Fewer than that is a probe, not a provisioning cycle."""

Bound = int | datetime
"""A point of the record: a ``seq`` or a moment."""


def parse_bound(text: str) -> Bound:
    """``"120"`` -> seq 120; ``"2026-01-31T12:00:00Z"`` -> that moment (naive means UTC).

    ``ValueError`` says what is accepted.
    """
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        msg = (
            f"{text!r} is neither a seq (a whole number) nor an ISO 8601 date-time such as "
            "2026-01-31T12:00:00Z"
        )
        raise ValueError(msg) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _describe(bound: Bound) -> str:
    return f"seq {bound}" if isinstance(bound, int) else bound.isoformat()


@dataclass(frozen=True)
class Window:
    """The part of the record to judge; ``None`` bounds are open."""

    since: Bound | None = None
    until: Bound | None = None

    def holds(self, record: Record) -> bool:
        return self._after(record, self.since) and self._before(record, self.until)

    @staticmethod
    def _after(record: Record, bound: Bound | None) -> bool:
        if bound is None:
            return True
        if isinstance(bound, int):
            return record.seq >= bound
        at = _aware(record.at)
        return at is not None and at >= bound

    @staticmethod
    def _before(record: Record, bound: Bound | None) -> bool:
        if bound is None:
            return True
        if isinstance(bound, int):
            return record.seq <= bound
        at = _aware(record.at)
        return at is not None and at <= bound

    def describe(self) -> str:
        parts = []
        if self.since is not None:
            parts.append(f"since {_describe(self.since)}")
        if self.until is not None:
            parts.append(f"until {_describe(self.until)}")
        return ", ".join(parts) or "the whole record"


@dataclass
class Scope:
    """The traffic to judge and what was left out of it."""

    judged: Traffic
    harness: Counter[str] = field(default_factory=Counter)
    """User-Agent -> requests of the harness itself left out."""
    outside_window: int = 0
    window: Window = field(default_factory=Window)

    @property
    def excluded(self) -> int:
        return sum(self.harness.values())

    def details(self) -> dict[str, Any]:
        """What a report says about the scope (how many were left out, and why)."""
        out: dict[str, Any] = {}
        if self.window.since is not None or self.window.until is not None:
            out["window"] = f"{self.window.describe()} ({self.outside_window} requests outside)"
        agents = ", ".join(f"{n} by {agent}" for agent, n in sorted(self.harness.items()))
        out["excluded"] = (
            f"{self.excluded} requests sent by scim-harness itself ({agents})"
            if self.excluded
            else "0 requests sent by scim-harness itself"
        )
        return out


def scope_traffic(traffic: Traffic, window: Window | None = None) -> Scope:
    """Leave out the harness's own requests and those outside ``window``."""
    window = window or Window()
    kept: list[dict[str, Any]] = []
    scope = Scope(judged=traffic, window=window)
    for record in traffic.requests:
        if not window.holds(record):
            scope.outside_window += 1
            continue
        agent = record.headers.get("user-agent")
        if is_harness_agent(agent):
            scope.harness[str(agent)] += 1
            continue
        kept.append(record.raw)
    if scope.outside_window or scope.excluded:
        scope.judged = Traffic(kept, source=traffic.source, platform=traffic.platform)
    return scope


def _bulk_posts(record: Record) -> int:
    if record.endpoint != "Bulk" or record.method != "POST":
        return 0
    operations = ci_get(record.body, "Operations")
    if not isinstance(operations, list):
        return 0
    return sum(
        1
        for op in operations
        if isinstance(ci_get(op, "method"), str) and ci_get(op, "method").upper() == "POST"
    )


def count_creates(traffic: Traffic) -> int:
    """Create requests: POST /Users, POST /Groups, and POST operations inside Bulk requests."""
    return sum(
        1 if r.is_create("Users") or r.is_create("Groups") else _bulk_posts(r) for r in traffic
    )


def evidence_gap(traffic: Traffic) -> str:
    """What the traffic lacks for a verdict ("" when it is enough); see the module docstring."""
    requests, creates = len(traffic.requests), count_creates(traffic)
    missing = []
    if not creates:
        missing.append("no create (POST /Users, POST /Groups or a Bulk POST)")
    if requests < MIN_REQUESTS:
        missing.append(f"{requests} client requests (at least {MIN_REQUESTS} are needed)")
    if not missing:
        return ""
    return "nothing to judge: " + " and ".join(missing)
