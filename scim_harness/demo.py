"""``scim-harness demo``: the whole product in one command, with nothing else running.

It starts the reference server on 127.0.0.1 (a free port, a temporary SQLite file), creates
an app with delete-on-deactivation on, pushes a seeded population through it with the
simulated ``rfc`` client (create, update, deactivate, reactivate, memberships, renames) and
writes the end state the client meant to produce (``expected.json``, as ``push --expect-out``
does), then runs both suites: the client suite on that app's recorded traffic, reconciling the
app's directory with ``expected.json`` (as ``check client --expect`` does), and the server
suite (with admin access) against a second app, so the server suite's deliberate mistakes never
count against the client. It prints the summary and writes the HTML, JSON and JUnit reports.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from scim_harness.conformance.attribution import harness_user_agent
from scim_harness.conformance.commands.check import add_fail_on_flag
from scim_harness.conformance.model import Level, Outcome, Report
from scim_harness.conformance.report.files import ReportFiles, write_reports
from scim_harness.conformance.report.render import console_report, console_summary
from scim_harness.options import positive
from scim_harness.simulated_client.cli import RichProgress

__all__ = ["DEMO_SCENARIOS", "DemoResult", "RunningServer", "add_demo_parser", "run_demo"]

DEMO_SCENARIOS = ("provision", "update", "deactivate", "reactivate", "membership", "rename-groups")
"""What the simulated client does in the demo, in order, on one state."""
CLIENT_APP = "demo"
SERVER_APP = "conformance"


@dataclass(frozen=True)
class DemoResult:
    """The reports and where they were written."""

    reports: list[Report]
    files: ReportFiles
    exit_code: int
    server_url: str
    """Where the (now stopped) reference server listened."""


class RunningServer:
    """The reference server on uvicorn in a background thread, on 127.0.0.1 and a free port."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RunningServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.__exit__(None, None, None)
                msg = "the reference server did not start"
                raise RuntimeError(msg)
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=15)
        self._sock.close()


def _say(console: Console, text: str) -> None:
    """A plain line: no markup, no highlighting, never wrapped (paths stay copyable)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def add_demo_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="start a reference server, push a population, run both suites, write the reports",
        description=(
            "Start the reference server on a free port with a temporary database, push a "
            "seeded population with the simulated client, run the server and client suites "
            "and write the reports. Exits 0 unless a MUST check fails (--fail-on should: "
            "a MUST or SHOULD check)."
        ),
    )
    p.add_argument("--users", type=positive, default=300, help="users to push (300)")
    p.add_argument("--groups", type=positive, default=12, help="groups to push (12)")
    p.add_argument("--seed", type=int, default=0, help="seed of the population and checks (0)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("scim-harness-demo"),
        help="directory for the reports (./scim-harness-demo)",
    )
    add_fail_on_flag(p)
    p.set_defaults(func=_run_demo_command)
    return p


async def _push(
    base_url: str, token: str, users: int, groups: int, seed: int, expect_out: Path
) -> int:
    """Push the population with the ``rfc`` client and write the end state it meant to
    produce to ``expect_out``; the number of failed changes."""
    from scim_harness.simulated_client.client import ScimClient
    from scim_harness.simulated_client.expected import write_intended_state
    from scim_harness.simulated_client.generate.population import generate_population
    from scim_harness.simulated_client.profiles.catalogue import get_profile
    from scim_harness.simulated_client.scenarios.catalogue import SCENARIOS
    from scim_harness.simulated_client.scenarios.state import ScenarioOptions, ScenarioState

    profile = get_profile("rfc")
    population = generate_population(users, groups, seed=seed)
    state = ScenarioState.fresh(population)
    options = ScenarioOptions(seed=seed, deactivate_fraction=0.2)
    errors = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    failed = 0
    async with httpx.AsyncClient(timeout=30) as http:
        client = ScimClient(http, base_url=base_url, token=token, record=False)
        with Progress(
            *columns, console=errors, transient=True, disable=not errors.is_terminal
        ) as bar:
            hook = RichProgress(bar)
            for name in DEMO_SCENARIOS:
                result = await SCENARIOS[name](
                    client, profile, state, options=options, progress=hook
                )
                failed += result.counts.failed
    source = {"scenario": "+".join(DEMO_SCENARIOS), "seed": seed, "base_url": base_url}
    write_intended_state(expect_out, state, profile, source)
    return failed


async def _suites(
    server_url: str, boot: Any, conformance_token: str, seed: int, expected: Path
) -> list[Report]:
    from scim_harness.conformance.client.expected import load_expected
    from scim_harness.conformance.client.reconcile import fetch_platform
    from scim_harness.conformance.client.suite import run_client_suite
    from scim_harness.conformance.server.context import AdminAccess
    from scim_harness.conformance.server.suite import run_server_suite
    from scim_harness.conformance.traffic.recording import fetch_traffic

    admin_url = f"{server_url}/admin"
    agent = {"User-Agent": harness_user_agent("demo")}
    async with httpx.AsyncClient(timeout=30, headers=agent) as http:
        # The client's traffic first: nothing else has touched its app.
        traffic = await fetch_traffic(http, admin_url, boot.admin_token, CLIENT_APP)
        intended = load_expected(expected)
        traffic.platform = await fetch_platform(
            http, admin_url, boot.admin_token, CLIENT_APP, intended
        )
        client_report = run_client_suite(traffic, target=f"{server_url} app {CLIENT_APP}")
        client_report.details.setdefault("client", "simulated rfc client")
        server_report = await run_server_suite(
            http,
            f"{server_url}/apps/{SERVER_APP}/scim/v2",
            conformance_token,
            profile="rfc",
            seed=seed,
            admin=AdminAccess(admin_url, boot.admin_token, SERVER_APP),
            via="demo",
        )
    return [server_report, client_report]


def run_demo(
    *,
    users: int = 300,
    groups: int = 12,
    seed: int = 0,
    out: Path,
    console: Console,
    fail_on: Level = Level.MUST,
) -> DemoResult:
    """Run the demo (see the module docstring); the reports are written under ``out``.

    ``fail_on`` is the lowest level whose failure makes the exit code 1.
    """
    from scim_harness.reference_server.app import create_app
    from scim_harness.reference_server.serve import bootstrap
    from scim_harness.reference_server.settings import ServerSettings
    from scim_harness.reference_server.store.sqlite import SqliteStore

    out.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(
        json=out / "report.json", junit=out / "report.junit.xml", html=out / "report.html"
    )
    expected = out / "expected.json"
    with tempfile.TemporaryDirectory(prefix="scim-harness-demo-") as tmp:
        db = str(Path(tmp) / "demo.db")
        store = SqliteStore(db)
        try:
            boot = bootstrap(store, CLIENT_APP, settings={"deleteOnDeactivate": True})
            other = bootstrap(store, SERVER_APP, admin_token=boot.admin_token)
            token, other_token = boot.token, other.token
            if token is None or other_token is None:  # a fresh database generates both
                msg = "the demo's database did not give its apps new tokens"
                raise RuntimeError(msg)
            app = create_app(ServerSettings(database=db), store=store)
            with RunningServer(app) as server:
                base = f"{server.url}/apps/{CLIENT_APP}/scim/v2"
                _say(console, f"reference server at {server.url} (SCIM base URL {base})")
                _say(console, f"pushing {users} users and {groups} groups (seed {seed})...")
                started = time.perf_counter()
                failed = asyncio.run(_push(base, token, users, groups, seed, expected))
                pushed = time.perf_counter() - started
                note = f", {failed} changes failed" if failed else ""
                _say(console, f"pushed in {pushed:.1f} s{note}; running both suites...")
                started = time.perf_counter()
                reports = asyncio.run(_suites(server.url, boot, other_token, seed, expected))
                _say(console, f"suites done in {time.perf_counter() - started:.1f} s")
        finally:
            store.close()
    for report in reports:
        report.fail_on = fail_on
        if report.blocking or report.counts()[str(Outcome.FAILED)]:
            console_report(report, console, show_passed=False, show_skipped=False)
    console.print()
    for report in reports:
        console_summary(report, console)
    for path in write_reports(reports, files):
        _say(console, f"wrote {path}")
    return DemoResult(reports, files, max(r.exit_code for r in reports), server.url)


def _run_demo_command(args: argparse.Namespace) -> int:
    console = Console()
    try:
        # Before anything runs: a report folder that cannot be made fails now, not at the end.
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"scim-harness demo: error: --out {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        result = run_demo(
            users=args.users,
            groups=args.groups,
            seed=args.seed,
            out=args.out,
            console=console,
            fail_on=Level.parse(args.fail_on),
        )
    except (OSError, RuntimeError) as exc:
        print(f"scim-harness: error: {exc}", file=sys.stderr)
        return 2
    _say(console, f"HTML report: {result.files.html}")
    return result.exit_code
