"""``scim-harness push``: generate users and groups and push them like a provisioning client.

``add_push_parser(subparsers)`` adds the sub-command; ``run_push(args)`` runs it and returns the
exit status: 0 when every request did what was intended, 1 when some failed unexpectedly, 2
when the push could not happen (bad arguments, an unwritable ``--json-out``, an unreachable
server, a refused token). Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimAuthError, ScimClientError, ScimTransportError
from scim_harness.simulated_client.expected import write_intended_state
from scim_harness.simulated_client.generate.people import Population
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.paging import PAGING_CHOICES
from scim_harness.simulated_client.profiles.catalogue import PROFILES, Profile, get_profile
from scim_harness.simulated_client.scenarios.catalogue import PREREQUISITES, run_scenario
from scim_harness.simulated_client.scenarios.results import ScenarioResult
from scim_harness.simulated_client.scenarios.state import ScenarioOptions, ScenarioState

from scim_harness.options import base_url, count, env_token, positive, seconds, token

__all__ = ["RichProgress", "add_push_parser", "pace", "run_push"]

PROG = "scim-harness push"
LONG_RUN = 200  # items in one step from which a progress bar is worth showing


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"expected a fraction between 0 and 1, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0.0 <= value <= 1.0:
        msg = f"must be between 0 and 1, got {value:g}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"expected requests per second, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 < value < float("inf"):
        msg = f"must be a positive number of requests per second, got {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _pace_help() -> str:
    paced = [
        f"{name} {profile.concurrency}" + (f" at {profile.rate:g}/s" if profile.rate else "")
        for name, profile in PROFILES.items()
        if profile.concurrency != 8 or profile.rate is not None
    ]
    return "; ".join(paced)


def add_push_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``push`` to a parser's sub-commands; its ``func`` default is :func:`run_push`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "push",
        help="push generated users and groups to a SCIM server like a provisioning client",
        description=(
            "Generate users and groups from a seed and push them to a SCIM 2.0 server the way "
            "a real provisioning client does (--profile), running one scenario (--scenario) "
            "after the scenarios it needs. Exits 1 when requests failed unexpectedly, 2 when "
            "the push cannot happen."
        ),
    )
    parser.add_argument("--base-url", required=True, type=base_url, help="SCIM base URL")
    env = env_token("SCIM_TOKEN")
    parser.add_argument(
        "--token",
        type=token,
        default=env,
        required=env is None,
        help="bearer token of the app (default: $SCIM_TOKEN)",
    )
    parser.add_argument("--users", type=count, default=10, help="users to generate (10)")
    parser.add_argument("--groups", type=count, default=3, help="groups to generate (3)")
    parser.add_argument("--seed", type=int, default=0, help="seed: same seed, same run (0)")
    parser.add_argument(
        "--profile", choices=list(PROFILES), default="rfc", help="client to imitate (rfc)"
    )
    parser.add_argument(
        "--scenario", choices=list(PREREQUISITES), default="provision", help="(provision)"
    )
    parser.add_argument(
        "--concurrency",
        type=positive,
        default=None,
        help=f"requests in flight at most (the profile's: 8, or {_pace_help()})",
    )
    parser.add_argument(
        "--rate",
        type=_rate,
        default=None,
        metavar="N",
        help="requests per second at most (the profile's; none but entra's by default)",
    )
    parser.add_argument(
        "--deactivate",
        type=_fraction,
        default=0.2,
        metavar="FRACTION",
        help="share of users the deactivate scenario deactivates (0.2)",
    )
    parser.add_argument("--locale", default="en_US", help="Faker locale of the people (en_US)")
    parser.add_argument(
        "--edge-cases",
        action="store_true",
        help="include non-ASCII, quoted, apostrophe, very long and plus-addressed users",
    )
    parser.add_argument(
        "--paging",
        choices=PAGING_CHOICES,
        default="auto",
        help="how list walks page: cursor (RFC 9865), index (startIndex) or auto, cursors when "
        "/ServiceProviderConfig advertises them (auto)",
    )
    parser.add_argument(
        "--page-size", type=positive, default=100, help="resources per page of a walk (100)"
    )
    parser.add_argument("--json-out", type=Path, metavar="FILE", help="write every exchange")
    parser.add_argument(
        "--expect-out",
        type=Path,
        metavar="FILE",
        help="write the end state this run means to produce (for check client --expect)",
    )
    parser.add_argument("--retries", type=count, default=3, help="retries per request (3)")
    parser.add_argument("--timeout", type=seconds, default=30.0, help="seconds per request (30)")
    parser.set_defaults(func=run_push)
    return parser


class RichProgress:
    """Adapts the scenarios' progress hook to rich progress bars (one task per label)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def start(self, label: str, total: int) -> None:
        if label in self._tasks:
            self._progress.update(self._tasks[label], total=total, completed=0)
        else:
            self._tasks[label] = self._progress.add_task(label, total=total)

    def advance(self, label: str) -> None:
        self._progress.advance(self._tasks[label])


def _fail(message: str, status: int = 2) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


def _writable(path: Path, flag: str = "--json-out") -> str | None:
    """Why ``path`` cannot be written at the end of the push, or None: checked before it."""
    folder = path.parent
    if path.is_dir():
        return f"{flag} {path}: is a folder"
    if not folder.is_dir():
        return f"{flag} {path}: the folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"{flag} {path}: the folder {folder} is not writable"
    return None


def pace(args: argparse.Namespace, profile: Profile) -> tuple[int, float | None]:
    """(concurrency, rate): the flags when given, else the profile's documented defaults."""
    concurrency = args.concurrency if args.concurrency is not None else profile.concurrency
    rate = args.rate if args.rate is not None else profile.rate
    return concurrency, rate


async def _push(
    args: argparse.Namespace,
    profile: Profile,
    population: Population,
    options: ScenarioOptions,
    progress: RichProgress | None,
    state: ScenarioState,
) -> ScenarioResult:
    concurrency, rate = pace(args, profile)
    # As many pooled connections as requests in flight: httpx scans its pool on every request,
    # so a pool far larger than the concurrency costs CPU for nothing.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as http:
        client = ScimClient(
            http,
            base_url=args.base_url,
            token=args.token,
            concurrency=concurrency,
            rate=rate,
            retries=args.retries,
            timeout=args.timeout,
            honour_retry_after=profile.honour_retry_after,
            record=args.json_out is not None,
            paging=args.paging,
        )
        return await run_scenario(
            args.scenario,
            client,
            profile,
            population,
            options=options,
            progress=progress,
            state=state,
        )


def _summary(result: ScenarioResult, population: Population) -> Table:
    counts = result.counts
    table = Table(title=f"{result.scenario} with the {result.profile} profile")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows: list[tuple[str, Any]] = [
        ("users / groups generated", f"{len(population.users)} / {len(population.groups)}"),
        ("created (users + groups)", counts.created),
        ("found existing", counts.users_found + counts.groups_found),
        ("updated", counts.users_updated),
        ("deactivated", counts.users_deactivated),
        ("reactivated (re-created)", f"{counts.users_reactivated} ({counts.users_recreated})"),
        ("deleted (by the server)", f"{counts.users_deleted} ({counts.users_deleted_by_server})"),
        ("members added / removed", f"{counts.members_added} / {counts.members_removed}"),
        ("groups renamed / deleted", f"{counts.groups_renamed} / {counts.groups_deleted}"),
        (
            "imported users / groups (pages)",
            f"{counts.users_imported} / {counts.groups_imported} ({counts.pages_read})",
        ),
        ("failed", counts.failed),
        ("requests", counts.requests),
        ("requests/s", f"{result.requests_per_second:.1f}"),
    ]
    if counts.users_imported or counts.groups_imported:
        imported = f"{counts.users_imported} / {counts.groups_imported}"
        rows.insert(-3, ("imported users / groups", imported))
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def _write_json(path: Path, args: argparse.Namespace, result: ScenarioResult) -> None:
    document = {
        "base_url": args.base_url,
        "profile": args.profile,
        "scenario": args.scenario,
        "paging": args.paging,
        "seed": args.seed,
        "users": args.users,
        "groups": args.groups,
        "result": result.to_dict(),
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def run_push(args: argparse.Namespace) -> int:
    """Run ``scim-harness push`` for parsed ``args``; returns the exit status."""
    try:
        profile = get_profile(args.profile)
        population = generate_population(
            args.users, args.groups, seed=args.seed, locale=args.locale, edge_cases=args.edge_cases
        )
        options = ScenarioOptions(
            seed=args.seed, deactivate_fraction=args.deactivate, page_size=args.page_size
        )
    except ValueError as exc:
        return _fail(str(exc))
    if args.json_out is not None and (problem := _writable(args.json_out)):
        return _fail(problem)
    if args.expect_out is not None and (problem := _writable(args.expect_out, "--expect-out")):
        return _fail(problem)
    state = ScenarioState.fresh(population)
    errors = Console(stderr=True)
    show = errors.is_terminal and max(len(population.users), len(population.groups)) >= LONG_RUN
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=errors, transient=True, disable=not show) as bar:
            hook = RichProgress(bar) if show else None
            result = asyncio.run(_push(args, profile, population, options, hook, state))
    except ScimAuthError as exc:
        return _fail(f"{args.base_url} refused the token (HTTP {exc.status}): {exc}")
    except ScimTransportError as exc:
        return _fail(f"cannot use {args.base_url}: {exc}")
    except ScimClientError as exc:
        return _fail(f"the connection test failed: {exc}")
    Console(file=sys.stdout).print(_summary(result, population))
    for note in result.notes:
        print(f"note: {note}")
    failures = result.failures
    for outcome in failures[:10]:
        change = outcome.change
        print(f"failed: {change.kind} {change.key}: {outcome.message}", file=sys.stderr)
    if len(failures) > 10:
        more = "" if args.json_out else " (--json-out FILE lists them all)"
        print(f"failed: {len(failures) - 10} more{more}", file=sys.stderr)
    if args.json_out is not None:
        try:
            _write_json(args.json_out, args, result)
        except OSError as exc:
            return _fail(f"cannot write {args.json_out}: {exc.strerror or exc}", status=1)
    if args.expect_out is not None:
        source = {"scenario": args.scenario, "seed": args.seed, "base_url": args.base_url}
        try:
            write_intended_state(args.expect_out, state, profile, source)
        except OSError as exc:
            return _fail(f"cannot write {args.expect_out}: {exc.strerror or exc}", status=1)
    return 1 if result.counts.failed else 0
