"""The simulated client walks lists with RFC 9865 cursors when advertised, else startIndex."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimClientError
from scim_harness.simulated_client.paging import paged_lookup
from scim_harness.simulated_client.profiles import shapes
from scim_harness.simulated_client.profiles.catalogue import get_profile
from scim_harness.simulated_client.walk import pages, walk
from scim_harness.simulated_client.wire import RequestSpec

BASE = "https://walk.test/scim/v2"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class Provider:
    """A respx provider of ``size`` users; cursors (``k<offset>``) when ``cursors`` is set."""

    def __init__(self, size: int, *, cursors: bool, max_page: int = 50) -> None:
        self.users = [{"id": f"u{n:03d}", "userName": f"user{n}"} for n in range(size)]
        self.cursors = cursors
        self.max_page = max_page
        self.requests: list[httpx.Request] = []

    def install(self, router: respx.MockRouter) -> None:
        router.route(url__startswith=BASE).mock(side_effect=self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/scim/v2")
        if path == "/ServiceProviderConfig":
            pagination = {"cursor": self.cursors, "index": True, "maxPageSize": self.max_page}
            return httpx.Response(200, json={"pagination": pagination})
        if request.method == "POST":
            params = {k: str(v) for k, v in json.loads(request.content).items() if k != "schemas"}
        else:
            params = dict(request.url.params)
        count = int(params.get("count", str(self.max_page)))
        assert count <= self.max_page, "the client asked for more than maxPageSize"
        body: dict[str, Any] = {"schemas": [LIST], "totalResults": len(self.users)}
        if "cursor" in params:
            assert self.cursors
            start = int(params["cursor"][1:]) if params["cursor"] else 0
            page = self.users[start : start + count]
            if start + count < len(self.users):
                body["nextCursor"] = f"k{start + count}"
        else:
            start = int(params.get("startIndex", "1")) - 1
            page = self.users[start : start + count]
            body["startIndex"] = start + 1
        body["Resources"] = page
        body["itemsPerPage"] = len(page)
        return httpx.Response(200, json=body)

    def sent(self) -> list[str]:
        return [
            f"{r.method} {r.url.path.removeprefix('/scim/v2')}?{r.url.query.decode()}"
            for r in self.requests
        ]


async def _walk(provider: Provider, paging: str, request: RequestSpec, size: int) -> list[str]:
    with respx.mock(assert_all_called=False) as router:
        provider.install(router)
        async with httpx.AsyncClient() as http:
            client = ScimClient(http, base_url=BASE, token="t", paging=paging)
            return [r["id"] async for r in walk(client, request, page_size=size)]


async def test_auto_reads_the_configuration_and_follows_next_cursor() -> None:
    """Cursors advertised: cursor= first, then each nextCursor as returned, to the last page."""
    provider = Provider(7, cursors=True)
    got = await _walk(provider, "auto", RequestSpec("GET", "/Users", "filter=x"), 3)
    assert got == [f"u{n:03d}" for n in range(7)]
    assert provider.sent() == [
        "GET /ServiceProviderConfig?",
        "GET /Users?filter=x&count=3&cursor=",
        "GET /Users?filter=x&count=3&cursor=k3",
        "GET /Users?filter=x&count=3&cursor=k6",
    ]


async def test_auto_without_cursors_pages_by_start_index() -> None:
    """No pagination.cursor: startIndex from 1 up to totalResults (RFC 7644 §3.4.2.4)."""
    provider = Provider(5, cursors=False)
    got = await _walk(provider, "auto", RequestSpec("GET", "/Users"), 2)
    assert got == [f"u{n:03d}" for n in range(5)]
    assert provider.sent()[1:] == [
        "GET /Users?startIndex=1&count=2",
        "GET /Users?startIndex=3&count=2",
        "GET /Users?startIndex=5&count=2",
    ]


@pytest.mark.parametrize(
    ("paging", "cursors", "first"),
    [
        pytest.param("cursor", True, "GET /Users?count=4&cursor=", id="cursor"),
        pytest.param(
            "index", True, "GET /Users?startIndex=1&count=4", id="index-on-a-cursor-server"
        ),
    ],
)
async def test_an_explicit_choice_reads_no_configuration(
    paging: str, cursors: bool, first: str
) -> None:
    """--paging cursor|index: no /ServiceProviderConfig request, the method as chosen."""
    provider = Provider(6, cursors=cursors)
    got = await _walk(provider, paging, RequestSpec("GET", "/Users"), 4)
    assert len(got) == 6
    assert provider.sent()[0] == first


async def test_the_page_size_is_capped_to_the_advertised_maximum() -> None:
    """A page size above maxPageSize asks for maxPageSize (RFC 9865 §4)."""
    provider = Provider(12, cursors=True, max_page=5)
    got = await _walk(provider, "auto", RequestSpec("GET", "/Users"), 100)
    assert len(got) == 12
    assert all("count=5" in line for line in provider.sent()[1:])


async def test_a_search_walk_carries_the_cursor_in_the_body() -> None:
    """POST /.search: count and cursor go in the SearchRequest (RFC 9865 §3)."""
    provider = Provider(5, cursors=True)
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    got = await _walk(provider, "cursor", RequestSpec("POST", "/Users/.search", body=body), 2)
    assert len(got) == 5
    sent = [json.loads(r.content) for r in provider.requests]
    assert [(b["count"], b["cursor"]) for b in sent] == [(2, ""), (2, "k2"), (2, "k4")]


async def test_the_configuration_is_read_once_for_many_walks() -> None:
    """Two walks with auto: one /ServiceProviderConfig request."""
    provider = Provider(3, cursors=True)
    with respx.mock(assert_all_called=False) as router:
        provider.install(router)
        async with httpx.AsyncClient() as http:
            client = ScimClient(http, base_url=BASE, token="t")
            for _ in range(2):
                assert len([r async for r in walk(client, RequestSpec("GET", "/Users"))]) == 3
    assert sum("/ServiceProviderConfig" in line for line in provider.sent()) == 1


async def test_a_cursor_that_does_not_move_stops_the_walk() -> None:
    """A server answering the cursor it was sent as nextCursor: an error, not a loop."""

    def stuck(request: httpx.Request) -> httpx.Response:
        body = {"schemas": [LIST], "Resources": [{"id": "x"}], "nextCursor": "same"}
        return httpx.Response(200, json=body)

    with respx.mock() as router:
        router.get(url__startswith=BASE).mock(side_effect=stuck)
        async with httpx.AsyncClient() as http:
            client = ScimClient(http, base_url=BASE, token="t", paging="cursor")
            with pytest.raises(ScimClientError, match="same cursor"):
                async for _ in pages(client, RequestSpec("GET", "/Users")):
                    pass


def test_an_okta_lookup_asks_for_a_cursor_page_only_when_cursors_are_chosen() -> None:
    """startIndex=1 becomes cursor= with --paging cursor, or auto after an SPC that offers
    cursors; the filter keeps its exact encoding."""
    profile = get_profile("okta")
    from scim_harness.simulated_client.generate.population import generate_population

    user = generate_population(1, 0, seed=3).users[0]
    lookup = shapes.lookup_user(profile, user)
    assert "startIndex=1" in lookup.query
    offers = {"pagination": {"cursor": True, "index": True}}
    assert paged_lookup("auto", None, lookup) == lookup
    assert paged_lookup("index", offers, lookup) == lookup
    for paging, config in (("cursor", None), ("auto", offers)):
        changed = paged_lookup(paging, config, lookup)
        assert changed.query == lookup.query.replace("startIndex=1", "cursor=")


def test_an_unknown_paging_choice_is_refused() -> None:
    """ScimClient(paging=...) names the three choices."""
    with pytest.raises(ValueError, match="auto, cursor or index"):
        ScimClient(httpx.AsyncClient(), paging="offset")
