"""Pacing: at most N requests per second, however many are in flight.

A :class:`Pacer` hands out send slots ``1/N`` seconds apart: each request reserves the next free
slot and sleeps until it comes. Reservation is synchronous (one event loop), so concurrent
senders never share a slot and the long-run rate never exceeds N. The clock and the sleep are
injected, so tests check the schedule without waiting for it.

Real clients pace themselves: Microsoft documents that an app must take at least 25 requests
per second per tenant from Entra ID's provisioning, and Okta runs at most 75 requests at once
per org (35 on its free plan); a profile's ``rate`` and ``concurrency`` carry those defaults.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["Pacer"]


class Pacer:
    """Send slots ``1/rate`` seconds apart; :meth:`wait` sleeps until the caller's slot."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if not rate > 0:
            msg = f"rate must be positive, got {rate}"
            raise ValueError(msg)
        self.rate = rate
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def reserve(self) -> float:
        """The next free slot (a clock reading), now taken: at once if the pace allows."""
        now = self._clock()
        slot = now if self._next is None or self._next <= now else self._next
        self._next = slot + self.interval
        return slot

    async def wait(self) -> float:
        """Reserve a slot and sleep until it; returns the seconds slept (0 when on time)."""
        delay = self.reserve() - self._clock()
        if delay > 0:
            await self._sleep(delay)
            return delay
        return 0.0
