"""Findings: the facts the server establishes about one request.

A finding is a fact, not a verdict: a deviation the server tolerated (lenient mode), a
refusal, or an effect of a platform rule. The request record keeps them; the conformance
suites judge them. Each kind has a stable id so reports and checks can name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scim_harness.reference_server.protocol.errors import ScimError

__all__ = ["FINDINGS", "Finding", "Findings"]

# Stable ids, each with what it means. The client conformance suite keys on these.
FINDINGS: dict[str, str] = {
    # Tolerated in lenient mode, refused in strict mode.
    "LENIENT-OP-CASE": "PATCH op not in lower case (e.g. 'Replace')",
    "LENIENT-STRING-BOOLEAN": 'boolean sent as a string (e.g. "False")',
    "LENIENT-DOTTED-KEY": 'path-less PATCH value with dotted keys (e.g. "name.givenName")',
    "LENIENT-SINGLE-AS-ARRAY": "multi-valued attribute sent as one object instead of an array",
    "LENIENT-COMPLEX-AS-STRING": (
        "complex attribute sent as a bare string (Entra ID's manager id), taken as its value"
    ),
    "LENIENT-READONLY-ECHO": "read-only attribute (id, meta, ...) echoed with its stored value",
    "LENIENT-MEMBERS-REMOVE-LIST": (
        "PATCH remove of 'members' with a value list (Entra ID); only those members removed"
    ),
    "LENIENT-ADD-FILTER-CREATES": (
        'PATCH add at a value filter matching nothing (e.g. emails[type eq "work"].value, '
        "Entra ID); the value the filter describes was created"
    ),
    "LENIENT-FILTER-VALUE-PATH": (
        'filter with a comparison after a value path (emails[type eq "work"].value eq "x", '
        "Entra ID), read as one more condition inside the brackets"
    ),
    "LENIENT-UNKNOWN-PARAM": "unknown query parameter ignored",
    "LENIENT-UNKNOWN-ATTRIBUTE": "attribute not defined by any schema of the resource ignored",
    "LENIENT-UNKNOWN-SCHEMA": "schema URI in 'schemas' that the resource type does not define",
    "INFO-MEDIA-TYPE": "request body sent as application/json or with no Content-Type",
    # Observations on well-formed requests.
    "INFO-READONLY-IGNORED": "read-only attribute in the input ignored (RFC 7643 §2.2)",
    "INFO-REMOVE-NO-MATCH": (
        "PATCH remove whose value filter matched nothing (e.g. a member no longer in the "
        "group); nothing removed, the operation succeeded"
    ),
    # Refusals: the request was answered with an error.
    "REJECTED": "request refused with a SCIM error",
    # Effects of the platform's rules.
    "EFFECT-DELETED-ON-DEACTIVATION": "user deleted by the app's delete-on-deactivation option",
    "EFFECT-DIRECTORY-WRITTEN": "platform directory record written from the mapping",
    "EFFECT-MEMBERSHIP-REMOVED": "user removed from groups because it was deleted",
    # Answers the app's throttling and fault plan injected (none is the client's fault; each
    # says what a well-behaved client does next: wait, retry, or look up before re-creating).
    "FAULT-RATE-LIMIT": "answered 429 with Retry-After: the app's request-rate limit was reached",
    "FAULT-CONCURRENCY-LIMIT": (
        "answered 429 with Retry-After: the app's limit of requests in flight was reached"
    ),
    "FAULT-THROTTLED": "answered 429 with Retry-After by the app's fault plan (fail the Nth)",
    "FAULT-ERROR": "answered 5xx by the app's fault plan; the request was not carried out",
    "FAULT-LOST-ANSWER": (
        "carried out, then answered 5xx by the app's fault plan, as if the answer were lost"
    ),
    "FAULT-SLOW": "answered late by the app's fault plan (latency with jitter)",
    # A target preset's published limit refused the request (the detail cites its source).
    "PRESET-RULE": "refused by a rule of the app's target preset (a platform's published limit)",
}


@dataclass(frozen=True)
class Finding:
    """One fact about a request: a stable id and a sentence naming the attribute or value."""

    id: str
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "detail": self.detail}


@dataclass
class Findings:
    """What the server found while handling one request, and how lenient it may be."""

    lenient: bool = True
    items: list[Finding] = field(default_factory=list)

    def tolerate(self, finding_id: str, detail: str, error: type[ScimError]) -> None:
        """Accept a deviation in lenient mode (recording it), refuse it in strict mode."""
        if not self.lenient:
            raise error(f"{detail} (strict mode; finding {finding_id})")
        self.items.append(Finding(finding_id, detail))

    def note(self, finding_id: str, detail: str) -> None:
        """Record an observation or an effect."""
        self.items.append(Finding(finding_id, detail))

    def as_json(self) -> list[dict[str, Any]]:
        return [f.as_json() for f in self.items]
