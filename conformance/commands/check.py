"""``scim-harness check server|client``: run a suite, print the report, write the files.

Exit status: 0 when no MUST check failed (``--fail-on should``: no MUST or SHOULD check), 1
when one did, 2 when the run could not happen (bad arguments, an unreachable target, a
refused token, an unreadable traffic file), 3 when ``check client`` had nothing to judge (no
create, or fewer requests than the minimum; see :mod:`conformance.client_scope`) unless
``--allow-empty``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from scim_harness.conformance.attribution import harness_user_agent
from scim_harness.conformance.checks import registered
from scim_harness.conformance.commands.reach import (
    TargetUnavailable,
    fetch_client_platform,
    fetch_client_traffic,
    preflight_admin,
    preflight_server,
)
from scim_harness.conformance.model import FAIL_ON_CHOICES, Check, Level, Report, Result
from scim_harness.conformance.profiles import INTEROP, PROFILE_CHOICES
from scim_harness.conformance.report.files import STDOUT, ReportFiles, emit_reports
from scim_harness.conformance.server.target import TARGET_CHOICES

from scim_harness.options import base_url, deprecated_alias, env_token, seconds, token

if TYPE_CHECKING:
    from scim_harness.conformance.client.expected import Expected
    from scim_harness.conformance.server.context import AdminAccess
    from scim_harness.conformance.traffic.recording import Traffic

__all__ = [
    "add_check_parser",
    "add_fail_on_flag",
    "run_check_client",
    "run_check_server",
    "select_ids",
]

PROG = "scim-harness"
PROFILES = PROFILE_CHOICES
CLIENT_PROFILES = ("rfc", INTEROP)


def _admin_url_of(server: str) -> str:
    """``--server ROOT`` (the old spelling) as the ``--admin-url`` it means."""
    return f"{server.removesuffix('/admin')}/admin"


def _add_report_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--select",
        nargs="+",
        metavar="ID_GLOB",
        help="run only the checks whose id matches one of these globs, e.g. 'SRV-FLT-*'",
    )
    p.add_argument(
        "--json", type=Path, metavar="FILE", help="write the JSON report here ('-': stdout)"
    )
    p.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML here (for CI)")
    p.add_argument("--html", type=Path, metavar="FILE", help="write the HTML report here")
    p.add_argument("--hide-passed", action="store_true", help="print only checks that did not pass")
    p.add_argument("--timeout", type=seconds, default=30.0, help="seconds per request (30)")
    add_fail_on_flag(p)


def add_fail_on_flag(p: argparse.ArgumentParser) -> None:
    """``--fail-on must|should``: the lowest level whose failure makes the exit status 1."""
    p.add_argument(
        "--fail-on",
        type=str.lower,
        choices=FAIL_ON_CHOICES,
        default="must",
        help="exit 1 when a check of this level (or stricter) fails: must (default) or should",
    )


def add_check_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``check server`` and ``check client`` to the ``scim-harness`` sub-commands."""
    check: argparse.ArgumentParser = subparsers.add_parser(
        "check",
        help="run the conformance checks against a SCIM server or a client's traffic",
        description="Run the conformance checks. Exit 0 when no MUST check fails "
        "(--fail-on should: no MUST or SHOULD check).",
    )
    sides = check.add_subparsers(dest="side", metavar="SIDE", required=True)
    server = sides.add_parser(
        "server",
        help="check any SCIM server through its base URL and bearer token",
        description="Drive a SCIM 2.0 server like a provisioning client and judge its answers.",
    )
    server.add_argument("--base-url", required=True, type=base_url, help="the SCIM base URL")
    server.add_argument(
        "--token",
        type=token,
        default=env_token("SCIM_TOKEN"),
        help="the bearer token (default: $SCIM_TOKEN)",
    )
    server.add_argument(
        "--profile",
        choices=PROFILES,
        default="rfc",
        help="judge also as this IdP would (replaying its requests), or by the SCIM 2.0 "
        "interoperability profile (interop); default rfc",
    )
    server.add_argument("--seed", type=int, default=0, help="seed of the test data (0)")
    server.add_argument("--keep", action="store_true", help="leave the test data in place")
    server.add_argument("--admin-url", type=base_url, help="reference server only: its /admin URL")
    server.add_argument(
        "--admin-token",
        type=token,
        default=env_token("SCIM_ADMIN_TOKEN"),
        help="reference server only: the admin token (default: $SCIM_ADMIN_TOKEN)",
    )
    server.add_argument("--app", help="reference server only: the app behind --base-url")
    server.add_argument(
        "--deactivation",
        choices=("delete", "keep"),
        help="what the target does with a deactivated user; without it either is accepted "
        "and the report says which the target showed",
    )
    server.add_argument(
        "--target",
        choices=TARGET_CHOICES,
        default="auto",
        help="judge by the RFCs alone (rfc) or also by the platform's rules (platform); "
        "auto (default): platform when --admin-url is given or the target's /Schemas "
        "declares the platform's six attributes required",
    )
    _add_report_flags(server)
    server.set_defaults(func=run_check_server)
    client = sides.add_parser(
        "client",
        help="judge a provisioning client by the traffic the reference server recorded",
        description="Judge a SCIM client by its requests to the reference server.",
    )
    source = client.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--admin-url", type=base_url, help="the reference server's admin API (.../admin)"
    )
    source.add_argument(
        "--server",
        dest="admin_url",
        type=base_url,
        action=deprecated_alias,
        new="--admin-url",
        convert=_admin_url_of,
        help=argparse.SUPPRESS,
    )
    source.add_argument("--file", type=Path, help="a requests.jsonl export instead")
    source.add_argument(
        "--har",
        type=Path,
        metavar="FILE",
        help="a HAR 1.2 capture instead (browser, mitmproxy, Postman, or requests.har)",
    )
    client.add_argument(
        "--admin-token",
        type=token,
        default=env_token("SCIM_ADMIN_TOKEN"),
        help="the admin token (default: $SCIM_ADMIN_TOKEN)",
    )
    client.add_argument("--app", help="the app whose traffic to judge")
    client.add_argument(
        "--since",
        type=_bound,
        metavar="TIME|SEQ",
        help="judge the record from this seq or ISO 8601 time on (inclusive)",
    )
    client.add_argument(
        "--until",
        type=_bound,
        metavar="TIME|SEQ",
        help="judge the record up to this seq or ISO 8601 time (inclusive)",
    )
    client.add_argument(
        "--expect",
        type=Path,
        metavar="FILE",
        help="the source's intended end state (JSON or .csv): reconcile the app's directory "
        "with it (needs --admin-url)",
    )
    client.add_argument(
        "--allow-empty",
        action="store_true",
        help="exit 0 instead of 3 when the traffic holds nothing to judge",
    )
    client.add_argument(
        "--profile",
        choices=CLIENT_PROFILES,
        default="rfc",
        help="interop: also judge by the SCIM 2.0 interoperability profile (default rfc)",
    )
    _add_report_flags(client)
    client.set_defaults(func=run_check_client)
    return check


def _bound(value: str) -> Any:
    from scim_harness.conformance.client.scope import parse_bound

    try:
        return parse_bound(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def select_ids(globs: Sequence[str] | None, side: str) -> Callable[[Check], bool] | None:
    """A selector for ``--select`` globs (case-insensitive); ValueError when none matches."""
    if not globs:
        return None
    patterns = [g.upper() for g in globs]

    def chosen(check: Check) -> bool:
        return any(fnmatchcase(check.id.upper(), p) for p in patterns)

    if not any(chosen(r.check) for r in registered(side)):
        msg = f"no {side} check matches --select {' '.join(globs)} (see `{PROG} checks`)"
        raise ValueError(msg)
    return chosen


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[Result], None]]:
    errors = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=errors, transient=True, disable=not errors.is_terminal) as bar:
        task = bar.add_task(label, total=total)

        def advance(result: Result) -> None:
            bar.update(task, advance=1, description=f"{label} {result.check.id}")

        yield advance


def _admin(args: argparse.Namespace) -> AdminAccess | None:
    if not (args.admin_url or args.app):  # the admin token may come from the environment
        return None
    if not (args.admin_url and args.admin_token and args.app):
        msg = "--admin-url, --admin-token and --app go together"
        raise ValueError(msg)
    from scim_harness.conformance.server.context import AdminAccess

    return AdminAccess(args.admin_url, args.admin_token, args.app)


async def _server_report(args: argparse.Namespace) -> Report:
    from scim_harness.conformance.server.suite import run_server_suite

    select = select_ids(args.select, "server")
    admin = _admin(args)
    total = sum(1 for r in registered("server") if select is None or select(r.check))
    agent = {"User-Agent": harness_user_agent("server suite")}
    async with httpx.AsyncClient(timeout=args.timeout, headers=agent) as http:
        if admin is not None:
            await preflight_admin(http, admin)
        await preflight_server(http, args.base_url, args.token)
        with _progress(total, "server checks") as progress:
            return await run_server_suite(
                http,
                args.base_url,
                args.token,
                profile=args.profile,
                seed=args.seed,
                keep=args.keep,
                select=select,
                admin=admin,
                progress=progress,
                deactivation=args.deactivation,
                target=args.target,
                fail_on=Level.parse(args.fail_on),
            )


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def _emit(reports: list[Report], args: argparse.Namespace) -> int:
    files = ReportFiles(json=args.json, junit=args.junit, html=args.html)
    # With --json -, stdout carries the JSON alone; the console report goes to stderr.
    console = Console(stderr=files.json == STDOUT)
    try:
        return emit_reports(reports, console, files, show_passed=not args.hide_passed)
    except OSError as exc:
        return _fail(f"cannot write the report: {exc}")


def run_check_server(args: argparse.Namespace) -> int:
    if not args.token:
        return _fail("--token is required (or set SCIM_TOKEN)")
    try:
        report = asyncio.run(_server_report(args))
    except (TargetUnavailable, ValueError) as exc:
        return _fail(str(exc))
    return _emit([report], args)


async def _fetch(args: argparse.Namespace, expected: Expected | None) -> Traffic:
    agent = {"User-Agent": harness_user_agent("client suite")}
    async with httpx.AsyncClient(timeout=args.timeout, headers=agent) as http:
        traffic = await fetch_client_traffic(http, args.admin_url, args.admin_token, args.app)
        if expected is not None:
            traffic.platform = await fetch_client_platform(
                http, args.admin_url, args.admin_token, args.app, expected
            )
        return traffic


def run_check_client(args: argparse.Namespace) -> int:
    from scim_harness.conformance.client.expected import load_expected
    from scim_harness.conformance.client.suite import Window, run_client_suite
    from scim_harness.conformance.traffic.har import load_traffic_har
    from scim_harness.conformance.traffic.recording import load_traffic_jsonl

    if args.expect is not None and (args.file or args.har) is not None:
        flag = "--file" if args.file is not None else "--har"
        return _fail(f"--expect reads the app's directory: use it with --admin-url, not {flag}")
    try:
        expected = load_expected(args.expect) if args.expect is not None else None
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read {args.expect}: {exc.strerror or exc}")
    try:
        select = select_ids(args.select, "client")
        if args.file is not None:
            traffic = load_traffic_jsonl(args.file)
            target = str(args.file)
        elif args.har is not None:
            traffic = load_traffic_har(args.har)
            target = traffic.source
        else:
            if not (args.admin_token and args.app):
                return _fail("--admin-url needs --admin-token (or SCIM_ADMIN_TOKEN) and --app")
            traffic = asyncio.run(_fetch(args, expected))
            target = f"{args.admin_url.removesuffix('/admin')} app {args.app}"
    except (TargetUnavailable, ValueError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read {args.file or args.har}: {exc.strerror or exc}")
    if not len(traffic):
        print(f"{PROG}: warning: no recorded requests in {target}", file=sys.stderr)
    window = Window(args.since, args.until)
    report = run_client_suite(
        traffic,
        select=select,
        target=target,
        window=window,
        allow_empty=args.allow_empty,
        profile=args.profile,
    )
    report.fail_on = Level.parse(args.fail_on)
    return _emit([report], args)
