"""Where our server's time goes: py-spy samples ``scim-harness serve`` under one workload at a time.

    python benchmarks/profile_ours.py --n 10000 [--workloads get_by_id,post_users,paging]

Starts the reference server (file db, 1 process) on 127.0.0.1, loads N users by POST, then for
each workload attaches ``py-spy record`` (pip install py-spy; not a project dependency) to the
server, runs the workload through ``loadgen.py`` and prints the functions holding the most
samples: inclusive share (the function or anything it calls) and self share. Raw collapsed
stacks are kept in ``benchmarks/results/profile-<workload>.txt`` for flame graphs.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from scim_harness.simulated_client.generate.population import generate_population
from targets import HERE, LoadGen, start_ours
from workloads import GROUP_SIZE, ID_PATTERN, WORKLOADS, Bounds, group_body, requests_for

__all__ = ["main", "summarise"]

_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def summarise(raw: Path, top: int = 25) -> list[str]:
    """Top functions of a py-spy raw (collapsed) profile, by inclusive then self samples."""
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";")]
        total += count
        for name in set(frames):
            inclusive[name] += count
        self_[frames[-1]] += count
    if not total:
        return ["(no samples)"]
    lines = [f"{total} samples"]
    lines += [f"  incl {100 * c / total:5.1f}%  {name}" for name, c in inclusive.most_common(top)]
    lines += ["  --"]
    lines += [f"  self {100 * c / total:5.1f}%  {name}" for name, c in self_.most_common(12)]
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000, help="users to load first (10000)")
    p.add_argument("--workloads", default="get_by_id,post_users,paging,patch_active")
    p.add_argument("--seconds", type=float, default=8.0, help="seconds per workload (8)")
    p.add_argument("--rate", type=int, default=250, help="py-spy samples per second (250)")
    p.add_argument("--out", type=Path, default=HERE / "results")
    args = p.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy is not installed: pip install py-spy", file=sys.stderr)
        return 2
    names = [w.strip() for w in args.workloads.split(",") if w.strip()]
    known = {w.name: w for w in WORKLOADS}
    extra = 3000  # users POSTed while profiling post_users
    users = list(generate_population(args.n + extra, 0, seed=0).users)
    bounds = Bounds(
        requests=10**6,
        seconds=args.seconds,
        heavy_seconds=args.seconds,
        page_seconds=args.seconds,
        post_seconds=args.seconds,
        patches=5000,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="scim-prof-") as tmp,
        LoadGen(cpu=1) as lg,
        start_ours(Path(tmp) / "ours.db", Path(tmp)) as target,
    ):
        target.pin([0])
        base, hdr = target.base, target.headers
        job = {"host": "127.0.0.1", "port": target.port, "headers": hdr}
        load, _, _ = requests_for(
            "post_users",
            base=base,
            users=users,
            ids=[],
            n=args.n,
            start=0,
            rng=random.Random(0),
            bounds=bounds,
        )
        print(f"loading {args.n} users ...", flush=True)
        res = lg.run(
            {
                **job,
                "requests": load,
                "concurrency": 8,
                "max_seconds": 900,
                "expect": [201],
                "capture": ID_PATTERN,
            }
        )
        ids = [c or "missing" for c in res["captured"]]
        group = lg.run(
            {
                **job,
                "requests": [("POST", f"{base}/Groups", group_body(ids[:GROUP_SIZE]))],
                "expect": [201],
                "capture": ID_PATTERN,
            }
        )["captured"][0]
        for name in names:
            w = known[name]
            reqs, limit, seconds = requests_for(
                name,
                base=base,
                users=users,
                ids=ids,
                n=args.n + (extra if name == "post_users" else 0),
                start=args.n,
                rng=random.Random(1),
                bounds=bounds,
                group_id=group,
            )
            raw = args.out / f"profile-{name}.txt"
            spy_proc = subprocess.Popen(
                [
                    spy,
                    "record",
                    "--pid",
                    str(target.proc.pid),
                    "--rate",
                    str(args.rate),
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
            conc = 1 if w.sequential else 8
            res = lg.run(
                {
                    **job,
                    "requests": reqs,
                    "concurrency": conc,
                    "max_requests": limit,
                    "max_seconds": seconds,
                    "expect": list(w.expect),
                }
            )
            spy_proc.send_signal(signal.SIGINT)
            try:
                spy_proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy_proc.kill()
                spy_proc.wait(timeout=5)
            print(
                f"\n== {w.label}: {res['rps']:.1f} req/s, p50 {res['p50_ms']:.2f} ms, "
                f"unexpected {res['unexpected']}"
            )
            if raw.exists():
                print("\n".join(summarise(raw)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
