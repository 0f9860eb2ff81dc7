"""Client checks on behaviour after refusals: 429/503 + Retry-After, 409 conflicts, failed POSTs.

The reference server's fault plan (app settings ``throttle`` and ``faults``) injects such
answers on purpose, each recorded with a ``FAULT-*`` finding, so these checks can be exercised
against any client pointed at a throttled app.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.utils import parsedate_to_datetime

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.model import NotExercised
from scim_harness.conformance.traffic.index import group_identity, user_identity
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = [
    "lookup_after_conflict",
    "lookup_after_failed_create",
    "retry_after_respected",
    "retry_after_seconds",
]

_CLOCK_SLACK = timedelta(milliseconds=10)
"""Recorded times are the server's; allow for its clock's resolution, nothing more."""


def retry_after_seconds(record: Record) -> float | None:
    """The wait a 429 asked for: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    value = record.response_headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    answered = record.answered_at
    if answered is None or moment.tzinfo is None:
        return None
    return max(0.0, (moment - answered).total_seconds())


@client_check(
    "CLI-RATE-001",
    level="SHOULD",
    area="ratelimit",
    reference="RFC 6585 §4; RFC 9110 §10.2.3",
    claim=(
        "After a 429 (or a 503) with Retry-After: s, the client sends nothing for at least "
        "s seconds."
    ),
    fix=(
        "On 429, or 503 with Retry-After, read Retry-After (seconds or an HTTP date) and "
        "pause every request to the server for that long before retrying; without the "
        "header, back off exponentially."
    ),
)
def retry_after_respected(traffic: Traffic) -> None:
    evidence = Evidence("429 and 503 answers with Retry-After")
    # RFC 9110 §10.2.3: with a 503, Retry-After says how long the service will be away.
    throttled = [
        r
        for r in traffic
        if r.status == 429 or (r.status == 503 and "retry-after" in r.response_headers)
    ]
    unreadable = 0
    for record in throttled:
        wait = retry_after_seconds(record)
        answered = record.answered_at
        if wait is None or answered is None:
            unreadable += 1
            continue
        until = answered + timedelta(seconds=wait) - _CLOCK_SLACK
        early = [
            r for r in traffic if r.at is not None and answered <= r.at < until and r is not record
        ]
        if early:
            first = min(early, key=lambda r: (r.at, r.seq))
            gap = (first.at - answered).total_seconds() if first.at else 0.0
            evidence.bad(
                record,
                f"Retry-After asked for {wait:g}s, but {first.label()} came {gap:.3f}s after "
                f"the answer ({len(early)} request(s) inside the window)",
            )
        else:
            evidence.ok(record)
    if not evidence.exercised and unreadable:
        msg = f"{unreadable} 429 answer(s) in the traffic, none with a readable Retry-After"
        raise NotExercised(msg)
    evidence.conclude("no 429 answer in the traffic")


def _identity_of(record: Record) -> frozenset[tuple[str, str]]:
    body = record.body
    return user_identity(body) if record.endpoint == "Users" else group_identity(body)


def _judge_reposts(
    traffic: Traffic, evidence: Evidence, failed: Callable[[Record], bool], what: str
) -> None:
    index = traffic.index
    creates = [r for r in traffic if r.is_create("Users") or r.is_create("Groups")]
    for position, record in enumerate(creates):
        if not failed(record):
            continue
        identity = _identity_of(record)
        if not identity:
            continue
        again = next(
            (
                r
                for r in creates[position + 1 :]
                if r.endpoint == record.endpoint and _identity_of(r) & identity
            ),
            None,
        )
        if again is None:
            evidence.ok(record)  # the client did not POST it again: nothing blind
        elif index.lookup_between(record.endpoint, identity, record.seq, again.seq) is None:
            evidence.bad(record, f"{what}, then {again.label()} without a lookup in between")
        else:
            evidence.ok(record)


@client_check(
    "CLI-RATE-002",
    level="SHOULD",
    area="ratelimit",
    reference="RFC 7644 §3.3, §3.12",
    claim="After a 409 on create, the client looks the resource up instead of POSTing it again.",
    fix=(
        "Treat 409 uniqueness as 'it already exists': GET /Users?filter=userName eq \"...\" "
        "and adopt (or update) the user found; never repeat the same POST."
    ),
)
def lookup_after_conflict(traffic: Traffic) -> None:
    evidence = Evidence("creates answered 409")
    _judge_reposts(traffic, evidence, lambda r: r.status == 409, "409 conflict")
    evidence.conclude("no create answered 409 in the traffic")


@client_check(
    "CLI-RATE-003",
    level="SHOULD",
    area="ratelimit",
    reference="RFC 9110 §9.2.2; RFC 6585 §4",
    claim="After a create that failed on the server's side (5xx), the client looks it up "
    "before POSTing again.",
    fix=(
        "POST is not idempotent: after a 5xx (or a timeout) the user may exist; GET it by "
        "userName first and POST again only when it is absent. (429 was not processed: a "
        "plain retry after Retry-After is fine.)"
    ),
)
def lookup_after_failed_create(traffic: Traffic) -> None:
    evidence = Evidence("creates that failed with 5xx")
    _judge_reposts(
        traffic, evidence, lambda r: r.status is not None and r.status >= 500, "a 5xx answer"
    )
    evidence.conclude("no create failed with a 5xx in the traffic")
