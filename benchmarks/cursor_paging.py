"""Walking every user: RFC 9865 cursors vs startIndex, in the same run (issue 17's benchmark).

    python benchmarks/cursor_paging.py                # 100,000 users, pages of 100
    python benchmarks/cursor_paging.py --n 20000      # quicker

Loads N seeded users straight through the resources layer (``Resources.create``, the
validation and mapping a POST gets, committed 1,000 at a time) into a SQLite file, then walks
all of them, page by page, through the ASGI app in-process (the whole request: auth, handler,
rendering, request record; no network):

* with cursors: ``GET /Users?count=100&cursor=`` then each ``nextCursor``, to the last page;
* with index paging: ``GET /Users?startIndex=k&count=100`` for k = 1, 101, ... to the end;

the two walks interleaved page by page (so both see the same machine), and times every page,
after an untimed warm-up of both. It prints the time per page at the
start of the walk and at its end (the median of the first and of the last ``--window`` pages;
the time the app takes, the client's JSON parsing left out) and their ratio: a cursor page is
a keyset range of the (app, rtype) index, so it must cost the same at the end as at the start
(target: within 1.5x); an index page skips ``startIndex - 1`` index entries first.

The figures go to ``benchmarks/results/local/cursor-<time>.json`` (ignored by git), or with
``--save`` to the tracked ``benchmarks/results/``; ``--table FILE`` prints the README's table
for a saved run (``tests/test_readme_cursor_figures.py`` keeps the README equal to it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import resource_type
from scim_harness.reference_server.resources.core import AppContext, Resources
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from scim_harness.simulated_client.generate.population import generate_population

__all__ = ["main"]

APP = "bench"
BASE = f"/apps/{APP}/scim/v2"
HERE = Path(__file__).resolve().parent


class _Asgi:
    """GETs through the ASGI app in-process with a hand-built scope; returns the JSON body."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]

    async def get(self, path: str, query: str) -> tuple[float, dict[str, Any]]:
        """(milliseconds the app took, the parsed body): parsing is the client's time."""
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
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        started = time.perf_counter()
        await self.app(scope, receive, send)
        took = (time.perf_counter() - started) * 1000
        if status != 200:
            msg = f"GET {path}?{query} answered {status}: {b''.join(chunks)[:200]!r}"
            raise RuntimeError(msg)
        body: dict[str, Any] = json.loads(b"".join(chunks))
        return took, body


def _load(resources: Resources, ctx: AppContext, n: int, seed: int) -> None:
    rtype = resource_type("User")
    store = resources.store
    users = generate_population(n, 0, seed=seed).users
    for start in range(0, n, 1000):
        with store.transaction():
            for user in users[start : start + 1000]:
                resources.create(ctx, rtype, user.scim_body(), Findings())


async def _warm_up(client: _Asgi, size: int, pages: int) -> None:
    """Untimed first pages of both methods: both walks then start from the same warm caches."""
    cursor = ""
    for start in range(1, pages * size + 1, size):
        await client.get(f"{BASE}/Users", f"startIndex={start}&count={size}")
        _, body = await client.get(f"{BASE}/Users", f"count={size}&cursor={cursor}")
        cursor = body["nextCursor"]


async def _walks(client: _Asgi, size: int) -> dict[str, tuple[list[float], int]]:
    """Both walks, a page of one then a page of the other, so that both see the same machine
    (on a shared machine the load drifts over a minute; alternating keeps it out of the
    comparison): (times per page, users seen) by method."""
    times: dict[str, list[float]] = {"cursor": [], "index": []}
    seen = {"cursor": 0, "index": 0}
    cursor: str | None = ""
    start: int | None = 1
    while cursor is not None or start is not None:
        if cursor is not None:
            took, body = await client.get(f"{BASE}/Users", f"count={size}&cursor={cursor}")
            times["cursor"].append(took)
            seen["cursor"] += len(body["Resources"])
            cursor = body.get("nextCursor")
        if start is not None:
            took, body = await client.get(f"{BASE}/Users", f"startIndex={start}&count={size}")
            times["index"].append(took)
            got = len(body["Resources"])
            seen["index"] += got
            start = start + got if got and start + got <= body["totalResults"] else None
    return {name: (times[name], seen[name]) for name in times}


def _summary(name: str, times: list[float], seen: int, window: int) -> dict[str, float]:
    first = statistics.median(times[:window])
    last = statistics.median(times[-window:])
    row = {
        "pages": len(times),
        "users": seen,
        "first_ms": round(first, 3),
        "last_ms": round(last, 3),
        "ratio": round(last / first, 3),
        "total_s": round(sum(times) / 1000, 3),
    }
    print(
        f"  {name:<8}{len(times):>7,}{seen:>9,}{first:>13.2f}{last:>12.2f}"
        f"{last / first:>9.2f}x{sum(times) / 1000:>10.1f}",
        flush=True,
    )
    return row


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _commit() -> str:
    """The commit measured, marked when the server's code differed from it."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--", "../reference_server")
    except OSError:
        return "unknown"
    return f"{head}{' + uncommitted reference_server changes' if dirty else ''}"


def table(path: Path) -> str:
    """The README's table for the saved run ``path``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    lines = [
        f"Run `{path.name}` (commit {data['commit']}, {data['started']}), "
        f"{data['n']:,} users by {data['page']}, median of {data['window']} pages at each end, "
        "milliseconds per page:",
        "",
        "| paging | first pages | last pages | last / first | whole walk |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in ("cursor", "index"):
        row = data[name]
        lines.append(
            f"| {name} | {row['first_ms']:.1f} | {row['last_ms']:.1f} | {row['ratio']:.2f}x "
            f"| {row['total_s']:.1f} s |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000, help="users (100,000)")
    p.add_argument("--page", type=int, default=100, help="users per page (100)")
    p.add_argument("--window", type=int, default=20, help="pages per median, each end (20)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", action="store_true", help="write into the tracked results folder")
    p.add_argument("--table", type=Path, metavar="FILE", help="print the README table of a run")
    args = p.parse_args(argv)
    if args.table is not None:
        print(table(args.table))
        return 0
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="scim-cursor-") as tmp:
        db = str(Path(tmp) / "cursor.db")
        store = SqliteStore(db)
        boot = bootstrap(store, APP)
        app = create_app(ServerSettings(database=db), store=store)
        resources: Resources = app.state.server.resources
        row = store.get_app(APP)
        ctx = AppContext(
            name=APP, base_url=f"http://127.0.0.1{BASE}", mapping=row.mapping if row else None
        )
        t0 = time.perf_counter()
        _load(resources, ctx, args.n, args.seed)
        print(f"loaded {args.n:,} users in {time.perf_counter() - t0:.1f} s (SQLite, WAL)")
        store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        client = _Asgi(app, boot.token)
        asyncio.run(_warm_up(client, args.page, args.window))
        print(f"walking {args.n:,} users by {args.page}, median of {args.window} pages per end")
        print(
            f"  {'method':<8}{'pages':>7}{'users':>9}{'first (ms)':>13}{'last (ms)':>12}"
            f"{'last/1st':>10}{'walk (s)':>10}"
        )
        walks = asyncio.run(_walks(client, args.page))
        cursor = _summary("cursor", *walks["cursor"], args.window)
        index = _summary("index", *walks["index"], args.window)
        store.close()
    verdict = "MET" if cursor["ratio"] <= 1.5 else "NOT MET"
    print(f"cursor pages flat within 1.5x from the first to the last page: {verdict}")
    print(
        f"last page: index {index['last_ms']:.2f} ms / cursor {cursor['last_ms']:.2f} ms = "
        f"{index['last_ms'] / cursor['last_ms']:.1f}x"
    )
    folder = HERE / "results" if args.save else HERE / "results" / "local"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"cursor-{started.strftime('%Y%m%dT%H%M%S')}.json"
    document = {
        "benchmark": "cursor_paging.py",
        "command": "python benchmarks/cursor_paging.py " + " ".join(argv or sys.argv[1:]),
        "commit": _commit(),
        "started": started.isoformat(timespec="seconds").replace("+00:00", " UTC"),
        "n": args.n,
        "page": args.page,
        "window": args.window,
        "seed": args.seed,
        "cursor": cursor,
        "index": index,
    }
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
