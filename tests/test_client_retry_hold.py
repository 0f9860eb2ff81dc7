"""Retry-After holds every request of the client, not only the one that was refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.wire import RequestSpec

BASE = "https://scim.test/v2"


class Clock:
    """A clock that the recorded sleeps move forward."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.delays: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        self.now += delay
        await asyncio.sleep(0)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_a_429_holds_the_other_requests_too(http: httpx.AsyncClient) -> None:
    """After a 429 with Retry-After 5 on /Users, a request to /Groups sent afterwards waits
    the same 5 seconds; nothing reaches the server before."""
    clock = Clock()
    client = ScimClient(http, base_url=BASE, sleep=clock.sleep, clock=clock, concurrency=2)
    seen: list[tuple[str, float]] = []

    def answer(status: int, **headers: str) -> object:
        def respond(request: httpx.Request) -> httpx.Response:
            seen.append((request.url.path, clock.now))
            return httpx.Response(status, headers=headers, json={"Resources": []})

        return respond

    with respx.mock(base_url=BASE) as router:
        router.get("/Users").mock(
            side_effect=[answer(429, **{"Retry-After": "5"}), answer(200)]  # type: ignore[list-item]
        )
        router.get("/Groups").mock(side_effect=answer(200))
        await client.send(RequestSpec("GET", "/Users"))
        await client.send(RequestSpec("GET", "/Groups"))
    start = seen[0][1]
    assert [(path, at - start) for path, at in seen] == [
        ("/v2/Users", 0.0),
        ("/v2/Users", 5.0),
        ("/v2/Groups", 5.0),
    ]
    assert clock.delays == [5.0]


async def test_an_impatient_client_is_not_held(http: httpx.AsyncClient) -> None:
    """honour_retry_after=False (a broken client) backs off exponentially and holds nothing."""
    clock = Clock()
    client = ScimClient(
        http, base_url=BASE, sleep=clock.sleep, clock=clock, honour_retry_after=False, backoff=0.5
    )
    with respx.mock(base_url=BASE) as router:
        router.get("/Users").mock(
            side_effect=[httpx.Response(429, headers={"Retry-After": "5"}), httpx.Response(200)]
        )
        router.get("/Groups").mock(return_value=httpx.Response(200))
        await client.send(RequestSpec("GET", "/Users"))
        await client.send(RequestSpec("GET", "/Groups"))
    assert clock.delays == [0.5]
