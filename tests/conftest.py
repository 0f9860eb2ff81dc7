"""Fixtures composed as a chain: store -> app -> http -> scim client -> created resources."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.serve import Bootstrap, bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette
from support import LiveServer, user_body


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    s = SqliteStore(":memory:")
    yield s
    s.close()


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """Per-test app settings for the 'demo' app (override in a module to change them)."""
    return {}


@pytest.fixture
def boot(store: SqliteStore, app_settings: dict[str, Any]) -> Bootstrap:
    return bootstrap(store, "demo", settings=app_settings)


@pytest.fixture
def other_boot(store: SqliteStore, boot: Bootstrap) -> Bootstrap:
    return bootstrap(store, "other", admin_token=boot.admin_token)


@pytest.fixture
def asgi_app(store: SqliteStore) -> Starlette:
    return create_app(ServerSettings(), store=store)


def _client(app: Starlette, base: str, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base, headers=headers)


@pytest.fixture
async def scim(asgi_app: Starlette, boot: Bootstrap) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the 'demo' app over ASGITransport, with its bearer token."""
    async with _client(asgi_app, "http://testserver/apps/demo/scim/v2", boot.token) as client:
        yield client


@pytest.fixture
async def anonymous(asgi_app: Starlette, boot: Bootstrap) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(asgi_app, "http://testserver/apps/demo/scim/v2", None) as client:
        yield client


@pytest.fixture
async def created_user(scim: httpx.AsyncClient) -> dict[str, Any]:
    response = await scim.post("/Users", json=user_body("barbara.jensen"))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture
def live_server(asgi_app: Starlette, boot: Bootstrap) -> Iterator[LiveServer]:
    with LiveServer(asgi_app) as live:
        yield live


@pytest.fixture
async def admin(asgi_app: Starlette, boot: Bootstrap) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the admin API (/admin) over ASGITransport, with the admin token."""
    async with _client(asgi_app, "http://testserver/admin", boot.admin_token) as client:
        yield client


@pytest.fixture
def app_client(asgi_app: Starlette) -> Callable[[str, str | None], httpx.AsyncClient]:
    """Open a SCIM client of any app with any token: ``app_client("other", token)``."""

    def make(app: str, token: str | None) -> httpx.AsyncClient:
        return _client(asgi_app, f"http://testserver/apps/{app}/scim/v2", token)

    return make
