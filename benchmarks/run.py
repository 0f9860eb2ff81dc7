"""One run of the benchmark suite: scim-harness, scim2-server and a bare echo app, side by side.

    python benchmarks/run.py            # N = 1,000, 10,000, 100,000 (peer up to 10,000)
    python benchmarks/run.py --quick    # N = 1,000 and 10,000 with short bounds: a few minutes

Each target runs as its own process on 127.0.0.1 (ours with a SQLite file), gets the same seeded
population by POST and the same workload at each N (the population grows step by step in one
server process). The load generator (``loadgen.py``) is one separate process; on a machine with
two or more CPUs the server is pinned to CPU 0 and the load generator to CPU 1. Figures are
printed as tables and written to ``benchmarks/results/run-<time>.json`` (and ``latest.json``)
with the ratios ours/peer and ours/echo computed pair by pair from this same run; the chart of
the ratios goes to ``benchmarks/results/bench-ratios.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from report import evaluate_goals, print_report, ratios, write_chart
from scim_harness.simulated_client.generate.people import GeneratedUser
from scim_harness.simulated_client.generate.population import generate_population
from targets import (
    BOOST_NICE,
    HERE,
    LoadGen,
    Target,
    can_boost,
    start_echo,
    start_ours,
    start_peer,
)
from workloads import GROUP_SIZE, ID_PATTERN, WORKLOADS, Bounds, group_body, requests_for

__all__ = ["main"]

WORKER_EXTRA = 2000  # users kept back from the main run for the --workers comparison's POSTs


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="scim-harness vs scim2-server vs a bare echo app")
    p.add_argument("--n", default="1000,10000,100000", help="user counts, comma-separated")
    p.add_argument("--quick", action="store_true", help="N = 1000,10000 and short bounds")
    p.add_argument("--peer-max-n", type=int, default=10_000, help="largest N for scim2-server")
    p.add_argument("--no-peer", action="store_true", help="skip scim2-server")
    p.add_argument("--no-echo", action="store_true", help="skip the echo app (no ceiling ratios)")
    p.add_argument("--no-workers", action="store_true", help="skip the --workers 1 vs 2 run")
    p.add_argument("--concurrency", type=int, default=8, help="connections (8)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-pin", action="store_true", help="do not pin server and load generator")
    p.add_argument("--no-boost", action="store_true", help="do not raise their priority (root)")
    p.add_argument(
        "--out",
        type=Path,
        help="results folder (default benchmarks/results/local, ignored by git; with --save,"
        " benchmarks/results, the tracked figures the README quotes)",
    )
    p.add_argument(
        "--save", action="store_true", help="write into the tracked benchmarks/results folder"
    )
    p.add_argument("--chart", type=Path, help="PNG path (default <out>/bench-ratios.png)")
    args = p.parse_args(argv)
    if args.out is None:
        args.out = HERE / "results" if args.save else HERE / "results" / "local"
    if args.quick and args.n == p.get_default("n"):
        args.n = "1000,10000"
    args.ns = sorted({int(x.replace("_", "")) for x in args.n.split(",") if x.strip()})
    args.bounds = (
        Bounds(
            requests=4000,
            seconds=3,
            heavy_requests=100,
            heavy_seconds=4,
            page_seconds=40,
            patches=1000,
            group_patches=100,
            post_seconds=300,
        )
        if args.quick
        else Bounds()
    )
    return args


class Runner:
    """Drives one target through every step; keeps the ids it assigned."""

    def __init__(
        self, target: Target, lg: LoadGen, users: list[GeneratedUser], args: argparse.Namespace
    ) -> None:
        self.t = target
        self.lg = lg
        self.users = users
        self.args = args
        self.ids: list[str] = []
        self.group_id: str | None = None
        self.steps: dict[str, Any] = {}

    def job(
        self,
        reqs: list[tuple[str, str, str | None]],
        *,
        concurrency: int,
        max_requests: int,
        seconds: float,
        expect: tuple[int, ...],
        warmup: int = 0,
        capture: bool = False,
    ) -> dict[str, Any]:
        cpu0 = self.t.cpu_seconds()
        result = self.lg.run(
            {
                "host": "127.0.0.1",
                "port": self.t.port,
                "requests": reqs,
                "headers": self.t.headers,
                "concurrency": concurrency,
                "max_requests": max_requests,
                "max_seconds": seconds,
                "warmup": warmup,
                "expect": list(expect),
                "capture": ID_PATTERN if capture else None,
            }
        )
        cpu = self.t.cpu_seconds() - cpu0
        done = max(1, result["requests"])
        result["server_cpu_us_per_req"] = cpu / done * 1e6
        result["server_cpu_share"] = cpu / result["elapsed_s"] if result["elapsed_s"] else 0.0
        result["concurrency"] = concurrency
        return result

    def step(self, n: int, start: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        rng = random.Random(f"{self.args.seed}:{n}")
        for w in WORKLOADS:
            if w.name == "group_patch" and self.group_id is None:
                continue
            reqs, limit, seconds = requests_for(
                w.name,
                base=self.t.base,
                users=self.users,
                ids=self.ids,
                n=n,
                start=start,
                rng=rng,
                bounds=self.args.bounds,
                group_id=self.group_id,
            )
            if not reqs or not limit:
                continue
            conc = 1 if w.sequential else self.args.concurrency
            warmup = min(len(reqs), 3 if w.sequential else 200) if w.warmup else 0
            res = self.job(
                reqs,
                concurrency=conc,
                max_requests=limit,
                seconds=seconds,
                expect=w.expect,
                warmup=warmup,
                capture=w.name == "post_users",
            )
            captured = res.pop("captured")
            if w.name == "post_users":
                self._keep_ids(captured, start, n)
            out[w.name] = res
            _progress(self.t.name, n, w.label, res)
            if w.name == "post_users" and self.group_id is None and n >= GROUP_SIZE:
                self._create_group()
        out["rss_mb"] = self.t.rss_mb()
        out["peak_rss_mb"] = self.t.peak_rss_mb()
        return out

    def _keep_ids(self, captured: list[str | None], start: int, n: int) -> None:
        if self.t.name == "echo":
            self.ids.extend(f"echo-{i}" for i in range(start, n))
            return
        self.ids.extend(c or "missing" for c in captured)
        self.ids.extend("missing" for _ in range(n - len(self.ids)))

    def _create_group(self) -> None:
        body = group_body(self.ids[:GROUP_SIZE])
        res = self.job(
            [("POST", f"{self.t.base}/Groups", body)],
            concurrency=1,
            max_requests=1,
            seconds=60,
            expect=(201,),
            capture=True,
        )
        self.group_id = res["captured"][0] or ("echo-group" if self.t.name == "echo" else None)


def _progress(name: str, n: int, label: str, res: dict[str, Any]) -> None:
    bad = f"  UNEXPECTED {res['unexpected']}: {res['samples'][:1]}" if res["unexpected"] else ""
    print(
        f"  {name:<13} N={n:<7} {label:<44} {res['rps']:>9.1f} req/s  "
        f"p50 {res['p50_ms']:7.2f} ms  p99 {res['p99_ms']:8.2f} ms{bad}",
        flush=True,
    )


def _run_target(
    name: str,
    starter: AbstractContextManager[Target],
    users: list[GeneratedUser],
    ns: list[int],
    args: argparse.Namespace,
    lg: LoadGen,
    pin: bool,
) -> dict[str, Any]:
    with starter as target:
        target.pin([0] if pin else None, boost=args.boost)
        runner = Runner(target, lg, users, args)
        start = 0
        for n in ns:
            t0 = time.monotonic()
            runner.steps[str(n)] = runner.step(n, start)
            runner.steps[str(n)]["step_seconds"] = time.monotonic() - t0
            start = n
        return {
            "note": target.note,
            "pinned_cpus": target.pinned,
            "steps": runner.steps,
            "peak_rss_mb": target.peak_rss_mb(),
            "_ids": runner.ids,
        }


def _wrk_check(port: int, concurrency: int, pin: bool) -> dict[str, Any] | None:
    """The echo app measured by wrk too, when installed: does our generator keep up?"""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    cmd = [wrk, "-t1", f"-c{concurrency}", "-d5s", f"http://127.0.0.1:{port}/echo/Users/1"]
    if pin and shutil.which("taskset"):
        cmd = ["taskset", "-c", "1", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"Requests/sec:\s*([\d.]+)", out)
    return {"tool": "wrk", "rps": float(match.group(1))} if match else None


def _workers_run(
    db: Path, logdir: Path, users: list[GeneratedUser], ids: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """The same db served by 1 then 2 worker processes, nothing pinned (both cores shared)."""
    out: dict[str, Any] = {"note": "server and load generator unpinned; concurrency 16"}
    top = max(args.ns)
    bounds = args.bounds
    with LoadGen(cpu=None, boost=args.boost) as lg:
        for workers in (1, 2):
            rows: dict[str, Any] = {}
            with start_ours(db, logdir, workers=workers) as target:
                target.pin(None, boost=args.boost)
                runner = Runner(target, lg, users, args)
                runner.ids = ids
                rng = random.Random(f"workers:{args.seed}")
                base = target.base
                first = top + (workers - 1) * (WORKER_EXTRA // 2)
                plan = {
                    "get_by_id": requests_for(
                        "get_by_id",
                        base=base,
                        users=users,
                        ids=ids,
                        n=top,
                        start=0,
                        rng=rng,
                        bounds=bounds,
                    ),
                    "filter_username": requests_for(
                        "filter_username",
                        base=base,
                        users=users,
                        ids=ids,
                        n=top,
                        start=0,
                        rng=rng,
                        bounds=bounds,
                    ),
                    "post_users": requests_for(
                        "post_users",
                        base=base,
                        users=users,
                        ids=ids,
                        n=first + WORKER_EXTRA // 2,
                        start=first,
                        rng=rng,
                        bounds=bounds,
                    ),
                }
                for name, (reqs, limit, seconds) in plan.items():
                    post = name == "post_users"
                    res = runner.job(
                        reqs,
                        concurrency=16,
                        max_requests=limit,
                        seconds=seconds,
                        expect=(201,) if post else (200,),
                        warmup=0 if post else 200,
                    )
                    res.pop("captured")
                    rows[name] = res
                    _progress(f"workers={workers}", top, name, res)
                rows["peak_rss_mb"] = target.peak_rss_mb()
            out[str(workers)] = rows
    for name in ("get_by_id", "filter_username", "post_users"):
        one, two = out["1"][name]["rps"], out["2"][name]["rps"]
        out.setdefault("gain", {})[name] = two / one if one else None
    return out


def _git_state() -> str:
    """The commit measured, and whether the working tree differed from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "reference_server"],
            cwd=HERE,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' + uncommitted reference_server changes' if dirty else ''}"


def _stop(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so every server and the load generator get stopped."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _stop)
    args.boost = can_boost() and not args.no_boost
    cpus = os.cpu_count() or 1
    pin = cpus >= 2 and not args.no_pin and hasattr(os, "sched_setaffinity")
    top = max(args.ns)
    print(f"generating {top + WORKER_EXTRA} users (seed {args.seed}) ...", flush=True)
    users = list(generate_population(top + WORKER_EXTRA, 0, seed=args.seed).users)
    started = time.strftime("%Y-%m-%dT%H:%M:%S")
    meta = {
        "started": started,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": cpus,
        "pinning": (
            "server on CPU 0, load generator on CPU 1" if pin else "not pinned (shared CPUs)"
        ),
        "priority": f"nice {BOOST_NICE} (servers, load generator)" if args.boost else "default",
        "load_average_at_start": os.getloadavg(),
        "git": _git_state(),
        "ns": args.ns,
        "peer_max_n": 0 if args.no_peer else args.peer_max_n,
        "concurrency": args.concurrency,
        "seed": args.seed,
        "quick": args.quick,
        "bounds": asdict(args.bounds),
    }
    print(f"{cpus} CPUs; {meta['pinning']}", flush=True)
    results: dict[str, Any] = {"meta": meta, "targets": {}}
    with tempfile.TemporaryDirectory(prefix="scim-bench-") as tmp:
        logdir = Path(tmp)
        db = logdir / "ours.db"
        with LoadGen(cpu=1 if pin else None, boost=args.boost) as lg:
            meta["loadgen"] = f"loadgen.py, raw asyncio HTTP/1.1 keep-alive on {lg.loop}"
            with start_echo(logdir) as echo:
                echo.pin([0] if pin else None, boost=args.boost)
                results["loadgen_check"] = {"wrk": _wrk_check(echo.port, args.concurrency, pin)}
            plan: list[tuple[str, Any, list[int]]] = []
            if not args.no_echo:
                plan.append(("echo", lambda: start_echo(logdir), args.ns))
            if not args.no_peer:
                peer_ns = [n for n in args.ns if n <= args.peer_max_n]
                plan.append(("scim2-server", lambda: start_peer(logdir), peer_ns))
            plan.append(("scim-harness", lambda: start_ours(db, logdir), args.ns))
            ours_ids: list[str] = []
            for name, starter, ns in plan:
                if not ns:
                    continue
                print(f"== {name}", flush=True)
                done = _run_target(name, starter(), users, ns, args, lg, pin)
                ids = done.pop("_ids")
                if name == "scim-harness":
                    ours_ids = ids
                results["targets"][name] = done
            if "echo" in results["targets"]:
                echo_get = results["targets"]["echo"]["steps"][str(args.ns[0])]["get_by_id"]
                results["loadgen_check"]["loadgen"] = {
                    "rps": echo_get["rps"],
                    "loadgen_cpu_share": echo_get["loadgen_cpu_share"],
                }
        if not args.no_workers:
            print("== scim-harness --workers 1 vs 2 (same db file)", flush=True)
            results["workers"] = _workers_run(db, logdir, users, ours_ids, args)
    meta["load_average_at_end"] = os.getloadavg()
    results["ratios"] = ratios(results)
    results["goals"] = evaluate_goals(results)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.replace(":", "").replace("-", "")
    for path in (args.out / f"run-{stamp}.json", args.out / "latest.json"):
        path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    chart = args.chart or args.out / "bench-ratios.png"
    write_chart(results, chart)
    print_report(results)
    print(f"\nJSON: {args.out / 'latest.json'}   chart: {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
