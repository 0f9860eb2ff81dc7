"""A failed create is never re-POSTed blindly: the client looks the resource up first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimServerError, ScimTimeoutError
from scim_harness.simulated_client.wire import RequestSpec

BASE = "https://scim.test/v2"
CREATE = RequestSpec("POST", "/Users", body={"userName": "ann@x.example.com"})
LOOKUP = RequestSpec("GET", "/Users", query="filter=userName%20eq%20%22ann%40x.example.com%22")
FOUND = {"totalResults": 1, "Resources": [{"id": "u-1", "userName": "ann@x.example.com"}]}
EMPTY = {"totalResults": 0, "Resources": []}
CREATED = {"id": "u-2", "userName": "ann@x.example.com"}


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
async def client() -> AsyncIterator[ScimClient]:
    async with httpx.AsyncClient() as http:
        yield ScimClient(http, base_url=BASE, token="t", sleep=Sleeps(), retries=2)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def sequence(router: respx.MockRouter) -> list[str]:
    """Method of every request the mock saw, in order."""
    return [call.request.method for call in router.calls]


async def test_after_a_5xx_the_created_user_is_found_not_posted_again(
    client: ScimClient, router: respx.MockRouter
) -> None:
    """503 after POST, then the lookup finds the user: no second POST, the found id is used."""
    router.post("/Users").mock(return_value=httpx.Response(503))
    router.get("/Users").mock(return_value=httpx.Response(200, json=FOUND))
    reply = await client.create(CREATE, lookup=LOOKUP)
    assert sequence(router) == ["POST", "GET"]
    assert reply.recovered is True
    assert reply.resource_id() == "u-1"


async def test_after_a_5xx_an_absent_user_is_posted_again(
    client: ScimClient, router: respx.MockRouter
) -> None:
    """503 after POST and an empty lookup: the POST is repeated once the lookup said absent."""
    router.post("/Users").mock(side_effect=[httpx.Response(500), httpx.Response(201, json=CREATED)])
    lookup = router.get("/Users").mock(return_value=httpx.Response(200, json=EMPTY))
    reply = await client.create(CREATE, lookup=LOOKUP)
    assert sequence(router) == ["POST", "GET", "POST"]
    assert lookup.calls.last.request.url.query == LOOKUP.query.encode()
    assert reply.recovered is False
    assert reply.resource_id() == "u-2"


async def test_a_read_timeout_after_post_is_followed_by_a_lookup(
    client: ScimClient, router: respx.MockRouter
) -> None:
    """No answer in time may mean created: the client looks before it POSTs again."""
    router.post("/Users").mock(side_effect=httpx.ReadTimeout("slow"))
    router.get("/Users").mock(return_value=httpx.Response(200, json=FOUND))
    reply = await client.create(CREATE, lookup=LOOKUP)
    assert sequence(router) == ["POST", "GET"]
    assert reply.resource_id() == "u-1"


async def test_a_429_on_post_is_posted_again_without_lookup(
    client: ScimClient, router: respx.MockRouter
) -> None:
    """RFC 6585 §4: a 429 was not processed, so the POST is simply repeated."""
    router.post("/Users").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(201, json=CREATED),
        ]
    )
    reply = await client.create(CREATE, lookup=LOOKUP)
    assert sequence(router) == ["POST", "POST"]
    assert reply.resource_id() == "u-2"


async def test_a_refused_connection_on_post_is_posted_again_without_lookup(
    client: ScimClient, router: respx.MockRouter
) -> None:
    """A POST that never left the client cannot have created anything."""
    router.post("/Users").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(201, json=CREATED)]
    )
    await client.create(CREATE, lookup=LOOKUP)
    assert sequence(router) == ["POST", "POST"]


async def test_without_a_lookup_a_failed_post_is_not_repeated(
    client: ScimClient, router: respx.MockRouter
) -> None:
    """No way to check: the failure is raised after exactly one POST."""
    router.post("/Users").mock(return_value=httpx.Response(503))
    with pytest.raises(ScimServerError, match="POST /Users: server answered 503"):
        await client.create(CREATE)
    assert sequence(router) == ["POST"]


async def test_send_never_repeats_a_post(client: ScimClient, router: respx.MockRouter) -> None:
    """send() with a POST and a timeout raises at once; only create() may repeat it."""
    router.post("/Users").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ScimTimeoutError):
        await client.send(CREATE)
    assert sequence(router) == ["POST"]


async def test_repeated_failures_stop_after_the_retries(
    client: ScimClient, router: respx.MockRouter
) -> None:
    """With retries=2 and a server failing every POST: POST, GET, POST, GET, POST, then raise."""
    router.post("/Users").mock(return_value=httpx.Response(502))
    router.get("/Users").mock(return_value=httpx.Response(200, json=EMPTY))
    with pytest.raises(ScimServerError):
        await client.create(CREATE, lookup=LOOKUP)
    assert sequence(router) == ["POST", "GET", "POST", "GET", "POST"]


async def test_create_only_sends_posts(client: ScimClient) -> None:
    """create() refuses anything but a POST."""
    with pytest.raises(ValueError, match="create\\(\\) sends a POST"):
        await client.create(RequestSpec("PUT", "/Users/1", body={}))
