"""The Conformance tab: run the client suite on the app's traffic, the server suite against an
app configured like this one, show the summary and the HTML report.

Runs go on in the background of the server process (the page polls their state); the state
and the latest report of each suite are kept in the store's ``meta`` so every worker process
shows them. The suites come through the :mod:`runner` hook, never by import.

The server suite does not run in the app itself: its deliberately bad requests would land in
the app's request record and be judged as the client's, and its test users in the app's
directory. It runs in a copy made for the run (the same settings and mapping, a fresh token),
reached in process through ``httpx.ASGITransport``, and deleted afterwards (without the app's
injected throttling and faults, which test clients, not servers). With the admin
token typed into the form it also gets admin access (throwaway apps, directory records); the
console never keeps that token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import replace
from typing import Any

import httpx
from scim_harness.reference_server.admin.api import open_app, remove_app
from scim_harness.reference_server.console.runner import AdminGrant, ConformanceRunner, SuiteRun
from scim_harness.reference_server.console.security import secure_headers
from scim_harness.reference_server.console.web import ROOT, Page
from scim_harness.reference_server.http import auth
from scim_harness.reference_server.protocol.errors import InvalidValue, NotFound
from scim_harness.reference_server.settings import AppSettings
from scim_harness.reference_server.store.sqlite import AppRow, SqliteStore
from starlette.responses import HTMLResponse, JSONResponse, Response

__all__ = ["SIDES", "checks_page", "conformance_page", "report", "run", "status"]

SIDES = ("client", "server")
STALE_SECONDS = 1800
"""A run still "running" after this long was interrupted (its server stopped)."""
_PAGE = 1000
_REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)

log = logging.getLogger("scim_harness.server")


def _key(kind: str, row: AppRow, side: str) -> str:
    return f"console-{kind}:{row.name}:{side}"


def _state(store: SqliteStore, row: AppRow, side: str) -> dict[str, Any] | None:
    raw = store.get_meta(_key("run", row, side))
    state = json.loads(raw) if raw else None
    if not isinstance(state, dict) or state.get("appCreated") != row.created:
        return None  # none yet, or left by an earlier app of the same name
    if state.get("state") == "running" and time.time() - state.get("startedAt", 0) > STALE_SECONDS:
        state["state"] = "interrupted"
    return state


def _save(store: SqliteStore, row: AppRow, side: str, state: dict[str, Any]) -> None:
    store.set_meta(_key("run", row, side), json.dumps({**state, "appCreated": row.created}))


def _finish(store: SqliteStore, row: AppRow, side: str, started: float, result: SuiteRun) -> None:
    with store.transaction():
        store.set_meta(_key("report", row, side), result.html)
        _save(
            store,
            row,
            side,
            {"state": "done", "startedAt": started, "finishedAt": time.time(), **result.as_json()},
        )


def _fail(store: SqliteStore, row: AppRow, side: str, started: float, why: str) -> None:
    try:
        _save(store, row, side, {"state": "failed", "startedAt": started, "error": why})
    except Exception:  # the store may be closing with the server
        log.exception("could not record the end of a console run")


async def _client_run(
    store: SqliteStore, row: AppRow, runner: ConformanceRunner, target: str, started: float
) -> None:
    records: list[dict[str, Any]] = []
    after = 0
    while True:  # read in the event loop's thread: the store's connection stays there
        page = store.requests(row.name, after_seq=after, limit=_PAGE)
        records.extend(page)
        if len(page) < _PAGE:
            break
        after = page[-1]["seq"]
    result = await asyncio.to_thread(runner.run_client, records, target)
    _finish(store, row, "client", started, result)


async def _server_run(
    page_app: Any,
    store: SqliteStore,
    row: AppRow,
    runner: ConformanceRunner,
    origin: str,
    admin_token: str,
    started: float,
) -> None:
    # The app's rules, mapping, options and preset; not its injected throttling and faults,
    # which are there to test clients and would turn the suite's verdicts into noise.
    settings = replace(AppSettings.from_json(row.settings), throttle=None, faults=None)
    copy = f"{row.name[:40]}.suite-{secrets.token_hex(3)}"
    _, token = open_app(store, copy, settings, row.mapping, label="console server suite")
    try:
        transport = httpx.ASGITransport(app=page_app)
        async with httpx.AsyncClient(transport=transport, base_url=origin, timeout=60) as http:
            grant = AdminGrant(f"{origin}/admin", admin_token, copy) if admin_token else None
            result = await runner.run_server(
                http,
                f"{origin}/apps/{copy}/scim/v2",
                token["token"],
                admin=grant,
                deactivation="delete" if settings.delete_on_deactivate else "keep",
            )
    finally:
        remove_app(store, copy)
    _finish(store, row, "server", started, result)


async def _guarded(store: SqliteStore, row: AppRow, side: str, started: float, work: Any) -> None:
    try:
        await work
    except asyncio.CancelledError:
        _fail(store, row, side, started, "interrupted: the server stopped during the run")
        raise
    except Exception as exc:
        log.exception("console %s suite run failed", side)
        _fail(store, row, side, started, f"the run failed: {type(exc).__name__}: {exc}")


def _runner(page: Page) -> ConformanceRunner:
    runner = page.runner
    if runner is None:
        msg = "no conformance runner is installed with this server (install scim-harness whole)"
        raise NotFound(msg)
    return runner


async def conformance_page(page: Page) -> Response:
    row = page.app
    states = {side: _state(page.store, row, side) for side in SIDES}
    return page.render(
        "conformance.html",
        tab="conformance",
        states=states,
        available=page.runner is not None,
        error="",
        running=any(s and s.get("state") == "running" for s in states.values()),
    )


async def run(page: Page) -> Response:
    """Start a suite run in the background; the page shows its state until it ends."""
    row, store = page.app, page.store
    runner = _runner(page)
    side = page.field("side")
    if side not in SIDES:
        msg = f"side must be client or server, not {side!r}"
        raise InvalidValue(msg)
    current = _state(store, row, side)
    if current is not None and current.get("state") == "running":
        return page.redirect(f"{ROOT}/apps/{row.name}/conformance")
    admin_token = page.field("admin_token").strip()
    if side == "server" and admin_token and not auth.admin_token_matches(store, admin_token):
        msg = "that is not the admin token; leave the field empty to run without admin access"
        raise InvalidValue(msg)
    started = time.time()
    _save(store, row, side, {"state": "running", "startedAt": started})
    if side == "client":
        target = f"{page.origin()} app {row.name}"
        work = _client_run(store, row, runner, target, started)
    else:
        work = _server_run(
            page.request.app, store, row, runner, page.origin(), admin_token, started
        )
    tasks: set[asyncio.Task[None]] = page.request.app.state.console_tasks
    task = asyncio.get_running_loop().create_task(_guarded(store, row, side, started, work))
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return page.redirect(f"{ROOT}/apps/{row.name}/conformance")


async def status(page: Page) -> Response:
    """The state of both suites' latest runs, for the page's script."""
    row = page.app
    body = {side: _state(page.store, row, side) for side in SIDES}
    return secure_headers(JSONResponse(body))


async def report(page: Page) -> Response:
    """The latest HTML report of a suite, as the suite wrote it (its own strict policy)."""
    side = page.request.path_params["side"]
    row = page.app
    html = page.store.get_meta(_key("report", row, side)) if side in SIDES else None
    state = _state(page.store, row, side) if side in SIDES else None
    if html is None or state is None:
        msg = f"no {side} suite report for app {row.name!r} yet: run the suite first"
        raise NotFound(msg)
    return secure_headers(HTMLResponse(html), csp=_REPORT_CSP)


async def checks_page(page: Page) -> Response:
    """The check catalogue, each check with its fix hint and the findings that break it."""
    runner = page.runner
    checks = runner.checks() if runner is not None else []
    by_check: dict[str, list[str]] = {}
    for finding, check_id in (runner.finding_checks() if runner is not None else {}).items():
        by_check.setdefault(check_id, []).append(finding)
    return page.render(
        "checks.html", checks=checks, findings=by_check, available=runner is not None
    )
