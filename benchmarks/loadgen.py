"""A lean HTTP/1.1 keep-alive load generator, run in its own process.

Requests are encoded to bytes before the clock starts; each connection is an
``asyncio.Protocol`` (on uvloop when installed) that sends one request, parses the response
(``Content-Length`` or chunked) and sends the next: no httpx, no header objects, no per-request
allocation beyond the response body. One process on one core sustains well above 20,000
requests/s against a bare Starlette app, which ``run.py`` checks and reports.

Run as a worker: ``python loadgen.py [--cpu N]`` reads one JSON job per line on stdin and writes
one JSON result per line on stdout (or to the job's ``result_file``, naming it on stdout), so the
orchestrator keeps one warm process for a whole run.
Every job is bounded by a request count and by ``max_seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

__all__ = ["Job", "percentile", "run_job"]

_HEAD_END = b"\r\n\r\n"


@dataclass
class Job:
    """What to send, where, how many at once, and the bounds."""

    host: str
    port: int
    requests: list[tuple[str, str, str | None]]
    headers: dict[str, str] = field(default_factory=dict)
    concurrency: int = 8
    max_requests: int | None = None
    """Send this many (cycling through ``requests``); default: each request once."""
    max_seconds: float = 60.0
    warmup: int = 0
    """Requests sent (cycling from the start) before the clock starts; not recorded."""
    expect: tuple[int, ...] = (200,)
    capture: str | None = None
    """A regex whose group 1 is kept from each response body, in request order."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        requests = data.get("requests")
        if requests is None:
            with open(data["requests_file"], encoding="utf-8") as handle:
                requests = [json.loads(line) for line in handle if line.strip()]
        return cls(
            host=data["host"],
            port=int(data["port"]),
            requests=[(m, p, b) for m, p, b in requests],
            headers=dict(data.get("headers", {})),
            concurrency=int(data.get("concurrency", 8)),
            max_requests=data.get("max_requests"),
            max_seconds=float(data.get("max_seconds", 60.0)),
            warmup=int(data.get("warmup", 0)),
            expect=tuple(data.get("expect", (200,))),
            capture=data.get("capture"),
        )


def _encode(job: Job) -> list[bytes]:
    fixed = f"Host: {job.host}:{job.port}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in job.headers.items()
    )
    out: list[bytes] = []
    for method, path, body in job.requests:
        data = b"" if body is None else body.encode()
        head = f"{method} {path} HTTP/1.1\r\n{fixed}"
        if body is not None:
            head += f"Content-Type: application/scim+json\r\nContent-Length: {len(data)}\r\n"
        out.append((head + "\r\n").encode() + data)
    return out


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed by the server"))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is not None:
            self._parse()

    def send(self, raw: bytes) -> asyncio.Future[tuple[int, bytes]]:
        fut: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        self.waiter = fut
        cast(asyncio.Transport, self.transport).write(raw)
        return fut

    def _parse(self) -> None:
        buf = self.buf
        end = buf.find(_HEAD_END)
        if end < 0:
            return
        head = bytes(buf[:end]).lower()
        status = int(head[9:12])
        start = end + 4
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop > 0 else None])
            total = start + length
            if len(buf) < total:
                return
            body = bytes(buf[start:total])
        elif b"transfer-encoding: chunked" in head:
            parsed = _chunked(buf, start)
            if parsed is None:
                return
            body, total = parsed
        else:
            body, total = b"", start
        del buf[:total]
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((status, body))


def _chunked(buf: bytearray, pos: int) -> tuple[bytes, int] | None:
    parts: list[bytes] = []
    while True:
        line_end = buf.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size = int(bytes(buf[pos:line_end]).split(b";", 1)[0], 16)
        pos = line_end + 2
        if size == 0:
            if len(buf) < pos + 2:
                return None
            return b"".join(parts), pos + 2
        if len(buf) < pos + size + 2:
            return None
        parts.append(bytes(buf[pos : pos + size]))
        pos += size + 2


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of already sorted values, nearest rank."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def _connect(job: Job) -> _Connection:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(_Connection, job.host, job.port)
    return proto


async def run_job(job: Job) -> dict[str, Any]:
    """Send the job's requests and measure them; returns counts, rates and latencies."""
    raws = _encode(job)
    if not raws:
        msg = "a job needs at least one request"
        raise ValueError(msg)
    n = len(raws)
    limit = job.max_requests if job.max_requests is not None else n
    conns = [await _connect(job) for _ in range(max(1, min(job.concurrency, limit)))]
    for i in range(job.warmup):
        await conns[i % len(conns)].send(raws[i % n])
    latencies = array("d", bytes(8 * limit))
    statuses: Counter[int] = Counter()
    captured: list[str | None] = [None] * limit if job.capture else []
    pattern = re.compile(job.capture.encode()) if job.capture else None
    expect = set(job.expect)
    state = {"next": 0, "done": 0, "errors": 0, "bytes": 0}
    samples: list[str] = []
    clock = time.perf_counter
    deadline = clock() + job.max_seconds

    async def worker(conn: _Connection) -> None:
        while True:
            i = state["next"]
            if i >= limit or clock() > deadline:
                return
            state["next"] = i + 1
            if conn.closed:
                conn = await _connect(job)
            t0 = clock()
            try:
                status, body = await conn.send(raws[i % n])
            except ConnectionError:
                state["errors"] += 1
                statuses[0] += 1
                continue
            latencies[i] = clock() - t0
            statuses[status] += 1
            state["done"] += 1
            state["bytes"] += len(body)
            if status not in expect and len(samples) < 3:
                samples.append(f"{status} {body[:200]!r}")
            if pattern is not None:
                match = pattern.search(body)
                captured[i] = match.group(1).decode() if match else None

    cpu0 = time.process_time()
    started = clock()
    await asyncio.wait_for(
        asyncio.gather(*(worker(c) for c in conns)), timeout=job.max_seconds + 120
    )
    elapsed = clock() - started
    cpu = time.process_time() - cpu0
    for conn in conns:
        if conn.transport is not None:
            conn.transport.close()
    sent = state["next"]
    lat = sorted(latencies[i] * 1000 for i in range(sent) if latencies[i] > 0)
    unexpected = sum(c for s, c in statuses.items() if s not in expect)
    return {
        "requests": state["done"],
        "unexpected": unexpected,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "samples": samples,
        "elapsed_s": elapsed,
        "rps": state["done"] / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(lat, 50),
        "p90_ms": percentile(lat, 90),
        "p99_ms": percentile(lat, 99),
        "max_ms": lat[-1] if lat else 0.0,
        "mean_ms": sum(lat) / len(lat) if lat else 0.0,
        "bytes_received": state["bytes"],
        "loadgen_cpu_share": cpu / elapsed if elapsed > 0 else 0.0,
        "truncated": sent < limit,
        "captured": captured[:sent],
    }


def _install_uvloop() -> str:
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, help="pin this process to one CPU")
    parser.add_argument("--nice", type=int, help="set this process's nice value (root)")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    if args.nice is not None:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    loop_name = _install_uvloop()
    print(json.dumps({"ready": True, "loop": loop_name}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        try:
            result = asyncio.run(run_job(Job.from_json(spec)))
        except (OSError, ValueError, KeyError, TimeoutError) as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        # Results (with every captured id) can be large: they go through a file, and only a
        # short line through the pipe, which an event loop may have left non-blocking.
        target = spec.get("result_file")
        if target:
            with open(target, "w", encoding="utf-8") as handle:
                json.dump(result, handle)
            result = {"result_file": target}
        os.set_blocking(sys.stdout.fileno(), True)
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
