"""Async SCIM client over an injected ``httpx.AsyncClient``.

It sends :class:`~simulated_client.wire.RequestSpec` requests as they are (the profile decides
their shape) and adds what every good client does: a bearer token, a limit on requests in
flight, a timeout, bounded retries with exponential backoff on 5xx, timeouts and 429 (honouring
``Retry-After``, RFC 6585 §4 and RFC 9110 §10.2.3, by holding every request of the client, not
only the retried one), and no blind re-POST: after a create that may or may not have reached
the server (a 5xx, or no answer in time) it looks the resource up first and POSTs again only
when it is absent (RFC 7231 §4.2.2: POST is not idempotent).

With ``rate`` set, attempts are paced to at most that many per second (a
:class:`~simulated_client.pacing.Pacer`), on top of the ``concurrency`` limit.

Every attempt is logged as an :class:`Exchange` in ``client.exchanges``. The ``sleep`` argument
is awaited for every pause, so tests can make retries and pacing instant.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from scim_harness.simulated_client.errors import (
    ScimClientError,
    ScimTimeoutError,
    ScimTransportError,
    error_for_response,
)
from scim_harness.simulated_client.pacing import Pacer
from scim_harness.simulated_client.paging import PAGING_CHOICES, paged_lookup
from scim_harness.simulated_client.wire import RequestSpec

__all__ = ["ClientStats", "Exchange", "Reply", "ScimClient", "first_resource", "parse_retry_after"]

Sleep = Callable[[float], Awaitable[Any]]
_NOT_RETRIED_5XX = frozenset({501, 505})  # permanent: the server does not implement it


@dataclass(slots=True)
class Exchange:
    """One HTTP attempt: what was sent and what came back (``status`` None: no answer)."""

    method: str
    url: str
    path: str
    query: str
    request_headers: dict[str, str]
    request_body: Any
    status: int | None
    response_headers: dict[str, str]
    response_body: Any
    elapsed: float
    attempt: int
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "path": self.path,
            "query": self.query,
            "request_headers": self.request_headers,
            "request_body": self.request_body,
            "status": self.status,
            "response_headers": self.response_headers,
            "response_body": self.response_body,
            "elapsed": round(self.elapsed, 6),
            "attempt": self.attempt,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer; ``recovered`` marks a create found by lookup after a failure."""

    status: int
    body: Any
    headers: httpx.Headers
    recovered: bool = False

    def resource_id(self) -> str | None:
        """The server-assigned ``id`` from the body, else from the ``Location`` header."""
        if isinstance(self.body, dict) and isinstance(self.body.get("id"), str):
            return str(self.body["id"])
        location = self.headers.get("location")
        if location:
            return location.rstrip("/").rsplit("/", 1)[-1] or None
        return None


@dataclass(slots=True)
class ClientStats:
    """Counters over the client's life: attempts, retries, answers by status."""

    requests: int = 0
    retries: int = 0
    transport_errors: int = 0
    paced: float = 0.0
    """Seconds spent waiting for a send slot (``rate``)."""
    statuses: Counter[int] = field(default_factory=Counter)


def parse_retry_after(value: str, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds or an HTTP-date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - now)


def first_resource(body: Any) -> dict[str, Any] | None:
    """The first resource of a ListResponse (RFC 7644 §3.4.2), or None when it is empty."""
    if not isinstance(body, dict):
        return None
    resources = body.get("Resources")
    if not isinstance(resources, list):
        return None
    for resource in resources:
        if isinstance(resource, dict) and isinstance(resource.get("id"), str):
            return resource
    return None


class _AmbiguousCreate(Exception):
    """A POST that may have created the resource: a 5xx, or no answer after sending it."""

    def __init__(self, error: ScimClientError, delay: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.delay = delay


def _json_or_text(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


class ScimClient:
    """Sends SCIM requests; see the module docstring for what it adds."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str | None = None,
        token: str | None = None,
        concurrency: int = 8,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        max_wait: float = 120.0,
        honour_retry_after: bool = True,
        record: bool = True,
        clock: Callable[[], float] = time.time,
        rate: float | None = None,
        pace_clock: Callable[[], float] = time.monotonic,
        paging: str = "auto",
    ) -> None:
        checks = (
            (concurrency >= 1, f"concurrency must be at least 1, got {concurrency}"),
            (rate is None or rate > 0, f"rate must be positive, got {rate}"),
            (retries >= 0, f"retries must be zero or more, got {retries}"),
            (backoff >= 0, f"backoff must be zero or more, got {backoff}"),
            (timeout > 0, f"timeout must be positive, got {timeout}"),
            (
                paging in PAGING_CHOICES,
                f"paging must be auto, cursor or index, got {paging!r}",
            ),
        )
        for ok, msg in checks:
            if not ok:
                raise ValueError(msg)
        self._http = http
        self.base_url = base_url.rstrip("/") if base_url else None
        self._token = token
        self.concurrency = concurrency
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.max_wait = max_wait
        self.honour_retry_after = honour_retry_after
        self.record = record
        self._sleep = sleep
        self._clock = clock
        self._semaphore = asyncio.Semaphore(concurrency)
        self._resume_at = 0.0
        """Until when (``clock`` time) a Retry-After holds every request of this client."""
        self.rate = rate
        self.pacer = None if rate is None else Pacer(rate, clock=pace_clock, sleep=sleep)
        self.exchanges: list[Exchange] = []
        self.stats = ClientStats()
        self.paging = paging
        """How list walks page (``simulated_client.walk``): auto, cursor (RFC 9865), index."""
        self.service_provider_config: dict[str, Any] | None = None
        """The last /ServiceProviderConfig the server answered (what it advertises)."""

    async def send(self, request: RequestSpec, *, ok: Collection[int] = ()) -> Reply:
        """Send with retries; a 2xx (or a status in ``ok``) is returned, anything else raised.

        A POST is never repeated here after a 5xx or a timeout: use :meth:`create`.
        """
        try:
            return await self._send(request, ok)
        except _AmbiguousCreate as ambiguous:
            raise ambiguous.error from None

    async def create(self, request: RequestSpec, *, lookup: RequestSpec | None = None) -> Reply:
        """POST a resource; after an ambiguous failure, ``lookup`` decides whether to POST again.

        Without ``lookup`` an ambiguous failure is raised: the client never re-POSTs blindly.
        A resource found by the lookup is returned with ``recovered=True``.
        """
        if request.method != "POST":
            msg = f"create() sends a POST, got {request.method}"
            raise ValueError(msg)
        reposts = 0
        while True:
            try:
                return await self._send(request, ())
            except _AmbiguousCreate as ambiguous:
                if lookup is None or reposts >= self.retries:
                    raise ambiguous.error from None
                reposts += 1
                self.stats.retries += 1
                await self._pause(ambiguous.delay, reposts)
                found = await self.find(lookup)
                if found is not None:
                    return Reply(200, found, httpx.Headers(), recovered=True)

    async def find(
        self, lookup: RequestSpec, *, absent: Collection[int] = (404,)
    ) -> dict[str, Any] | None:
        """The first resource a filtered GET returns; None for an empty list or ``absent``.

        A lookup paged by index asks for a cursor page instead when cursors are the client's
        choice (``paging``, from the configuration already read: no extra request).
        """
        lookup = paged_lookup(self.paging, self.service_provider_config, lookup)
        reply = await self.send(lookup, ok=absent)
        if reply.status in absent and not 200 <= reply.status < 300:
            return None
        return first_resource(reply.body)

    def _url(self, request: RequestSpec) -> str:
        return f"{self.base_url}{request.target}" if self.base_url else request.target

    def _backoff(self, attempt: int) -> float:
        return float(self.backoff * 2 ** (attempt - 1))

    async def _pause(self, delay: float | None, attempt: int) -> None:
        """Wait the exponential backoff for ``attempt``; a Retry-After ``delay`` is waited by
        the hold every request passes (:meth:`_hold`), not here."""
        if delay is None:
            await self._sleep(self._backoff(attempt))

    def _hold(self, delay: float) -> None:
        """RFC 6585 §4, RFC 9110 §10.2.3: after Retry-After, no request at all (not only the
        retried one) goes to the server before the time is up."""
        self._resume_at = max(self._resume_at, self._clock() + delay)

    def _retry_after(self, response: httpx.Response) -> float | None:
        header = response.headers.get("retry-after")
        if not self.honour_retry_after or header is None:
            return None
        return parse_retry_after(header, now=self._clock())

    async def _send(self, request: RequestSpec, ok: Collection[int]) -> Reply:
        target = f"{request.method} {request.target}"
        is_post = request.method == "POST"
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._attempt(request, attempt)
            except httpx.TransportError as exc:
                error, sent = self._transport_error(target, exc)
                if is_post and sent:
                    raise _AmbiguousCreate(error, None) from exc
                if attempt > self.retries:
                    raise error from exc
                self.stats.retries += 1
                await self._pause(None, attempt)
                continue
            except httpx.RequestError as exc:  # e.g. an undecodable body: retrying will not help
                reason = str(exc) or type(exc).__name__
                raise ScimTransportError(f"{target}: {reason}", target=target) from exc
            status = response.status_code
            if 200 <= status < 300 or status in ok:
                body = _json_or_text(response)
                if request.path == "/ServiceProviderConfig" and status == 200:
                    self.service_provider_config = body if isinstance(body, dict) else {}
                return Reply(status, body, response.headers)
            retryable = status == 429 or (status >= 500 and status not in _NOT_RETRIED_5XX)
            if not retryable:
                raise error_for_response(target, response)
            delay = self._retry_after(response)
            if delay is not None and delay <= self.max_wait:
                self._hold(delay)
            if is_post and status != 429:
                # RFC 6585 §4: a 429 was not processed, a 5xx may have been.
                raise _AmbiguousCreate(error_for_response(target, response), delay)
            if attempt > self.retries:
                note = f"after {attempt} attempts"
                raise error_for_response(target, response, note=note)
            if delay is not None and delay > self.max_wait:
                note = (
                    f"Retry-After asks for {delay:.0f}s, more than the {self.max_wait:.0f}s limit"
                )
                raise error_for_response(target, response, note=note)
            self.stats.retries += 1
            await self._pause(delay, attempt)

    def _transport_error(
        self, target: str, exc: httpx.TransportError
    ) -> tuple[ScimTransportError, bool]:
        """The error to raise, and whether the request may have reached the server."""
        self.stats.transport_errors += 1
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            sent = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            message = f"{target}: no answer within {self.timeout:g}s ({type(exc).__name__})"
            return ScimTimeoutError(message, target=target), sent
        sent = not isinstance(exc, httpx.ConnectError)
        return ScimTransportError(
            f"{target}: cannot reach the server: {reason}", target=target
        ), sent

    async def _attempt(self, request: RequestSpec, attempt: int) -> httpx.Response:
        url = self._url(request)
        headers = dict(request.headers)
        if self._token is not None:
            # RFC 6750 §2.1: the bearer token travels in the Authorization header.
            headers["Authorization"] = f"Bearer {self._token}"
        content = None
        if request.body is not None:
            content = json.dumps(request.body, ensure_ascii=False, separators=(",", ":")).encode()
        wait = self._resume_at - self._clock()
        if wait > 0:
            await self._sleep(wait)
        async with self._semaphore:
            if self.pacer is not None:
                self.stats.paced += await self.pacer.wait()
            self.stats.requests += 1
            started = time.perf_counter()
            try:
                response = await self._http.request(
                    request.method, url, content=content, headers=headers, timeout=self.timeout
                )
            except httpx.RequestError as exc:
                self._log(request, url, headers, None, time.perf_counter() - started, attempt, exc)
                raise
        self.stats.statuses[response.status_code] += 1
        self._log(request, url, headers, response, time.perf_counter() - started, attempt, None)
        return response

    def _log(
        self,
        request: RequestSpec,
        url: str,
        headers: dict[str, str],
        response: httpx.Response | None,
        elapsed: float,
        attempt: int,
        exc: Exception | None,
    ) -> None:
        if not self.record:
            return
        sent_headers = dict(headers)
        if "Authorization" in sent_headers:
            sent_headers["Authorization"] = "Bearer <redacted>"
        self.exchanges.append(
            Exchange(
                method=request.method,
                url=url,
                path=request.path,
                query=request.query,
                request_headers=sent_headers,
                request_body=request.body,
                status=None if response is None else response.status_code,
                response_headers={} if response is None else dict(response.headers),
                response_body=None if response is None else _json_or_text(response),
                elapsed=elapsed,
                attempt=attempt,
                error=None if exc is None else (str(exc) or type(exc).__name__),
            )
        )
