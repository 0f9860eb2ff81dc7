"""Ratios, issue 7's targets marked met or not, the printed tables and the PNG chart of one run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workloads import WORKLOADS

__all__ = ["evaluate_goals", "print_report", "ratios", "write_chart"]

OURS, PEER, ECHO = "scim-harness", "scim2-server", "echo"
EQ_FILTERS = ("filter_username", "filter_externalid", "filter_email")


def _step(results: dict[str, Any], target: str, n: int | str) -> dict[str, Any] | None:
    steps: dict[str, Any] = results["targets"].get(target, {}).get("steps", {})
    step: dict[str, Any] | None = steps.get(str(n))
    return step


def _rps(results: dict[str, Any], target: str, n: int | str, workload: str) -> float | None:
    step = _step(results, target, n)
    if not step or workload not in step:
        return None
    value: float = step[workload]["rps"]
    return value


def _cpu(results: dict[str, Any], target: str, n: int | str, workload: str) -> float | None:
    step = _step(results, target, n)
    if not step or workload not in step:
        return None
    value: float = step[workload]["server_cpu_us_per_req"]
    return value


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Ours' requests/s over the peer's and over the echo app's, workload by workload, per N."""
    out: dict[str, Any] = {}
    for n in results["meta"]["ns"]:
        row: dict[str, Any] = {}
        for w in WORKLOADS:
            ours = _rps(results, OURS, n, w.name)
            if ours is None:
                continue
            peer = _rps(results, PEER, n, w.name)
            echo = _rps(results, ECHO, n, w.name)
            ours_cpu = _cpu(results, OURS, n, w.name)
            peer_cpu = _cpu(results, PEER, n, w.name)
            echo_cpu = _cpu(results, ECHO, n, w.name)
            row[w.name] = {
                "vs_peer": ours / peer if peer else None,
                "vs_echo": ours / echo if echo else None,
                # Server CPU per request, theirs over ours: barely moved by other load.
                "cpu_vs_peer": peer_cpu / ours_cpu if peer_cpu and ours_cpu else None,
                "cpu_vs_echo": echo_cpu / ours_cpu if echo_cpu and ours_cpu else None,
            }
        out[str(n)] = row
    return out


def _goal(
    name: str, value: float | None, target: str, met: bool | None, where: str
) -> dict[str, Any]:
    return {"goal": name, "value": value, "target": target, "met": met, "where": where}


def evaluate_goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 7's targets, each with the measured value and met / not met / not measured."""
    ns = [int(n) for n in results["meta"]["ns"]]
    peer_ns = [n for n in ns if _step(results, PEER, n)]
    ref = 10_000 if 10_000 in peer_ns else (max(peer_ns) if peer_ns else None)
    rat = results.get("ratios", {})
    goals: list[dict[str, Any]] = []

    def ratio(workload: str, key: str) -> float | None:
        if ref is None:
            return None
        value: float | None = rat.get(str(ref), {}).get(workload, {}).get(key)
        return value

    def check(name: str, value: float | None, floor: float, text: str) -> None:
        met = None if value is None else value >= floor
        goals.append(_goal(name, value, text, met, f"N={ref}"))

    check("GET /Users/{id} vs scim2-server", ratio("get_by_id", "vs_peer"), 4, ">= 4x")
    check("GET /Users/{id} vs echo ceiling", ratio("get_by_id", "vs_echo"), 0.30, ">= 0.30")
    check("POST /Users vs scim2-server", ratio("post_users", "vs_peer"), 3, ">= 3x")
    check("co filter vs scim2-server", ratio("filter_co", "vs_peer"), 10, ">= 10x")
    check("paging 100/page vs scim2-server", ratio("paging", "vs_peer"), 20, ">= 20x")
    small, large = (min(ns), max(ns)) if ns else (None, None)
    for name in EQ_FILTERS:
        lo = _step(results, OURS, small) if small else None
        hi = _step(results, OURS, large) if large else None
        value = None
        if lo and hi and name in lo and name in hi and lo[name]["p50_ms"]:
            value = hi[name]["p50_ms"] / lo[name]["p50_ms"]
        met = None if value is None or small == large else value <= 1.5
        goals.append(
            _goal(f"{name} p50 latency N={large} / N={small}", value, "<= 1.5", met, "p50")
        )
    big = _step(results, OURS, 100_000)
    rss = big["peak_rss_mb"] if big else None
    goals.append(
        _goal(
            "peak RSS with 100,000 users (MB)",
            rss,
            "<= 250",
            None if rss is None else rss <= 250,
            "N=100000",
        )
    )
    return goals


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def print_report(results: dict[str, Any]) -> None:
    meta = results["meta"]
    print(f"\n# scim-harness benchmark, {meta['started']}, {meta['cpus']} CPUs, {meta['pinning']}")
    print(f"code measured: {meta.get('git', 'unknown')}")
    print(f"load generator: {meta['loadgen']}; {meta['concurrency']} connections")
    print(
        f"priority: {meta['priority']}; load average at start {meta['load_average_at_start']}, "
        f"at end {meta['load_average_at_end']} (other work on the machine skews req/s; "
        "cpu/req much less)"
    )
    for name, target in results["targets"].items():
        print(f"  {name}: {target['note']}")
    check = results.get("loadgen_check", {})
    own = check.get("loadgen") or {}
    wrk = check.get("wrk")
    print(
        f"load generator check on echo GET: {_fmt(own.get('rps'), '.0f')} req/s using "
        f"{_fmt(100 * own.get('loadgen_cpu_share', 0), '.0f')}% of its CPU"
        + (f"; wrk on the same URL: {wrk['rps']:.0f} req/s" if wrk else "; wrk not installed")
    )
    for n in meta["ns"]:
        print(f"\n## N = {int(n):,} users")
        head = (
            f"{'workload':<44}{'conc':>5} | {'ours req/s':>10}{'p50':>8}{'p99':>9}{'cpu/req':>9}"
            f" | {'peer req/s':>10}{'p50':>8}{'p99':>9}{'cpu/req':>9} | {'echo req/s':>10}"
            f" | {'x peer':>7}{'x echo':>7} | {'cpu x peer':>10}{'x echo':>7}"
        )
        print(head)
        print("-" * len(head))
        for w in WORKLOADS:
            cells = []
            conc = "-"
            for target in (OURS, PEER):
                step = _step(results, target, n) or {}
                res = step.get(w.name)
                if res:
                    conc = str(res["concurrency"])
                    cells.append(
                        f"{res['rps']:>10.1f}{res['p50_ms']:>8.2f}{res['p99_ms']:>9.2f}"
                        f"{res['server_cpu_us_per_req']:>9.0f}"
                    )
                else:
                    cells.append(f"{'-':>10}{'-':>8}{'-':>9}{'-':>9}")
            echo = _rps(results, ECHO, n, w.name)
            r = results.get("ratios", {}).get(str(n), {}).get(w.name, {})
            print(
                f"{w.label:<44}{conc:>5} | {cells[0]} | {cells[1]} | {_fmt(echo):>10} | "
                f"{_fmt(r.get('vs_peer'), '.2f'):>7}{_fmt(r.get('vs_echo'), '.2f'):>7} | "
                f"{_fmt(r.get('cpu_vs_peer'), '.2f'):>10}{_fmt(r.get('cpu_vs_echo'), '.2f'):>7}"
            )
        rss = [
            f"{t}: {_fmt((_step(results, t, n) or {}).get('peak_rss_mb'), '.0f')} MB"
            for t in (OURS, PEER, ECHO)
        ]
        print("peak RSS (VmHWM) after this step: " + ", ".join(rss))
    print(
        "\nlatencies in ms; cpu/req = server CPU time (user+sys) per request in microseconds; "
        "x peer / x echo = ours' req/s over theirs; cpu x = their CPU per request over ours"
    )
    workers = results.get("workers")
    if workers:
        print(f"\n## scim-harness serve --workers 1 vs 2 ({workers['note']})")
        for name, gain in workers["gain"].items():
            one, two = workers["1"][name], workers["2"][name]
            print(
                f"{name:<20} 1 worker {one['rps']:>8.1f} req/s (p99 {one['p99_ms']:.2f} ms)   "
                f"2 workers {two['rps']:>8.1f} req/s (p99 {two['p99_ms']:.2f} ms)   "
                f"gain x{_fmt(gain, '.2f')}"
            )
    print("\n## issue 7 targets")
    for g in results.get("goals", []):
        mark = {True: "MET", False: "NOT MET", None: "not measured"}[g["met"]]
        print(f"{g['goal']:<52} {_fmt(g['value'], '.2f'):>9}  target {g['target']:<8} {mark}")


def write_chart(results: dict[str, Any], path: Path) -> None:
    """Bars of ours/peer and ours/echo per workload and N (log scale), for the README."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rat = results.get("ratios", {})
    names = [w for w in WORKLOADS]
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5))
    for ax, key, title in (
        (axes[0], "vs_peer", "scim-harness / scim2-server (requests/s, higher is better)"),
        (axes[1], "vs_echo", "scim-harness / bare Starlette echo (share of the ceiling)"),
    ):
        ns = [n for n in rat if any(rat[n].get(w.name, {}).get(key) for w in names)]
        width = 0.8 / max(1, len(ns))
        for k, n in enumerate(ns):
            values = [rat[n].get(w.name, {}).get(key) or 0 for w in names]
            xs = [i + k * width for i in range(len(names))]
            ax.bar(xs, values, width, label=f"N={int(n):,}")
        ax.set_xticks([i + width * (len(ns) - 1) / 2 for i in range(len(names))])
        ax.set_xticklabels([w.name for w in names], rotation=35, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    meta = results["meta"]
    fig.suptitle(
        f"scim-harness benchmark {meta['started']} ({meta['cpus']} CPUs, {meta['pinning']})",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
