"""The client's wire basics: bearer token, headers, errors that say what the server answered,
a log of every exchange, a limit on requests in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from scim_harness.simulated_client.client import Reply, ScimClient
from scim_harness.simulated_client.errors import (
    ScimAuthError,
    ScimConflict,
    ScimHttpError,
    ScimNotFound,
    ScimRateLimited,
    ScimServerError,
)
from scim_harness.simulated_client.wire import RequestSpec

BASE = "https://scim.test/v2"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


async def no_sleep(delay: float) -> None:
    return None


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def scim_error(status: int, detail: str, scim_type: str | None = None) -> httpx.Response:
    body = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return httpx.Response(status, json=body)


async def test_bearer_token_and_request_headers_are_sent(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """RFC 6750 §2.1: the token goes in the Authorization header, next to the profile's headers."""
    route = router.post("/Users").mock(return_value=httpx.Response(201, json={"id": "1"}))
    client = ScimClient(http, base_url=BASE, token="s3cret", sleep=no_sleep)
    headers = (("Content-Type", "application/scim+json"), ("User-Agent", "tester/1"))
    await client.send(RequestSpec("POST", "/Users", headers=headers, body={"userName": "zoë"}))
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer s3cret"
    assert request.headers["content-type"] == "application/scim+json"
    assert request.headers["user-agent"] == "tester/1"
    assert request.content == '{"userName":"zoë"}'.encode()
    assert "s3cret" not in str(request.url)


async def test_the_base_url_of_the_http_client_is_used_without_one_of_our_own(
    router: respx.MockRouter,
) -> None:
    """Without base_url the request path is resolved against the httpx client's base URL."""
    route = router.get("/Users").mock(return_value=httpx.Response(200, json={}))
    async with httpx.AsyncClient(base_url=BASE) as http:
        await ScimClient(http, sleep=no_sleep).send(RequestSpec("GET", "/Users", query="count=1"))
    assert str(route.calls.last.request.url) == f"{BASE}/Users?count=1"


async def test_the_raw_query_string_is_sent_untouched(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """'+' and '%20' survive as the profile wrote them."""
    route = router.get("/Users").mock(return_value=httpx.Response(200, json={}))
    client = ScimClient(http, base_url=BASE, sleep=no_sleep)
    query = "aadOptscim062020&filter=userName+eq+%22a%2Bb%22"
    await client.send(RequestSpec("GET", "/Users", query=query))
    assert route.calls.last.request.url.query == query.encode()


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        pytest.param(400, ScimHttpError, id="400"),
        pytest.param(401, ScimAuthError, id="401"),
        pytest.param(403, ScimAuthError, id="403"),
        pytest.param(404, ScimNotFound, id="404"),
        pytest.param(409, ScimConflict, id="409"),
        pytest.param(501, ScimServerError, id="501"),
    ],
)
async def test_refusals_raise_by_status_and_are_not_retried(
    http: httpx.AsyncClient, router: respx.MockRouter, status: int, error_class: type[Exception]
) -> None:
    """A 4xx (and 501) is final: raised at once as the class for its status."""
    route = router.get("/Users").mock(return_value=scim_error(status, "nope"))
    with pytest.raises(error_class):
        await ScimClient(http, base_url=BASE, sleep=no_sleep).send(RequestSpec("GET", "/Users"))
    assert route.call_count == 1


async def test_an_error_says_what_the_server_answered(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """The message names the request, status, scimType and detail; the response is attached."""
    router.post("/Users").mock(return_value=scim_error(409, "userName is taken", "uniqueness"))
    client = ScimClient(http, base_url=BASE, sleep=no_sleep)
    with pytest.raises(ScimConflict) as caught:
        await client.send(RequestSpec("POST", "/Users", body={}))
    error = caught.value
    assert str(error) == "POST /Users: server answered 409 uniqueness: userName is taken"
    assert (error.status, error.scim_type, error.detail) == (409, "uniqueness", "userName is taken")
    assert error.response.json()["scimType"] == "uniqueness"


async def test_a_non_scim_error_body_is_quoted(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """An HTML or text error page is quoted (shortened) in the message."""
    router.get("/Users").mock(return_value=httpx.Response(400, text="<h1>Bad Request</h1>"))
    with pytest.raises(ScimHttpError, match="server answered 400: <h1>Bad Request</h1>"):
        await ScimClient(http, base_url=BASE, sleep=no_sleep).send(RequestSpec("GET", "/Users"))


async def test_extra_accepted_statuses_are_returned(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """A status the caller accepts (Okta's 404 for "absent") is returned, not raised."""
    router.get("/Users").mock(return_value=scim_error(404, "none"))
    client = ScimClient(http, base_url=BASE, sleep=no_sleep)
    reply = await client.send(RequestSpec("GET", "/Users"), ok={404})
    assert reply.status == 404
    assert await client.find(RequestSpec("GET", "/Users")) is None


async def test_find_returns_the_first_listed_resource(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """A ListResponse with resources gives the first; an empty one gives None."""
    router.get("/Users", params={"filter": "x"}).mock(
        return_value=httpx.Response(200, json={"Resources": [{"id": "a"}, {"id": "b"}]})
    )
    router.get("/Users").mock(return_value=httpx.Response(200, json={"Resources": []}))
    client = ScimClient(http, base_url=BASE, sleep=no_sleep)
    assert await client.find(RequestSpec("GET", "/Users", query="filter=x")) == {"id": "a"}
    assert await client.find(RequestSpec("GET", "/Users", query="filter=y")) is None


async def test_every_attempt_is_logged_with_the_token_redacted(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """Each attempt is an exchange: what was sent and what came back, retries included."""
    router.post("/Users").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(201, json={"id": "9"}),
        ]
    )
    client = ScimClient(http, base_url=BASE, token="s3cret", sleep=no_sleep)
    await client.create(RequestSpec("POST", "/Users", body={"userName": "a"}))
    first, second = client.exchanges
    assert (first.method, first.url, first.path, first.status, first.attempt) == (
        "POST", f"{BASE}/Users", "/Users", 429, 1,
    )  # fmt: skip
    assert (second.status, second.attempt, second.response_body) == (201, 2, {"id": "9"})
    assert first.request_body == {"userName": "a"}
    assert first.request_headers["Authorization"] == "Bearer <redacted>"
    assert "s3cret" not in str(second.to_dict())
    assert client.stats.requests == 2 and client.stats.retries == 1
    assert client.stats.statuses == {429: 1, 201: 1}


async def test_a_transport_failure_is_logged_without_status(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """An attempt that got no answer is logged with status None and the error."""
    router.get("/Users").mock(side_effect=[httpx.ConnectError("refused"), httpx.Response(200)])
    client = ScimClient(http, base_url=BASE, sleep=no_sleep)
    await client.send(RequestSpec("GET", "/Users"))
    assert [(e.status, e.error) for e in client.exchanges] == [(None, "refused"), (200, None)]


async def test_logging_can_be_switched_off(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """record=False keeps no exchanges (large runs) but still counts requests."""
    router.get("/Users").mock(return_value=httpx.Response(200))
    client = ScimClient(http, base_url=BASE, sleep=no_sleep, record=False)
    await client.send(RequestSpec("GET", "/Users"))
    assert client.exchanges == []
    assert client.stats.requests == 1


async def test_no_more_requests_in_flight_than_the_concurrency(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    """With concurrency=3, twenty concurrent sends never have more than three in flight."""
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):
            await asyncio.sleep(0)
        in_flight -= 1
        return httpx.Response(200)

    router.get("/Users").mock(side_effect=slow)
    client = ScimClient(http, base_url=BASE, sleep=no_sleep, concurrency=3)
    await asyncio.gather(*(client.send(RequestSpec("GET", "/Users")) for _ in range(20)))
    assert peak == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"concurrency": 0}, "concurrency must be at least 1", id="concurrency"),
        pytest.param({"retries": -1}, "retries must be zero or more", id="retries"),
        pytest.param({"backoff": -0.1}, "backoff must be zero or more", id="backoff"),
        pytest.param({"timeout": 0}, "timeout must be positive", id="timeout"),
    ],
)
async def test_impossible_settings_are_refused(
    http: httpx.AsyncClient, options: dict[str, float], message: str
) -> None:
    """Settings that cannot work raise ValueError."""
    with pytest.raises(ValueError, match=message):
        ScimClient(http, **options)  # type: ignore[arg-type]


def test_a_resource_id_comes_from_the_body_or_the_location() -> None:
    """The created id is read from the body, else from the Location header."""
    assert Reply(201, {"id": "a1"}, httpx.Headers()).resource_id() == "a1"
    location = httpx.Headers({"Location": "https://x/v2/Users/b2"})
    assert Reply(201, None, location).resource_id() == "b2"
    assert Reply(201, None, httpx.Headers()).resource_id() is None


def test_rate_limited_is_an_http_error() -> None:
    """The hierarchy lets callers catch every answered failure at once."""
    assert issubclass(ScimRateLimited, ScimHttpError)
