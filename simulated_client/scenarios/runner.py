"""The bookkeeping every scenario step shares: planned changes, outcomes, bounded concurrency.

A :class:`Step` is opened at the start of a scenario, records each intended change with
:meth:`Step.plan` and its outcome with :meth:`Step.done` / :meth:`Step.failed`, runs work with
at most ``client.concurrency`` items in flight, and closes into a
:class:`~simulated_client.scenarios.results.ScenarioResult`.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

from scim_harness.simulated_client.client import Reply, ScimClient
from scim_harness.simulated_client.errors import ScimClientError
from scim_harness.simulated_client.profiles.catalogue import Profile
from scim_harness.simulated_client.scenarios.results import (
    Change,
    Outcome,
    OutcomeStatus,
    ScenarioResult,
)
from scim_harness.simulated_client.scenarios.state import NullProgress, Progress, ScenarioState

__all__ = ["Step", "pick"]


def pick(keys: Sequence[str], fraction: float, rng: random.Random) -> list[str]:
    """A seeded share of ``keys`` (at least one when the share is above zero), in their order."""
    if not keys or fraction <= 0:
        return []
    count = min(len(keys), max(1, round(len(keys) * fraction)))
    chosen = sorted(rng.sample(range(len(keys)), count))
    return [keys[index] for index in chosen]


class Step:
    """One scenario being run against one client with one profile."""

    def __init__(
        self,
        name: str,
        client: ScimClient,
        profile: Profile,
        state: ScenarioState,
        progress: Progress | None,
    ) -> None:
        self.name = name
        self.client = client
        self.profile = profile
        self.state = state
        self.progress: Progress = progress or NullProgress()
        self.result = ScenarioResult(scenario=name, profile=profile.name)
        self.counts = self.result.counts
        self._outcomes: dict[int, Outcome] = {}
        self._first_exchange = len(client.exchanges)
        self._first_request = client.stats.requests
        self._started = time.perf_counter()

    def plan(self, kind: str, key: str, **detail: Any) -> int:
        """Record an intended change; returns its index for :meth:`done`."""
        self.result.intended.append(Change(kind, key, detail))
        return len(self.result.intended) - 1

    def done(
        self,
        index: int,
        status: OutcomeStatus = "ok",
        *,
        server_id: str | None = None,
        message: str | None = None,
    ) -> None:
        change = self.result.intended[index]
        self._outcomes[index] = Outcome(change, status, server_id, message)

    def failed(self, index: int, error: ScimClientError | str) -> None:
        self.done(index, "failed", message=str(error))

    def note(self, text: str) -> None:
        if text not in self.result.notes:
            self.result.notes.append(text)

    def check_status(self, reply: Reply, expected: Collection[int], what: str) -> None:
        """Note (not fail) an answer the imitated client would not expect, e.g. 200 for 204."""
        if reply.status not in expected:
            wanted = " or ".join(str(status) for status in sorted(expected))
            self.note(
                f"{self.profile.name} expects {wanted} on {what}; the server sent {reply.status}"
            )

    async def each(
        self, label: str, items: Sequence[str], work: Callable[[str], Awaitable[None]]
    ) -> None:
        """Run ``work`` on every item, at most ``client.concurrency`` at a time, in order."""
        if not items:
            return
        self.progress.start(label, len(items))
        queue = iter(items)

        async def worker() -> None:
            for item in queue:
                await work(item)
                self.progress.advance(label)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(self.client.concurrency, len(items))):
                group.create_task(worker())

    def finish(self) -> ScenarioResult:
        result = self.result
        result.outcomes = [self._outcomes[index] for index in sorted(self._outcomes)]
        result.counts.failed = sum(1 for outcome in result.outcomes if outcome.status == "failed")
        result.exchanges = self.client.exchanges[self._first_exchange :]
        result.counts.requests = self.client.stats.requests - self._first_request
        result.ids = dict(self.state.ids)
        result.elapsed = time.perf_counter() - self._started
        return result
