"""Connections that stall or crowd the server are answered and closed, never kept forever.

Over a real socket (uvicorn with :class:`GuardedProtocol`, tiny limits): a connection that
sends nothing, half its headers, an endless header or too little body is answered 408/431
and closed; past the connection limit a new one is answered 503. No test asserts how long
anything took: each waits (with a generous socket timeout) for the server to act.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.serve_limits import Limits, MaskQueryFilter, guarded_protocol
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette
from support import LiveServer, user_body

SECRET = "Hunter2-Sekrit-7731"
WAIT = 20.0
"""Seconds a test waits for the server to act before it fails (never a timing assertion)."""


@pytest.fixture
def guarded(asgi_app: Starlette, boot: Bootstrap) -> Iterator[LiveServer]:
    limits = Limits(header_timeout=0.3, max_header_bytes=8 * 1024, max_connections=4)
    with LiveServer(asgi_app, http=guarded_protocol(limits), timeout_keep_alive=1) as live:
        yield live


def _connect(live: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", live.port), timeout=WAIT)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _status_and_body(raw: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def test_a_connection_that_sends_nothing_is_answered_408_and_closed(guarded: LiveServer) -> None:
    """The header deadline starts when the connection opens."""
    with _connect(guarded) as sock:
        status, body = _status_and_body(_read_all(sock))
    assert status == 408
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_half_a_header_section_is_answered_408_and_closed(guarded: LiveServer) -> None:
    """A slowloris client (request line, one header, then silence) loses its connection."""
    with _connect(guarded) as sock:
        sock.sendall(b"GET /apps/demo/scim/v2/Users HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        status, body = _status_and_body(_read_all(sock))
    assert status == 408
    assert "did not arrive" in body["detail"]


def test_an_endless_header_is_answered_431_and_closed(guarded: LiveServer) -> None:
    """Past max_header_bytes before the headers end, the server stops reading."""
    with _connect(guarded) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 20_000)
        status, _ = _status_and_body(_read_all(sock))
    assert status == 431


def test_past_the_connection_limit_a_new_connection_is_503(guarded: LiveServer) -> None:
    """With four connections open, a fifth is answered 503 with Retry-After and closed."""
    held = [_connect(guarded) for _ in range(4)]
    try:
        for sock in held:
            sock.sendall(b"GET /apps/demo/scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: x\r\n")
        with _connect(guarded) as extra:
            raw = _read_all(extra)
        status, body = _status_and_body(raw)
        assert status == 503
        assert b"retry-after: 1" in raw.lower()
        assert "limit" in body["detail"]
    finally:
        for sock in held:
            sock.close()


def test_an_unread_body_cannot_keep_a_connection_open(guarded: LiveServer, boot: Bootstrap) -> None:
    """Refused before its body was read (401), a body trickling in still loses the connection.

    Each byte would reset uvicorn's keep-alive timer; the header deadline does not move.
    """
    with _connect(guarded) as sock:
        sock.sendall(
            b"POST /apps/demo/scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/scim+json\r\nContent-Length: 100000\r\n\r\n{"
        )
        sock.settimeout(0.1)
        received, closed = b"", False
        deadline = time.monotonic() + WAIT
        while not closed and time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
                closed = not chunk
                received += chunk
            except TimeoutError:
                pass
            except ConnectionResetError:
                closed = True
            if not closed:
                try:
                    sock.sendall(b" ")
                except OSError:
                    closed = True
    assert closed
    assert received.startswith(b"HTTP/1.1 401")


def test_a_body_shorter_than_its_content_length_is_408_and_recorded(
    asgi_app: Starlette, boot: Bootstrap, store: SqliteStore
) -> None:
    """The application's body deadline: 408 with Connection: close, in the request record."""
    from scim_harness.reference_server.app import create_app
    from scim_harness.reference_server.settings import ServerSettings

    app = create_app(ServerSettings(body_timeout=0.3), store=store)
    limits = Limits(header_timeout=WAIT)
    with LiveServer(app, http=guarded_protocol(limits)) as live, _connect(live) as sock:
        sock.sendall(
            b"POST /apps/demo/scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
            + f"Authorization: Bearer {boot.token}\r\n".encode()
            + b"Content-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{"
        )
        status, body = _status_and_body(_read_all(sock))
    assert status == 408
    assert "did not arrive within 0.3 s" in body["detail"]
    assert store.requests("demo")[-1]["status"] == 408


@pytest.fixture
async def slow_body_client(store: SqliteStore, boot: Bootstrap) -> AsyncIterator[httpx.AsyncClient]:
    from scim_harness.reference_server.app import create_app
    from scim_harness.reference_server.settings import ServerSettings

    app = create_app(ServerSettings(body_timeout=0.05), store=store)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {boot.token}", "Content-Type": "application/scim+json"}
    base = "http://testserver/apps/demo/scim/v2"
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as client:
        yield client


async def test_a_stalled_body_is_408_in_process_too(
    slow_body_client: httpx.AsyncClient, store: SqliteStore
) -> None:
    """The same deadline through ASGI: the body generator stalls, the answer is 408."""

    async def stalled() -> AsyncIterator[bytes]:
        yield json.dumps(user_body("slow.user"))[:20].encode()
        await asyncio.sleep(WAIT)

    response = await slow_body_client.post("/Users", content=stalled())
    assert response.status_code == 408
    assert response.headers["connection"] == "close"
    assert store.requests("demo")[-1]["status"] == 408


def test_the_access_log_masks_tokens_in_query_strings() -> None:
    """uvicorn's access log line shows the query with the token masked."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/apps/demo/scim/v2/Users?access_t%6Fken={SECRET}", "1.1", 200),
        None,
    )
    assert MaskQueryFilter().filter(record)
    assert SECRET not in record.getMessage()
    assert "/apps/demo/scim/v2/Users?" in record.getMessage()
