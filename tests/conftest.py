"""Fixtures composed as a chain: store -> app -> http -> scim client -> created resources."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from reference_server.app import create_app
from reference_server.serve import Bootstrap, bootstrap
from reference_server.settings import ServerSettings
from reference_server.store import SqliteStore

SCIM = "application/scim+json"


def user_body(user_name: str = "bjensen", **overrides: Any) -> dict[str, Any]:
    """A User with the six attributes the platform requires."""
    given, _, family = user_name.partition(".")
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": given.title() or "Barbara", "familyName": family.title() or "Jensen"},
        "emails": [{"value": f"{user_name}@example.com", "type": "work", "primary": True}],
        "displayName": f"{given.title()} {family.title()}".strip() or user_name,
        "active": True,
    }
    body.update(overrides)
    return body


def group_body(name: str = "Tour Guides", members: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": name,
    }
    if members is not None:
        body["members"] = [{"value": m} for m in members]
    return body


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


class LiveServer:
    """The reference server on a real uvicorn socket on 127.0.0.1 (a free port)."""

    def __init__(self, app: Starlette) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                msg = "uvicorn did not start"
                raise RuntimeError(msg)
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def live_server(asgi_app: Starlette, boot: Bootstrap) -> Iterator[LiveServer]:
    with LiveServer(asgi_app) as live:
        yield live
