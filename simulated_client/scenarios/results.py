"""What a scenario returns: intended changes, their outcomes, the exchanges, ids and counts."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from scim_harness.simulated_client.client import Exchange

__all__ = ["Change", "Counts", "Outcome", "OutcomeStatus", "ScenarioResult"]

OutcomeStatus = Literal[
    "ok",  # done as intended
    "found-existing",  # a lookup found the resource: adopted, not created
    "recovered",  # a create failed ambiguously and the lookup found it created
    "recreated",  # the user was gone (deleted on deactivation): POSTed again, new id
    "expected-404",  # gone after deactivation: the server deletes on deactivation
    "skipped",  # nothing to do (e.g. never provisioned)
    "failed",  # the server refused or never answered
]


@dataclass(frozen=True, slots=True)
class Change:
    """One intended change, named by the internal key of the user or group it is about."""

    kind: str
    key: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "detail": self.detail}


@dataclass(slots=True)
class Outcome:
    """What became of one intended change."""

    change: Change
    status: OutcomeStatus
    server_id: str | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.change.to_dict(),
            "status": self.status,
            "server_id": self.server_id,
            "message": self.message,
        }


@dataclass(slots=True)
class Counts:
    """Tallies of one scenario (or the sum of several)."""

    users_created: int = 0
    users_found: int = 0
    users_recovered: int = 0
    managers_set: int = 0
    users_updated: int = 0
    users_deactivated: int = 0
    users_reactivated: int = 0
    users_recreated: int = 0
    users_deleted: int = 0
    users_deleted_by_server: int = 0
    groups_created: int = 0
    groups_found: int = 0
    groups_renamed: int = 0
    groups_deleted: int = 0
    members_added: int = 0
    members_removed: int = 0
    users_imported: int = 0
    groups_imported: int = 0
    pages_read: int = 0
    failed: int = 0
    requests: int = 0

    @property
    def created(self) -> int:
        return self.users_created + self.users_recovered + self.groups_created

    def add(self, other: Counts) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def to_dict(self) -> dict[str, int]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(slots=True)
class ScenarioResult:
    """One scenario: what was intended, sent and received, and what the server assigned.

    A run of several steps (``lifecycle``, or a scenario after its prerequisites) has them in
    ``steps`` and sums their intended changes, outcomes, exchanges and counts.
    """

    scenario: str
    profile: str
    intended: list[Change] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    steps: list[ScenarioResult] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]

    @property
    def requests_per_second(self) -> float:
        return self.counts.requests / self.elapsed if self.elapsed > 0 else 0.0

    @classmethod
    def combine(cls, scenario: str, profile: str, steps: list[ScenarioResult]) -> ScenarioResult:
        combined = cls(scenario=scenario, profile=profile, steps=steps)
        for step in steps:
            combined.intended.extend(step.intended)
            combined.outcomes.extend(step.outcomes)
            combined.exchanges.extend(step.exchanges)
            combined.counts.add(step.counts)
            combined.notes.extend(note for note in step.notes if note not in combined.notes)
            combined.elapsed += step.elapsed
            combined.ids = dict(step.ids)
        return combined

    def to_dict(self, *, exchanges: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scenario": self.scenario,
            "profile": self.profile,
            "counts": self.counts.to_dict(),
            "elapsed": round(self.elapsed, 6),
            "requests_per_second": round(self.requests_per_second, 3),
            "notes": list(self.notes),
            "ids": dict(self.ids),
        }
        if self.steps:
            data["steps"] = [step.to_dict(exchanges=exchanges) for step in self.steps]
            return data
        data["intended"] = [change.to_dict() for change in self.intended]
        data["outcomes"] = [outcome.to_dict() for outcome in self.outcomes]
        if exchanges:
            data["exchanges"] = [exchange.to_dict() for exchange in self.exchanges]
        return data
