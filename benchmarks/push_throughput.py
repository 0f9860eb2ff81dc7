"""How fast does ``scim-harness push`` provision our server over a real socket? (issue 5)

    python benchmarks/push_throughput.py                       # 10,000 users, 200 groups
    python benchmarks/push_throughput.py --users 2000 --concurrency 8

For each concurrency (1, 8, 32 by default) a fresh ``scim-harness serve`` (uvicorn on
127.0.0.1, SQLite file) is started and ``scim-harness push --profile rfc --scenario provision``
is run against it as a separate process: users/s is users over the command's whole wall time
(generation, connection test, lookups, creates, groups and memberships: end to end). The
server's peak RSS (VmHWM) and CPU time are read with psutil. With two or more CPUs the server
runs on CPU 0 and the push command on CPU 1. Every process is stopped before the next.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import BOOST_NICE, can_boost, harness_command, start_ours

__all__ = ["main"]


def _push(
    url: str, token: str, args: argparse.Namespace, concurrency: int, pin: bool
) -> dict[str, Any]:
    cmd = [
        *harness_command(),
        "push",
        "--base-url",
        url,
        "--token",
        token,
        "--users",
        str(args.users),
        "--groups",
        str(args.groups),
        "--seed",
        str(args.seed),
        "--profile",
        "rfc",
        "--scenario",
        "provision",
        "--concurrency",
        str(concurrency),
    ]
    env = dict(os.environ)
    repo = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, env.get("PYTHONPATH")]))
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        client = psutil.Process(proc.pid)
        if pin:
            client.cpu_affinity([1])
        if can_boost():
            client.nice(BOOST_NICE)
    except psutil.Error:
        pass
    try:
        out, err = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"error": f"push did not finish within {args.timeout} s"}
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    text = out.decode(errors="replace")
    rps = re.search(r"requests/s\s*[│|]?\s*([\d.]+)", text)
    failed = re.search(r"failed\s*[│|]?\s*(\d+)", text)
    return {
        "exit": proc.returncode,
        "wall_s": wall,
        "client_cpu_s": client_cpu,
        "users_per_s": args.users / wall,
        "client_requests_per_s": float(rps.group(1)) if rps else None,
        "failed": int(failed.group(1)) if failed else None,
        "stderr": err.decode(errors="replace").strip()[-300:],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--groups", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--concurrency", default="1,8,32", help="comma-separated (1,8,32)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per push at most")
    args = p.parse_args(argv)
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    pin = (os.cpu_count() or 1) >= 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="scim-push-") as tmp:
        for level in levels:
            db = Path(tmp) / f"push-c{level}.db"
            with start_ours(db, Path(tmp)) as target:
                target.pin([0] if pin else None, boost=can_boost())
                url = f"http://127.0.0.1:{target.port}{target.base}"
                cpu0 = target.cpu_seconds()
                result = _push(url, target.token, args, level, pin)
                result["server_cpu_s"] = target.cpu_seconds() - cpu0
                result["server_peak_rss_mb"] = target.peak_rss_mb()
            result["concurrency"] = level
            rows.append(result)
            if "error" in result:
                print(f"concurrency {level}: {result['error']}", flush=True)
            else:
                print(
                    f"concurrency {level:>3}: {result['users_per_s']:8.1f} users/s end to end "
                    f"({result['wall_s']:.1f} s, exit {result['exit']}, "
                    f"failed {result['failed']}), "
                    f"server peak RSS {result['server_peak_rss_mb']:.0f} MB, "
                    f"server CPU {result['server_cpu_s']:.1f} s, "
                    f"push command CPU {result['client_cpu_s']:.1f} s",
                    flush=True,
                )
    print(
        f"\n{args.users:,} users + {args.groups} groups, rfc profile, provision scenario; "
        f"{'server on CPU 0, push on CPU 1' if pin else 'unpinned'}"
    )
    print(f"{'concurrency':>11}{'users/s':>10}{'wall s':>9}{'client req/s':>14}{'peak RSS MB':>13}")
    for r in rows:
        if "error" in r:
            continue
        crps = r["client_requests_per_s"]
        print(
            f"{r['concurrency']:>11}{r['users_per_s']:>10.1f}{r['wall_s']:>9.1f}"
            f"{'-' if crps is None else f'{crps:.1f}':>14}{r['server_peak_rss_mb']:>13.0f}"
        )
    best = max((r["users_per_s"] for r in rows if "error" not in r), default=0.0)
    print(
        f"best: {best:.0f} users/s (issue 7 target: >= 1,000 users/s) "
        f"{'MET' if best >= 1000 else 'NOT MET'}"
    )
    return 0 if all("error" not in r and r["exit"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
