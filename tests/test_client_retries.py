"""The client retries 5xx, timeouts and 429 with backoff, honours Retry-After, and gives up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx
from scim_harness.simulated_client.client import ScimClient, parse_retry_after
from scim_harness.simulated_client.errors import (
    ScimRateLimited,
    ScimServerError,
    ScimTimeoutError,
    ScimTransportError,
)
from scim_harness.simulated_client.wire import RequestSpec

BASE = "https://scim.test/v2"
NOW = 1_700_000_000.0
GET_USERS = RequestSpec("GET", "/Users")


class Sleeps:
    """An injected sleep that returns at once and remembers every delay."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def client_for(http: httpx.AsyncClient, sleeps: Sleeps, **options: object) -> ScimClient:
    return ScimClient(http, base_url=BASE, token="t0k", sleep=sleeps, clock=lambda: NOW, **options)  # type: ignore[arg-type]


def ok_list() -> httpx.Response:
    return httpx.Response(200, json={"totalResults": 0, "Resources": []})


async def test_5xx_is_retried_with_exponential_backoff(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """503 and 502 are retried after 0.5 s then 1 s; the third answer is returned."""
    route = router.get("/Users").mock(
        side_effect=[httpx.Response(503), httpx.Response(502), ok_list()]
    )
    reply = await client_for(http, sleeps).send(GET_USERS)
    assert reply.status == 200
    assert route.call_count == 3
    assert sleeps.delays == [0.5, 1.0]


async def test_retries_are_bounded(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """With retries=3 a server that keeps failing is asked four times, then the error is raised."""
    route = router.get("/Users").mock(return_value=httpx.Response(500, text="boom"))
    with pytest.raises(ScimServerError, match=r"GET /Users: server answered 500: boom \(after 4"):
        await client_for(http, sleeps, retries=3).send(GET_USERS)
    assert route.call_count == 4
    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_501_is_not_retried(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """501 Not Implemented is permanent: no retry."""
    route = router.get("/Users").mock(return_value=httpx.Response(501))
    with pytest.raises(ScimServerError):
        await client_for(http, sleeps).send(GET_USERS)
    assert route.call_count == 1


async def test_429_waits_the_retry_after_seconds(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """RFC 6585 §4: after 429 with Retry-After: 7 the next request comes 7 s later."""
    router.get("/Users").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), ok_list()]
    )
    reply = await client_for(http, sleeps).send(GET_USERS)
    assert reply.status == 200
    assert sleeps.delays == [7.0]


async def test_retry_after_as_an_http_date(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """RFC 9110 §10.2.3: Retry-After may be an HTTP-date; the wait runs until then."""
    when = format_datetime(datetime.fromtimestamp(NOW, UTC) + timedelta(seconds=30), usegmt=True)
    router.get("/Users").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": when}), ok_list()]
    )
    await client_for(http, sleeps).send(GET_USERS)
    assert sleeps.delays == [30.0]


async def test_retry_after_longer_than_max_wait_is_refused(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """A wait beyond max_wait is not shortened: the client stops and says why."""
    router.get("/Users").mock(return_value=httpx.Response(429, headers={"Retry-After": "600"}))
    with pytest.raises(ScimRateLimited, match="Retry-After asks for 600s"):
        await client_for(http, sleeps, max_wait=120.0).send(GET_USERS)
    assert sleeps.delays == []


async def test_retry_after_can_be_ignored_by_setting(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """honour_retry_after=False falls back to the exponential backoff."""
    router.get("/Users").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "9"}), ok_list()]
    )
    await client_for(http, sleeps, honour_retry_after=False).send(GET_USERS)
    assert sleeps.delays == [0.5]


async def test_rate_limit_still_there_after_retries(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """429 on every attempt ends in ScimRateLimited carrying the response."""
    router.get("/Users").mock(return_value=httpx.Response(429, headers={"Retry-After": "1"}))
    with pytest.raises(ScimRateLimited) as caught:
        await client_for(http, sleeps, retries=2).send(GET_USERS)
    assert caught.value.response.status_code == 429
    assert sleeps.delays == [1.0, 1.0]


async def test_timeouts_are_retried(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """A read timeout on a GET is retried after the backoff."""
    route = router.get("/Users").mock(side_effect=[httpx.ReadTimeout("slow"), ok_list()])
    reply = await client_for(http, sleeps).send(GET_USERS)
    assert reply.status == 200
    assert route.call_count == 2
    assert sleeps.delays == [0.5]


async def test_timeouts_exhausted_raise_a_timeout_error(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """Timeouts on every attempt raise ScimTimeoutError naming the timeout."""
    router.get("/Users").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ScimTimeoutError, match=r"GET /Users: no answer within 5s \(ReadTimeout\)"):
        await client_for(http, sleeps, retries=1, timeout=5.0).send(GET_USERS)
    assert sleeps.delays == [0.5]


async def test_an_unreachable_server_raises_a_transport_error(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """Connection refused, after the retries, says the server cannot be reached."""
    router.get("/Users").mock(side_effect=httpx.ConnectError("Connection refused"))
    with pytest.raises(ScimTransportError, match="cannot reach the server: Connection refused"):
        await client_for(http, sleeps, retries=2).send(GET_USERS)
    assert len(sleeps.delays) == 2


async def test_an_undecodable_answer_is_not_retried(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """A request error that is not a transport failure is raised at once, as a client error."""
    route = router.get("/Users").mock(side_effect=httpx.DecodingError("bad gzip"))
    with pytest.raises(ScimTransportError, match="GET /Users: bad gzip"):
        await client_for(http, sleeps).send(GET_USERS)
    assert route.call_count == 1
    assert sleeps.delays == []


async def test_the_timeout_is_passed_to_httpx(
    http: httpx.AsyncClient, sleeps: Sleeps, router: respx.MockRouter
) -> None:
    """Each request carries the client's timeout."""
    route = router.get("/Users").mock(return_value=ok_list())
    await client_for(http, sleeps, timeout=4.5).send(GET_USERS)
    assert route.calls.last.request.extensions["timeout"]["read"] == 4.5


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("120", 120.0, id="seconds"),
        pytest.param(" 3 ", 3.0, id="padded"),
        pytest.param("Tue, 14 Nov 2023 22:13:50 GMT", 30.0, id="http-date"),
        pytest.param("Mon, 13 Nov 2023 00:00:00 GMT", 0.0, id="date-in-the-past"),
        pytest.param("soon", None, id="garbage"),
    ],
)
def test_parse_retry_after(value: str, seconds: float | None) -> None:
    """Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    assert parse_retry_after(value, now=NOW) == seconds
