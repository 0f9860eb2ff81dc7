"""What the client checks share: evidence gathering, violations that carry their records, and
the map from the server's findings to the client check each one breaks.

A client check walks the traffic, calls :meth:`Evidence.ok` for each request that followed
the rule and :meth:`Evidence.bad` for each that broke it, then :meth:`Evidence.conclude`:
a violation (with the offending records) if any broke it, *not exercised* if none was
relevant, and a pass otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scim_harness.conformance.model import CheckFailed, NotExercised
from scim_harness.conformance.traffic.records import Record

__all__ = [
    "FINDING_CHECKS",
    "MAX_EXCHANGES",
    "MAX_LISTED",
    "Evidence",
    "TrafficViolation",
]

MAX_LISTED = 5
"""Offending requests named in a message; the rest are counted."""
MAX_EXCHANGES = 10
"""Offending requests attached to a verdict as evidence."""

# Each deviation the reference server tolerates (lenient mode) or refuses naming it (strict
# mode) -> the client check it breaks. tests/test_conformance_client_findings.py keeps this
# complete against reference_server.protocol.findings.FINDINGS.
FINDING_CHECKS: dict[str, str] = {
    "LENIENT-OP-CASE": "CLI-PAT-002",
    "LENIENT-STRING-BOOLEAN": "CLI-BOOL-001",
    "LENIENT-DOTTED-KEY": "CLI-PAT-004",
    "LENIENT-SINGLE-AS-ARRAY": "CLI-CRT-007",
    "LENIENT-COMPLEX-AS-STRING": "CLI-CRT-007",
    "LENIENT-READONLY-ECHO": "CLI-PAT-005",
    "LENIENT-MEMBERS-REMOVE-LIST": "CLI-GRP-004",
    "LENIENT-ADD-FILTER-CREATES": "CLI-PAT-004",
    "LENIENT-FILTER-VALUE-PATH": "CLI-LOOK-002",
    "LENIENT-UNKNOWN-PARAM": "CLI-TRN-005",
    "LENIENT-UNKNOWN-ATTRIBUTE": "CLI-CRT-009",
    "LENIENT-UNKNOWN-SCHEMA": "CLI-CRT-009",
    "INFO-MEDIA-TYPE": "CLI-TRN-002",
}


class TrafficViolation(CheckFailed):
    """A client check failed; ``records`` are the requests that show it."""

    def __init__(self, message: str, records: Sequence[Record]) -> None:
        super().__init__(message)
        self.records = list(records)


@dataclass
class Evidence:
    """What one check saw: how many requests the rule applied to, and which broke it."""

    subject: str
    """What was judged, plural: ``"user creates"``, ``"PATCH requests"``."""
    exercised: int = 0
    problems: list[tuple[Record, str]] = field(default_factory=list)

    def ok(self, record: Record | None = None) -> None:
        self.exercised += 1

    def bad(self, record: Record, why: str) -> None:
        self.exercised += 1
        self.problems.append((record, why))

    def judge(self, record: Record, why: str | None) -> None:
        """``bad`` when ``why`` says what was wrong, ``ok`` when it is None."""
        if why is None:
            self.ok(record)
        else:
            self.bad(record, why)

    def conclude(self, nothing: str) -> None:
        """Raise the verdict: a violation, or *not exercised* (``nothing`` says what was
        missing); return for a pass."""
        if self.problems:
            raise TrafficViolation(self.message(), [r for r, _ in self.problems[:MAX_EXCHANGES]])
        if not self.exercised:
            raise NotExercised(nothing)

    def message(self) -> str:
        count = len(self.problems)
        listed = "; ".join(f"{r.label()}: {why}" for r, why in self.problems[:MAX_LISTED])
        more = f"; and {count - MAX_LISTED} more" if count > MAX_LISTED else ""
        return f"{count} of {self.exercised} {self.subject} break the rule. {listed}{more}"
