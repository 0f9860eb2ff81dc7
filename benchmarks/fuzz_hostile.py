"""The hostile-input fuzz run, long: N generated bad requests against ``scim-harness serve``.

Starts ``serve`` on a free port of 127.0.0.1 with a temporary database, sends N requests
from the generator the test suite uses (``tests/hostile_requests.py``, here driven by a
seeded ``random.Random``) over a real socket, and after every batch reads the request record
back through the admin API to check each request: no 5xx (but /Me's 501), every 4xx a SCIM
error body, the request recorded, no secret (password, token) in the answer or the record.

Prints the figures: requests sent, statuses, 5xx, problems by kind, requests/s, and the
server's RSS after the first batch and at the end (flat memory), and its peak.

    python benchmarks/fuzz_hostile.py --requests 100000 --seed 13
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from hostile_requests import (  # noqa: E402
    Hostile,
    RandomChooser,
    hostile_request,
    problems,
)

BATCH = 2000
"""Requests between two reads of the record (the app keeps 10,000 by default)."""


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _start(db: str) -> tuple[subprocess.Popen[str], str, str, str, str]:
    cmd = [sys.executable, "-m", "scim_harness", "serve", "--port", "0", "--db", db]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    base = proc.stdout.readline().strip().removeprefix("SCIM Base URL: ")
    token = proc.stdout.readline().strip().removeprefix("Bearer Token: ")
    admin_line = proc.stdout.readline().strip()
    admin, _, rest = admin_line.removeprefix("Admin API: ").partition(" (Admin Token: ")
    origin = base.removesuffix("/apps/demo/scim/v2")
    for _ in range(200):
        try:
            httpx.get(f"{base}/ServiceProviderConfig", timeout=5)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return proc, origin, token, admin, rest.removesuffix(")")


async def _seed(http: httpx.AsyncClient, token: str) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    for n in range(3):
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"seed{n}",
            "name": {"givenName": "S", "familyName": "Eed"},
            "emails": [{"value": f"seed{n}@example.com", "type": "work"}],
            "displayName": "Seed",
            "active": True,
        }
        made = await http.post("/apps/demo/scim/v2/Users", json=body, headers=headers)
        ids.append(made.json()["id"])
    return ids


async def _records(admin: httpx.AsyncClient, after: int) -> tuple[dict[str, str], int]:
    """Records after ``after`` (seq), by X-Fuzz-Id, as JSON text; and the last seq."""
    found: dict[str, str] = {}
    while True:
        page = (
            await admin.get("/apps/demo/requests", params={"after": after, "limit": 1000})
        ).json()
        for entry in page["requests"]:
            after = max(after, entry["seq"])
            fuzz_id = entry.get("headers", {}).get("x-fuzz-id")
            if fuzz_id is not None:
                found[fuzz_id] = json.dumps(entry)
        if page["nextAfter"] is None:
            return found, after


async def _run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="scimh-fuzz-") as tmp:
        proc, origin, token, admin_url, admin_token = _start(str(Path(tmp) / "fuzz.db"))
        try:
            return await _drive(args, proc, origin, token, admin_url, admin_token)
        finally:
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            tracebacks = err.count("Traceback")
            print(f"server log: {len(err.splitlines())} lines, {tracebacks} tracebacks")


async def _drive(
    args: argparse.Namespace,
    proc: subprocess.Popen[str],
    origin: str,
    token: str,
    admin_url: str,
    admin_token: str,
) -> int:
    chooser = RandomChooser(args.seed)
    statuses: collections.Counter[int] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    examples: list[str] = []
    unsent: collections.Counter[str] = collections.Counter()
    limits = httpx.Limits(max_connections=args.concurrency)
    rss_start = _rss_kib(proc.pid, "VmRSS")
    rss_first = 0
    sent = 0
    started = time.perf_counter()
    async with (
        httpx.AsyncClient(base_url=origin, limits=limits, timeout=60) as http,
        httpx.AsyncClient(
            base_url=admin_url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60
        ) as admin,
    ):
        ids = await _seed(http, token)
        _, after = await _records(admin, 0)
        queue: asyncio.Queue[Hostile] = asyncio.Queue()
        answers: dict[str, tuple[Hostile, int, bytes]] = {}

        async def worker() -> None:
            while not queue.empty():
                request = queue.get_nowait()
                url = request.path + (f"?{request.query}" if request.query else "")
                try:
                    response = await http.request(
                        request.method, url, headers=request.headers, content=request.body
                    )
                    result = (request, response.status_code, response.content)
                except (httpx.HTTPError, httpx.InvalidURL) as exc:
                    unsent[type(exc).__name__] += 1
                    continue
                answers[dict(request.headers)["X-Fuzz-Id"]] = result

        while sent < args.requests:
            size = min(BATCH, args.requests - sent)
            for serial in range(sent + 1, sent + size + 1):
                queue.put_nowait(hostile_request(chooser, token, ids, serial))
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            sent += size
            await asyncio.sleep(0.3)  # the record is written in batches every 0.2 s
            recorded, after = await _records(admin, after)
            for fuzz_id, (request, status, content) in answers.items():
                statuses[status] += 1
                for problem in problems(request, status, content, recorded.get(fuzz_id), token):
                    kind = problem.split(":")[0].split(" ...")[0][:40]
                    kinds[kind] += 1
                    if len(examples) < 10:
                        examples.append(f"{request.method} {request.path[:80]} -> {problem[:160]}")
            answers.clear()
            if not rss_first:
                rss_first = _rss_kib(proc.pid, "VmRSS")
            if sent % 10_000 == 0 or sent == args.requests:
                rate = sent / (time.perf_counter() - started)
                rss = _rss_kib(proc.pid, "VmRSS") / 1024
                print(f"  {sent:>7,} requests  {rate:6.0f} req/s  RSS {rss:6.1f} MiB", flush=True)
    elapsed = time.perf_counter() - started
    fives = sum(n for s, n in statuses.items() if s >= 500)
    sent -= sum(unsent.values())
    rate = sent / elapsed
    print(f"\nrequests sent: {sent:,} in {elapsed:.0f} s ({rate:.0f} req/s), seed {args.seed}")
    if unsent:
        print(
            "not sent (the HTTP client refused them): "
            + ", ".join(f"{k}: {n}" for k, n in unsent.items())
        )
    print("statuses: " + ", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items())))
    print(f"5xx: {fives:,} (501 from /Me: {statuses.get(501, 0):,}; 500: {statuses.get(500, 0):,})")
    print(
        f"problems: {sum(kinds.values()):,}" + "".join(f"\n  {k}: {n:,}" for k, n in kinds.items())
    )
    for line in examples:
        print(f"  e.g. {line}")
    rss_end = _rss_kib(proc.pid, "VmRSS")
    peak = _rss_kib(proc.pid, "VmHWM")
    print(
        f"server RSS: {rss_start / 1024:.1f} MiB at start, {rss_first / 1024:.1f} MiB after the "
        f"first {BATCH:,}, {rss_end / 1024:.1f} MiB at the end (peak {peak / 1024:.1f} MiB)"
    )
    return 1 if kinds else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    return asyncio.run(_run(args))


if __name__ == "__main__":
    raise SystemExit(main())
