"""What a conformance run produces: checks, verdicts with their evidence, and the report.

A :class:`Check` is a rule with a stable id, its RFC keyword level, the section or platform
rule it enforces, a one-line claim and a fix hint. A :class:`Result` is one verdict on one
check, with the exchanges that show why. A :class:`Report` holds a run's results; its exit
code is 0 only when no check at or above its ``fail_on`` level failed (MUST by default), and 3
when the run held nothing to judge.

Only the outcomes for which :attr:`Outcome.is_failure` holds count against a run: a new
outcome (say, "not evaluated: a precondition failed") is one more member whose
``is_failure`` is false, and every count, summary and exit code follows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "EXIT_NOTHING_TO_JUDGE",
    "FAIL_ON_CHOICES",
    "Check",
    "CheckFailed",
    "CheckSkipped",
    "Exchange",
    "Level",
    "NotExercised",
    "Outcome",
    "Report",
    "Result",
]


EXIT_NOTHING_TO_JUDGE = 3
"""Exit code of a client run whose traffic is too thin for a verdict (no create, too few)."""


class Level(StrEnum):
    """RFC 2119 keyword of the rule; platform rules are MUST."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"

    @classmethod
    def parse(cls, text: str) -> Level:
        """``must``/``should`` (any case) as a level; ValueError naming the choices."""
        try:
            return cls(text.upper())
        except ValueError:
            msg = f"expected one of {', '.join(FAIL_ON_CHOICES)}, got {text!r}"
            raise ValueError(msg) from None

    def reaches(self, threshold: Level) -> bool:
        """This level is ``threshold`` or stricter (MUST reaches SHOULD; MAY reaches nothing)."""
        order = (Level.MUST, Level.SHOULD)
        return self in order and threshold in order and order.index(self) <= order.index(threshold)


FAIL_ON_CHOICES = ("must", "should")
"""``--fail-on`` values: the lowest level whose failure fails the run (MAY never does)."""


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_EXERCISED = "not-exercised"
    ERROR = "error"

    @property
    def is_failure(self) -> bool:
        """A broken rule, or a check that could not finish: counts against the run."""
        return self in (Outcome.FAILED, Outcome.ERROR)


@dataclass(frozen=True)
class Check:
    """A rule the harness checks."""

    id: str
    """Stable id: ``SRV-FLT-003``, ``CLI-CRT-002``; reports, docs and CI gates name it."""
    side: str
    """``server`` or ``client``."""
    area: str
    """Group for reports and pytest markers, e.g. ``filter``, ``patch``, ``platform``."""
    level: Level
    reference: str
    """``RFC 7644 §3.4.2.2`` or ``Platform: required attributes``."""
    claim: str
    """One line: what a conforming implementation does."""
    fix: str
    """How to fix a failure, addressed to the integrator."""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["level"] = str(self.level)
        return data


@dataclass
class Exchange:
    """One HTTP request and its response, as evidence."""

    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: Any = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def headline(self) -> str:
        return f"{self.method} {self.url} -> {self.status}"


class CheckFailed(Exception):
    """Raised inside a check: the rule is broken; the message says how."""


class CheckSkipped(Exception):
    """Raised inside a check: it does not apply to this target (the message says why)."""


class NotExercised(Exception):
    """Raised inside a client check: the traffic holds no evidence either way."""


@dataclass
class Result:
    """One verdict on one check."""

    check: Check
    outcome: Outcome
    message: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    duration_ms: float = 0.0

    @property
    def blocking(self) -> bool:
        """A failed (or errored) MUST check: fails the run whatever ``fail_on`` says."""
        return self.blocks(Level.MUST)

    def blocks(self, fail_on: Level) -> bool:
        """A failure of a check at ``fail_on`` level or stricter: fails such a run."""
        return self.outcome.is_failure and self.check.level.reaches(fail_on)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.check.id,
            "check": self.check.as_json(),
            "outcome": str(self.outcome),
            "message": self.message,
            "duration_ms": round(self.duration_ms, 3),
            "exchanges": [e.as_json() for e in self.exchanges],
        }


@dataclass
class Report:
    """The results of one run against one target."""

    side: str
    target: str
    results: list[Result] = field(default_factory=list)
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    duration_s: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    """Run parameters worth printing: profile, seed, app..."""
    nothing_to_judge: str = ""
    """Why the run holds too little evidence for a verdict ("" when it holds enough)."""
    allow_empty: bool = False
    """Exit 0 rather than 3 when there is nothing to judge (``--allow-empty``)."""
    fail_on: Level = Level.MUST
    """The lowest level whose failure fails the run (``--fail-on``)."""

    def counts(self) -> dict[str, int]:
        out = {str(o): 0 for o in Outcome}
        for r in self.results:
            out[str(r.outcome)] += 1
        return out

    def failed(self, level: Level) -> list[Result]:
        """The checks of exactly ``level`` whose rule was broken (errors are counted apart)."""
        return [r for r in self.results if r.outcome is Outcome.FAILED and r.check.level is level]

    @property
    def blocking(self) -> list[Result]:
        """The failures that fail this run under its ``fail_on``."""
        return [r for r in self.results if r.blocks(self.fail_on)]

    @property
    def exit_code(self) -> int:
        """1 when a check at ``fail_on`` level or stricter failed; else 3 when there was nothing
        to judge; else 0."""
        if self.blocking:
            return 1
        if self.nothing_to_judge and not self.allow_empty:
            return EXIT_NOTHING_TO_JUDGE
        return 0

    def as_json(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "target": self.target,
            "started": self.started,
            "duration_s": round(self.duration_s, 3),
            "details": self.details,
            "counts": self.counts(),
            "nothing_to_judge": self.nothing_to_judge or None,
            "failed_by_level": {str(lv): len(self.failed(lv)) for lv in Level},
            "fail_on": self.fail_on.lower(),
            "exit_code": self.exit_code,
            "results": [r.as_json() for r in self.results],
        }
