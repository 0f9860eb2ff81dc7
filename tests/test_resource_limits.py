"""Bounded resources: caches that cannot grow with what clients send, searches within a
time budget (503 + Retry-After past it), and a request record one app cannot break for all."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.http import auth
from scim_harness.reference_server.protocol.errors import ServiceUnavailable
from scim_harness.reference_server.protocol.schema import resource_type
from scim_harness.reference_server.query import filters
from scim_harness.reference_server.query.filters import AttrPath, Compare
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.base import APP_CACHE, TOKEN_CACHE
from scim_harness.reference_server.store.database import STATEMENT_CACHE
from scim_harness.reference_server.store.lru import LruCache
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import user_body

USER = resource_type("User")


def test_an_lru_cache_keeps_the_recently_used_within_its_capacity() -> None:
    """Past capacity the entry used longest ago goes; a read counts as a use."""
    cache: LruCache[int, str] = LruCache(3)
    for n in range(3):
        cache.put(n, str(n))
    assert cache.get(0) == "0"
    cache.put(3, "3")
    assert len(cache) == 3
    assert 1 not in cache and cache.get(0) == "0" and cache.get(3) == "3"


async def test_unknown_app_names_are_not_cached(
    asgi_app: Any, boot: Bootstrap, store: SqliteStore
) -> None:
    """Requests to 2,000 invented apps (long names) leave the app cache as it was."""
    transport = httpx.ASGITransport(app=asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        before = len(store._app_cache)
        for n in range(2000):
            name = f"{n}-{'x' * 1000}"
            response = await http.get(f"/apps/{name}/scim/v2/Users")
            assert response.status_code == 401
    assert len(store._app_cache) == before


def test_unknown_tokens_are_not_cached_and_known_ones_are_bounded(
    store: SqliteStore, boot: Bootstrap
) -> None:
    """Invented tokens cost a lookup, never a cache entry; real ones stay within the LRU."""
    for n in range(5000):
        assert auth.app_for_token(store, f"invented-{n}") is None
    assert len(store._token_cache) <= 1
    assert auth.app_for_token(store, str(boot.token)) == "demo"
    assert store._token_cache.capacity == TOKEN_CACHE
    assert store._app_cache.capacity == APP_CACHE


def test_group_names_are_cached_within_a_bound(store: SqliteStore) -> None:
    """The per-version group name cache is an LRU with a fixed capacity."""
    assert isinstance(store._group_names, LruCache)
    assert store._group_names.capacity <= 4096


def test_the_statement_cache_has_a_fixed_size() -> None:
    """Compiled statements kept per connection are bounded (giant filters held 670 MiB)."""
    assert 64 <= STATEMENT_CACHE <= 256


def _fill(store: SqliteStore, count: int) -> None:
    with store.transaction():
        for n in range(count):
            resource = {"id": str(uuid.uuid4()), **user_body(f"bulk{n}.user", title=f"t{n}")}
            store.insert("demo", "User", resource, name=resource["userName"])


@pytest.fixture
async def budgeted(store: SqliteStore, boot: Bootstrap) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose server gives a search one microsecond."""
    _fill(store, 3000)
    app = create_app(ServerSettings(query_budget=1e-6), store=store)
    headers = {"Authorization": f"Bearer {boot.token}"}
    base = "http://testserver/apps/demo/scim/v2"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as client:
        yield client


async def test_a_search_past_its_time_budget_is_503_with_retry_after(
    budgeted: httpx.AsyncClient, store: SqliteStore
) -> None:
    """A scan that outlives the budget is abandoned: 503, Retry-After, a SCIM error, recorded."""
    response = await budgeted.get("/Users", params={"filter": 'title co "zz"'})
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    body: dict[str, Any] = response.json()
    assert body["status"] == "503" and "time budget" in body["detail"]
    assert store.requests("demo")[-1]["status"] == 503


async def test_an_indexed_lookup_fits_any_budget(budgeted: httpx.AsyncClient) -> None:
    """userName eq reads one index entry: answered even with a one-microsecond budget."""
    response = await budgeted.get("/Users", params={"filter": 'userName eq "bulk7.user"'})
    assert response.status_code == 200
    assert response.json()["totalResults"] == 1


def test_python_evaluation_is_budgeted_too(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filter left to Python (SQLite cannot run it) is evaluated within the same deadline."""
    _fill(store, 3000)
    monkeypatch.setattr(filters, "compile_filter", lambda *args, **kwargs: None)
    flt = Compare(AttrPath(None, "title", None), "co", "zz")
    with pytest.raises(ServiceUnavailable):
        store.search("demo", USER, flt, budget=1e-6)
    assert store.search("demo", USER, flt).total == 0  # no budget: it finishes


def test_one_apps_bad_record_does_not_cost_other_apps_theirs(store: SqliteStore) -> None:
    """A record whose retention SQLite cannot hold is trimmed within range; others are kept."""
    at = "2026-01-01T00:00:00.000000Z"
    store.record_request("a", at, "GET", "/x", "", {"n": 1}, [], 10)
    store.record_request("b", at, "GET", "/x", "", {"n": 2}, [], 2**70)
    store.record_request("c", at, "GET", "/x", "", {"n": 3}, [], 10)
    store.flush_requests()
    kept = {row[0] for row in store.execute("SELECT app FROM requests")}
    assert kept == {"a", "b", "c"}
