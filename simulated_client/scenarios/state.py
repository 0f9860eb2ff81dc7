"""What the simulated source app knows between scenarios, and how a scenario is tuned.

:class:`ScenarioState` is the client's side of the truth: the current data of each user, the
server ids it learnt, which users it deactivated, which are gone from the server, and the
group memberships it intends. Scenarios read and update it, so ``lifecycle`` is just the
scenarios run in order on one state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from scim_harness.simulated_client.generate.people import GeneratedUser, Population

__all__ = ["NullProgress", "Progress", "ScenarioOptions", "ScenarioState"]


class Progress(Protocol):
    """Receives progress: a step starts with a total, then advances one item at a time."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, label: str) -> None: ...


class NullProgress:
    """Progress that goes nowhere."""

    def start(self, label: str, total: int) -> None:
        return None

    def advance(self, label: str) -> None:
        return None


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        msg = f"{name} must be between 0 and 1, got {value}"
        raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class ScenarioOptions:
    """Which users and groups each scenario touches; all choices are seeded by ``seed``."""

    seed: int = 0
    update_fraction: float = 0.5
    deactivate_fraction: float = 0.2
    deactivate_keys: tuple[str, ...] | None = None
    membership_fraction: float = 0.3
    rename_fraction: float = 1.0
    page_size: int = 100
    """Resources per page when a scenario walks a list (the import)."""

    def __post_init__(self) -> None:
        if self.page_size < 1:
            msg = f"page_size must be at least 1, got {self.page_size}"
            raise ValueError(msg)
        _check_fraction("update_fraction", self.update_fraction)
        _check_fraction("deactivate_fraction", self.deactivate_fraction)
        _check_fraction("membership_fraction", self.membership_fraction)
        _check_fraction("rename_fraction", self.rename_fraction)


@dataclass(slots=True)
class ScenarioState:
    """The client's view: current user data, server ids, lifecycle flags, intended members."""

    population: Population
    users: dict[str, GeneratedUser]
    group_names: dict[str, str]
    members: dict[str, set[str]]
    ids: dict[str, str] = field(default_factory=dict)
    deactivated: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    server_deleted: set[str] = field(default_factory=set)
    groups_deleted: set[str] = field(default_factory=set)
    order: dict[str, int] = field(default_factory=dict)

    @classmethod
    def fresh(cls, population: Population) -> ScenarioState:
        """Nothing provisioned yet."""
        return cls(
            population=population,
            users={user.key: user for user in population.users},
            group_names={group.key: group.display_name for group in population.groups},
            members={group.key: set(group.member_keys) for group in population.groups},
            order={user.key: index for index, user in enumerate(population.users)},
        )

    def sorted_users(self, keys: Sequence[str] | set[str]) -> list[str]:
        """``keys`` in population order."""
        return sorted(keys, key=self.order.__getitem__)

    def live_users(self) -> list[str]:
        """Users with a server id that are not known to be gone, in population order."""
        return [
            user.key
            for user in self.population.users
            if user.key in self.ids and user.key not in self.deleted
        ]

    def live_groups(self) -> list[str]:
        return [
            group.key
            for group in self.population.groups
            if group.key in self.ids and group.key not in self.groups_deleted
        ]

    def gone_is_expected(self, key: str) -> bool:
        """A 404 on this user is expected: deactivated (the server may delete on deactivation)."""
        return key in self.deactivated or key in self.deleted
