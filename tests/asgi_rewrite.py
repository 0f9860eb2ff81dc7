"""ASGI plumbing for the broken doubles: run the reference server on one buffered request,
rewrite what goes in or comes out, and answer with the result."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "SCIM_PATH",
    "Exchange",
    "Message",
    "Rewrite",
    "Rewriting",
    "as_get",
    "call",
    "scim_rest",
    "with_json_response",
    "with_request",
]

Message = MutableMapping[str, Any]
SCIM_PATH = re.compile(r"^/apps/(?P<app>[^/]+)/scim/v2(?P<rest>/.*)?$")


@dataclass
class Exchange:
    """One request as a middleware sees it, and the response it will send back."""

    scope: Scope
    body: bytes
    status: int = 0
    headers: list[tuple[bytes, bytes]] | None = None
    response: bytes = b""

    @property
    def method(self) -> str:
        return str(self.scope["method"])

    @property
    def path(self) -> str:
        return str(self.scope["path"])

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        for key, value in self.scope["headers"]:
            if key.lower() == wanted:
                return bytes(value).decode("latin-1")
        return None

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def response_json(self) -> Any:
        try:
            return json.loads(self.response) if self.response else None
        except ValueError:
            return None


async def call(app: ASGIApp, scope: Scope, body: bytes) -> Exchange:
    """Run ``app`` on one buffered request and capture its whole response."""
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    scope = {**scope, "headers": headers}
    result = Exchange(scope, body)
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            result.status = message["status"]
            result.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            result.response += message.get("body", b"")

    await app(scope, receive, send)
    return result


Rewrite = Callable[[ASGIApp, Exchange], Awaitable[Exchange]]


class Rewriting:
    """ASGI middleware: buffer each HTTP request, let ``rewrite`` run it, send its answer."""

    def __init__(self, app: ASGIApp, rewrite: Rewrite) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        done = await self.rewrite(self.app, Exchange(scope, body))
        headers = [(k, v) for k, v in done.headers or [] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(done.response)).encode()))
        await send({"type": "http.response.start", "status": done.status, "headers": headers})
        await send({"type": "http.response.body", "body": done.response})


def with_json_response(done: Exchange, data: Any) -> Exchange:
    done.response = json.dumps(data).encode()
    return done


def with_request(exchange: Exchange, *, body: Any = None, query: str | None = None) -> Exchange:
    scope = dict(exchange.scope)
    if query is not None:
        scope["query_string"] = query.encode()
    raw = exchange.body if body is None else json.dumps(body).encode()
    return Exchange(scope, raw)


def scim_rest(exchange: Exchange) -> str | None:
    """The path below the SCIM base URL (``/Users/123``), or None for other paths."""
    found = SCIM_PATH.match(exchange.path)
    return (found.group("rest") or "") if found else None


def as_get(exchange: Exchange) -> Scope:
    """The same request as a GET of the same path, without a query."""
    return {**exchange.scope, "method": "GET", "query_string": b""}
