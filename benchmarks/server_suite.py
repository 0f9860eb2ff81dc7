"""How long the whole server suite takes over a real socket against the reference server.

Starts ``scim-harness serve`` (its own process, 127.0.0.1, a free port, an in-memory database),
then runs the full server suite against it ``--runs`` times, without and with admin access
(the platform checks, two throwaway apps), and once as the command a user types
(``scim-harness check server`` as a subprocess: interpreter start-up included). Prints the
figures; asserts nothing (the budget in the issue is 30 s).

    python benchmarks/server_suite.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import time

import httpx
from scim_harness.conformance.server.context import AdminAccess
from scim_harness.conformance.server.suite import run_server_suite

TOKEN = "scimh_bench_suite_token"
ADMIN = "scimh_bench_suite_admin"


def _serve() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scim_harness",
            "serve",
            "--port",
            "0",
            "--db",
            ":memory:",
            "--token",
            TOKEN,
            "--admin-token",
            ADMIN,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"SCIM Base URL: (http://127\.0\.0\.1:\d+)/", line)
        if found:
            return process, found.group(1)
    process.kill()
    msg = "scim-harness serve did not print its URL"
    raise RuntimeError(msg)


async def _suite(root: str, admin: bool, seed: int) -> tuple[float, str]:
    access = AdminAccess(f"{root}/admin", ADMIN, "demo") if admin else None
    async with httpx.AsyncClient(timeout=30) as http:
        started = time.perf_counter()
        report = await run_server_suite(
            http, f"{root}/apps/demo/scim/v2", TOKEN, seed=seed, admin=access
        )
        elapsed = time.perf_counter() - started
    counts = report.counts()
    return (
        elapsed,
        f"{len(report.results)} checks, {counts['passed']} passed, exit {report.exit_code}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="suite runs per mode (5)")
    args = parser.parse_args()
    process, root = _serve()
    try:
        for admin in (False, True):
            times = []
            for run in range(args.runs):
                elapsed, summary = asyncio.run(_suite(root, admin, seed=run))
                times.append(elapsed)
            label = "with admin access" if admin else "as any target   "
            print(
                f"server suite {label}: median {statistics.median(times):.2f} s, "
                f"min {min(times):.2f} s, max {max(times):.2f} s over {args.runs} runs ({summary})"
            )
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "scim_harness",
                "check",
                "server",
                "--base-url",
                f"{root}/apps/demo/scim/v2",
                f"--token={TOKEN}",
                "--hide-passed",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        last = [line for line in done.stdout.splitlines() if line.startswith(("OK", "FAILED"))]
        print(f"scim-harness check server (a new process): {elapsed:.2f} s, exit {done.returncode}")
        print("  " + (last[-1] if last else done.stdout[-300:]))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
