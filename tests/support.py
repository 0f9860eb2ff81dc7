"""Builders and servers the tests share (imported as ``support``; tests/ is on sys.path)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn
from starlette.applications import Starlette

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


class LiveServer:
    """The reference server on a real uvicorn socket on 127.0.0.1 (a free port)."""

    def __init__(self, app: Starlette, **options: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", **options)
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
