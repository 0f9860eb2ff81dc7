"""The Conformance tab: the suites run through the entry-point hook, in the background, the
server suite in a copy of the app; the summary and the HTML report."""

from __future__ import annotations

import asyncio
import html

import httpx
import pytest
from console_support import ORIGIN, ConsoleClient, StubRunner, console, console_app, stub_runner
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.console.runner import discover_runner
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette
from support import user_body

from scim_harness.console_suites import ConformanceSuites

__all__ = ["console", "console_app", "stub_runner"]


async def _runs_finish(app: Starlette) -> None:
    """Wait for the console's background runs (started by the last POST)."""
    tasks = list(app.state.console_tasks)
    assert tasks, "no run was started"
    await asyncio.gather(*tasks)


def test_the_installed_runner_is_found_through_the_entry_point() -> None:
    """The umbrella package provides the runner; the server finds it without importing it."""
    runner = discover_runner()
    assert isinstance(runner, ConformanceSuites)
    assert runner.finding_checks()["LENIENT-OP-CASE"] == "CLI-PAT-002"
    assert {c.id for c in runner.checks()} >= set(runner.finding_checks().values())


async def test_the_client_suite_runs_on_the_apps_traffic(
    console: ConsoleClient,
    console_app: Starlette,
    scim: httpx.AsyncClient,
    stub_runner: StubRunner,
) -> None:
    """Run: the runner gets the app's records; the tab shows the summary and the report."""
    for name in ("ada", "grace"):
        assert (await scim.post("/Users", json=user_body(name))).status_code == 201
    response = await console.post("/console/apps/demo/conformance/run", {"side": "client"})
    assert response.headers["location"] == "/console/apps/demo/conformance"
    await _runs_finish(console_app)
    assert stub_runner.client_runs == [2]
    page = (await console.get("/console/apps/demo/conformance")).text
    assert "OK - judged 2 requests" in page
    status = (await console.get("/console/apps/demo/conformance/status")).json()
    assert status["client"]["state"] == "done"
    assert status["server"] is None
    report = await console.get("/console/apps/demo/conformance/client/report")
    assert report.text == "<p>client report</p>"
    assert report.headers["content-security-policy"].endswith("sandbox")


async def test_the_server_suite_runs_in_a_copy_and_leaves_the_app_alone(
    console: ConsoleClient,
    console_app: Starlette,
    store: SqliteStore,
    stub_runner: StubRunner,
    boot: Bootstrap,
) -> None:
    """The suite drives a copy with the app's settings, deleted after; the app's record
    is unchanged; the admin token typed in grants admin access to that copy only."""
    store.update_app("demo", settings={"deleteOnDeactivate": True})
    before = store.requests("demo", limit=1000)
    form = {"side": "server", "admin_token": boot.admin_token}
    await console.post("/console/apps/demo/conformance/run", form)
    await _runs_finish(console_app)
    [(base_url, admin, deactivation)] = stub_runner.server_runs
    copy = base_url.removeprefix(f"{ORIGIN}/apps/").removesuffix("/scim/v2")
    assert copy.startswith("demo.suite-")
    assert admin is not None and admin.app == copy and admin.admin_url == f"{ORIGIN}/admin"
    assert deactivation == "delete"
    assert [a.name for a in store.list_apps()] == ["demo"]
    assert store.requests("demo", limit=1000) == before
    page = html.unescape((await console.get("/console/apps/demo/conformance")).text)
    assert "FAILED - 1 check" in page
    assert "got 200" in page  # the copy answered the suite's request with its own token


async def test_a_wrong_admin_token_for_the_server_suite_starts_nothing(
    console: ConsoleClient, console_app: Starlette, store: SqliteStore
) -> None:
    """A typed admin token that is wrong: 400, no run, no copy."""
    form = {"side": "server", "admin_token": "scimh_wrong"}
    response = await console.post("/console/apps/demo/conformance/run", form)
    assert response.status_code == 400
    assert "that is not the admin token" in response.text
    assert not console_app.state.console_tasks
    assert store.get_meta("console-run:demo:server") is None


async def test_a_run_that_fails_says_so(
    console: ConsoleClient, console_app: Starlette, stub_runner: StubRunner
) -> None:
    """A runner that raises: the tab shows the failure, the server goes on."""

    def broken(records: object, target: str) -> object:
        msg = "suite exploded"
        raise RuntimeError(msg)

    stub_runner.run_client = broken  # type: ignore[assignment,method-assign]
    await console.post("/console/apps/demo/conformance/run", {"side": "client"})
    await _runs_finish(console_app)
    page = (await console.get("/console/apps/demo/conformance")).text
    assert "the run failed: RuntimeError: suite exploded" in page


async def test_without_a_runner_the_tab_says_so(store: SqliteStore, boot: Bootstrap) -> None:
    """A server without the hook shows the tab, disables the buttons and refuses a run."""
    app = create_app(ServerSettings(), store=store)
    app.state.console_runner = None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as http:
        user = ConsoleClient(http)
        await user.sign_in(boot.admin_token)
        page = (await user.get("/console/apps/demo/conformance")).text
        assert "No conformance runner is installed" in page
        response = await user.post("/console/apps/demo/conformance/run", {"side": "client"})
        assert response.status_code == 404


@pytest.fixture
def real_app(store: SqliteStore) -> Starlette:
    return create_app(ServerSettings(), store=store)


async def test_the_real_suites_run_from_the_page(
    real_app: Starlette, store: SqliteStore, boot: Bootstrap
) -> None:
    """With the installed runner: the client suite judges the app's traffic and the server
    suite passes its MUST checks against a copy of the app, reports included."""
    transport = httpx.ASGITransport(app=real_app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        headers = {"Authorization": f"Bearer {boot.token}", "Content-Type": "application/scim+json"}
        for name in ("ada.lovelace", "grace.hopper"):
            created = await http.post(
                "/apps/demo/scim/v2/Users", json=user_body(name), headers=headers
            )
            assert created.status_code == 201
        user = ConsoleClient(http)
        await user.sign_in(boot.admin_token)
        await user.post("/console/apps/demo/conformance/run", {"side": "client"})
        await _runs_finish(real_app)
        form = {"side": "server", "admin_token": boot.admin_token}
        await user.post("/console/apps/demo/conformance/run", form)
        await _runs_finish(real_app)
        status = (await user.get("/console/apps/demo/conformance/status")).json()
        report = await user.get("/console/apps/demo/conformance/server/report")
    assert status["client"]["state"] == "done"
    assert "checks:" in status["client"]["summary"]
    assert status["server"]["state"] == "done", status["server"]
    assert status["server"]["passed"] is True, status["server"]["problems"]
    assert "<title>scim-harness conformance report</title>" in report.text
    assert [a.name for a in store.list_apps()] == ["demo"]
