"""Do lookups stay flat as the tenant grows? (issue 3's benchmark)

    python benchmarks/query_scaling.py                 # N = 1,000, 10,000, 100,000
    python benchmarks/query_scaling.py --n 1000,10000  # quicker

Loads N seeded users straight through the resources layer (``Resources.create``, the same
validation and mapping a POST gets, committed 1,000 at a time) into a SQLite file, growing one
database step by step, and at each N times, for random users:

* ``userName eq``, ``externalId eq`` and ``emails[type eq "work"].value eq`` (indexed), and
* one page of 100 at a random ``startIndex`` (a full listing costs pages x that),

twice: at the store (``SqliteStore.search``: filter parse, SQL, JSON decode) and through the
ASGI app in-process (the whole request: auth, handler, rendering, request record). No network.
The indexed ``eq`` lookups at the largest N must stay within 1.5x of the smallest N: the script
prints that ratio for each.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import resource_type
from scim_harness.reference_server.query import filters
from scim_harness.reference_server.resources.core import AppContext, Resources
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from scim_harness.simulated_client.generate.people import GeneratedUser
from scim_harness.simulated_client.generate.population import generate_population

__all__ = ["main"]

APP = "bench"
BASE = f"/apps/{APP}/scim/v2"
QUERIES = ("userName eq", "externalId eq", 'emails[type eq "work"].value eq', "page of 100")


def _expression(kind: str, user: GeneratedUser) -> str:
    def q(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

    if kind == "userName eq":
        return f"userName eq {q(user.user_name)}"
    if kind == "externalId eq":
        return f"externalId eq {q(user.external_id or user.user_name)}"
    return f'emails[type eq "work"].value eq {q(user.email)}'


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class _Asgi:
    """Calls the ASGI app in-process with a hand-built scope: no HTTP client on the path."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]

    async def get(self, path: str, query: str) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query.encode(),
            "headers": self.headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


def _load(resources: Resources, ctx: AppContext, users: list[GeneratedUser]) -> None:
    rtype = resource_type("User")
    store = resources.store
    for start in range(0, len(users), 1000):
        with store.transaction():
            for user in users[start : start + 1000]:
                resources.create(ctx, rtype, user.scim_body(), Findings())


def _time(fn: Callable[[Any], Any], items: list[Any]) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def _time_async(calls: list[tuple[str, str]], client: _Asgi) -> list[float]:
    out = []
    for path, query in calls:
        t0 = time.perf_counter()
        status = await client.get(path, query)
        out.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            msg = f"GET {path}?{query} answered {status}"
            raise RuntimeError(msg)
    return out


def measure(
    store: SqliteStore, client: _Asgi, users: list[GeneratedUser], n: int, samples: int
) -> dict[str, dict[str, float]]:
    rtype = resource_type("User")
    rng = random.Random(n)
    picks = [users[rng.randrange(n)] for _ in range(samples)]
    pages = max(1, min(samples // 10, 50))
    starts = [rng.randrange(max(1, n - 99)) for _ in range(pages)]
    out: dict[str, dict[str, float]] = {}
    for kind in QUERIES:
        if kind == "page of 100":
            store_ms = _time(lambda s: store.search(APP, rtype, None, start=s, count=100), starts)
            calls = [(f"{BASE}/Users", f"startIndex={s + 1}&count=100") for s in starts]
        else:
            parsed = [filters.parse_filter(_expression(kind, u), rtype) for u in picks]
            store_ms = _time(lambda f: store.search(APP, rtype, f, count=100), parsed)
            calls = [
                (f"{BASE}/Users", "filter=" + quote(_expression(kind, u), safe="")) for u in picks
            ]
        app_ms = asyncio.run(_time_async(calls, client))
        out[kind] = {
            "store_p50": _pct(store_ms, 50),
            "store_p99": _pct(store_ms, 99),
            "app_p50": _pct(app_ms, 50),
            "app_p99": _pct(app_ms, 99),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", default="1000,10000,100000", help="user counts, comma-separated")
    p.add_argument("--samples", type=int, default=1000, help="lookups per query and N (1000)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    ns = sorted({int(x.replace("_", "")) for x in args.n.split(",") if x.strip()})
    users = list(generate_population(max(ns), 0, seed=args.seed).users)
    results: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="scim-qs-") as tmp:
        db = str(Path(tmp) / "scaling.db")
        store = SqliteStore(db)
        boot = bootstrap(store, APP)
        app = create_app(ServerSettings(database=db), store=store)
        resources: Resources = app.state.server.resources
        row = store.get_app(APP)
        ctx = AppContext(
            name=APP, base_url=f"http://127.0.0.1{BASE}", mapping=row.mapping if row else None
        )
        client = _Asgi(app, boot.token)
        loaded = 0
        for n in ns:
            t0 = time.perf_counter()
            _load(resources, ctx, users[loaded:n])
            took = time.perf_counter() - t0
            print(f"loaded {n:,} users ({n - loaded:,} in {took:.1f} s); measuring ...", flush=True)
            loaded = n
            results[n] = measure(store, client, users, n, args.samples)
        store.close()
    print(f"\n{'N':>8}  {'query':<34}{'store p50':>10}{'p99':>8}{'app p50':>10}{'p99':>8}  (ms)")
    for n, rows in results.items():
        for kind, r in rows.items():
            print(
                f"{n:>8,}  {kind:<34}{r['store_p50']:>10.3f}{r['store_p99']:>8.3f}"
                f"{r['app_p50']:>10.3f}{r['app_p99']:>8.3f}"
            )
    small, large = min(ns), max(ns)
    if small != large:
        print(f"\np50 latency at N={large:,} / N={small:,} (indexed eq target: <= 1.5x)")
        for kind in QUERIES:
            s, a = results[small][kind], results[large][kind]
            store_ratio, app_ratio = a["store_p50"] / s["store_p50"], a["app_p50"] / s["app_p50"]
            verdict = (
                ""
                if kind == "page of 100"
                else ("  MET" if max(store_ratio, app_ratio) <= 1.5 else "  NOT MET")
            )
            print(f"  {kind:<34} store x{store_ratio:.2f}   app x{app_ratio:.2f}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
