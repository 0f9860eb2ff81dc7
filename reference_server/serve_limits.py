"""What uvicorn does not bound by itself: header time and size, and the number of connections.

uvicorn closes a keep-alive connection idle between requests (``timeout_keep_alive``, the
``--idle-timeout`` flag), but a connection that sends nothing, or half its headers, or an
endless header, would stay forever, and every connection is accepted until the process runs
out of file descriptors. :class:`GuardedProtocol` adds, per worker process:

- a header deadline: a request's line and headers must be complete ``header_timeout``
  seconds after the connection opens (for the first request) or after its first byte (for
  the next ones); otherwise 408 and the connection closes;
- a header size limit: past ``max_header_bytes`` before the end of the headers, 431 and close;
- a connection limit: past ``max_connections`` open connections, a new one is answered 503
  with ``Retry-After`` and closed at once.

The request body's own deadline is the application's (``ServerSettings.body_timeout``): the
body is read there, and a late one is answered 408 and recorded like any request. A body the
application did not read (a refusal before it) must finish arriving within the header
deadline, or the connection closes.

Every refusal here is an RFC 7644 §3.12 error body, as the application's are; these requests
never reach the application, so they are not in any app's request record.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import functools
import json
import logging
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol import masking
from scim_harness.reference_server.settings import public_url
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = [
    "GuardedProtocol",
    "Limits",
    "MaskQueryFilter",
    "add_limit_flags",
    "guarded_protocol",
    "refusal",
    "settings_options",
    "uvicorn_options",
]

_REASONS = {
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Limits:
    """Per-process connection limits (the ``serve`` flags of the same names)."""

    header_timeout: float = 10.0
    max_header_bytes: int = 64 * 1024
    max_connections: int = 1000


def refusal(status: int, detail: str, headers: dict[str, str] | None = None) -> bytes:
    """A complete HTTP/1.1 response with a SCIM error body and ``Connection: close``."""
    body = json.dumps(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": str(status),
            "detail": detail,
        }
    ).encode()
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, '')}",
        "content-type: application/scim+json; charset=utf-8",
        f"content-length: {len(body)}",
        "connection: close",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline, a header size limit and a cap on
    open connections."""

    def __init__(self, *args: Any, limits: Limits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits or Limits()
        self._deadline: asyncio.TimerHandle | None = None
        self._in_headers = True
        self._header_bytes = 0

    # -- connection -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            detail = (
                f"the server has {self.limits.max_connections} connections open, its limit; "
                "retry shortly"
            )
            self._refuse(503, detail, {"retry-after": "1"})
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        before = self._in_headers
        super().data_received(data)
        if before and self._in_headers and not self.transport.is_closing():
            # The whole chunk belongs to a header section that has not ended yet.
            self._header_bytes += len(data)
            if self._header_bytes > self.limits.max_header_bytes:
                limit = self.limits.max_header_bytes
                self._refuse(431, f"the request line and headers exceed {limit} bytes")

    # -- parser callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers = True
        self._header_bytes = 0
        self._arm()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._header_bytes = 0
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not self.transport.is_closing():
            # The application answered without reading the whole body: the rest of it must
            # arrive within the header deadline, not trickle in forever.
            self._arm()

    # -- deadline ---------------------------------------------------------------------------

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.limits.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._in_headers:
            timeout = self.limits.header_timeout
            self._refuse(408, f"the request line and headers did not arrive within {timeout:g} s")
        else:
            self.transport.close()

    def _refuse(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        self._disarm()
        self.transport.write(refusal(status, detail, headers))
        self.transport.close()


def guarded_protocol(limits: Limits) -> Any:
    """The protocol factory for ``uvicorn.Config(http=...)`` (picklable, for ``--workers``)."""
    return functools.partial(GuardedProtocol, limits=limits)


class MaskQueryFilter(logging.Filter):
    """Masks credentials in the query strings uvicorn's access log prints."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, sep, query = args[2].partition("?")
            if sep:
                record.args = (*args[:2], f"{path}?{masking.mask_query(query)}", *args[3:])
        return True


# -- the serve flags ------------------------------------------------------------------------


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86_400:
        msg = f"must be a number of seconds between 0 and 86400, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _budget(text: str) -> float:
    return 0.0 if text.strip() in ("0", "0.0") else _seconds(text)


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        msg = f"must be a whole number from 1 to 1000000, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def add_limit_flags(parser: argparse.ArgumentParser) -> None:
    """``serve``'s flags for the public URL and the limits on clients."""
    group = parser.add_argument_group("public URL and limits")
    group.add_argument(
        "--public-url",
        help="base URL clients reach the server at, for meta.location and $ref "
        "(default: http://HOST:PORT as bound; never the request's Host header)",
    )
    group.add_argument(
        "--header-timeout",
        type=_seconds,
        default=Limits.header_timeout,
        help="seconds a request's line and headers may take (default 10; then 408)",
    )
    group.add_argument(
        "--body-timeout",
        type=_seconds,
        default=30.0,
        help="seconds a request body may take after its headers (default 30; then 408)",
    )
    group.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=5.0,
        help="seconds an idle keep-alive connection stays open (default 5)",
    )
    group.add_argument(
        "--max-connections",
        type=_count,
        default=Limits.max_connections,
        help="open connections per worker; more are answered 503 (default 1000, fewer when "
        "the process may open fewer files)",
    )
    group.add_argument(
        "--query-budget",
        type=_budget,
        default=1.0,
        help="seconds a search may run before it is abandoned with 503 + Retry-After "
        "(default 1; 0 for no limit)",
    )


def settings_options(args: argparse.Namespace, bound_url: str) -> dict[str, Any]:
    """The ``ServerSettings`` fields the flags set (JSON-able: workers read them from env)."""
    return {
        "public_url": public_url(args.public_url) if args.public_url else bound_url,
        "query_budget": args.query_budget or None,
        "body_timeout": args.body_timeout,
    }


def uvicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    """``uvicorn.Config`` keyword arguments for the limits (and a log that masks tokens)."""
    limits = Limits(
        header_timeout=args.header_timeout,
        max_connections=min(args.max_connections, _descriptor_room()),
    )
    return {
        "http": guarded_protocol(limits),
        "timeout_keep_alive": args.idle_timeout,
        "log_config": _log_config(),
    }


def _descriptor_room() -> int:
    """Connections the process can hold: its file limit, less some for the database and logs."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return 1_000_000
    if soft == resource.RLIM_INFINITY:
        return 1_000_000
    return max(1, soft - 64)


def _log_config() -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask_query"] = {"()": f"{__name__}.MaskQueryFilter"}
    config["handlers"]["access"]["filters"] = ["mask_query"]
    return config
