"""The web console in a real browser: the whole provisioning flow, and its security cases.

Chromium (Debian's, by path) drives ``scim-harness serve`` as a subprocess, as a user would:
sign in, create an app, copy its base URL and token from the page, break and fix the mapping,
switch delete-on-deactivation on, push a population with ``scim-harness push`` at the URL
and token the page showed, watch the requests arrive with their findings, read the
directory, deactivate a user over SCIM and see it leave the directory, run the client checks
and open their report. Each step leaves a screenshot in ``test-artifacts/console/``.
"""

from __future__ import annotations

import faulthandler
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from browser_support import ARGS, Shots, chromium_path
from serve_support import Served, serving

pytestmark = pytest.mark.browser

ADMIN_TOKEN = "scimh_browser_admin_token"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serving("--admin-token", ADMIN_TOKEN) as live:
        yield live


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    chromium_path()  # skip, or fail under CI, before anything starts
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def page(
    playwright: Any, served: Served, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A new Chromium with a fresh profile (no session); any JavaScript dialog is recorded.

    A hang anywhere in the test ends the run after five minutes with every thread's stack,
    instead of holding CI to its limit.
    """
    faulthandler.dump_traceback_later(300, exit=True)
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=chromium_path(),
        headless=True,
        args=ARGS,
        viewport={"width": 1280, "height": 900},
    )
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.root)
        context.set_default_timeout(60_000)
        tab = context.pages[0] if context.pages else context.new_page()
        dialogs: list[str] = []
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.dialogs = dialogs
        yield tab
    finally:
        context.close()
        faulthandler.cancel_dump_traceback_later()


def expect(target: Any) -> Any:
    """Playwright's auto-waiting assertions (imported late: the module loads without it)."""
    from playwright.sync_api import expect as playwright_expect

    # A generous ceiling: the machine is shared; this waits for a state, it times nothing.
    playwright_expect.set_options(timeout=30_000)
    return playwright_expect(target)


def sign_in(page: Any, served: Served, token: str = ADMIN_TOKEN) -> None:
    if not page.url.startswith(f"{served.console}/sign-in"):
        page.goto(f"{served.console}/sign-in")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def create_app(page: Any, served: Served, name: str) -> tuple[str, str]:
    page.goto(f"{served.console}/apps")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create app").click()
    return (
        page.get_by_label("SCIM Base URL").input_value(),
        page.get_by_label("Bearer Token").input_value(),
    )


def _push(base_url: str, token: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scim_harness", "push", "--base-url", base_url]
    command += ["--token", token, "--users", "12", "--groups", "3", "--seed", "15"]
    command += ["--profile", "entra", "--scenario", "membership"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def _user(base_url: str, token: str, name: str) -> dict[str, Any]:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "displayName": name,
        "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
        "active": True,
    }
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.post(f"{base_url}/Users", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_the_whole_provisioning_flow_works_in_chromium(page: Any, served: Served) -> None:
    """Sign in, create, map, switch deletion on, push, watch, read, deactivate, judge."""
    shots = Shots("flow")
    page.goto(served.root + "/")
    assert page.url.startswith(f"{served.console}/sign-in")
    shots.take(page, "sign in")
    sign_in(page, served)
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()

    base_url, token = create_app(page, served, "acme")
    assert base_url == f"{served.root}/apps/acme/scim/v2"
    assert token.startswith("scimh_")
    page.get_by_role("button", name="Copy").nth(1).click()
    assert page.evaluate("navigator.clipboard.readText()") == token
    shots.take(page, "app created: base URL and token shown once")

    # A bad row: the message on the row is the admin API's own for the same mapping.
    page.get_by_role("link", name="Next: the attribute mapping").click()
    page.get_by_role("button", name="Add a user row").click()
    page.locator("[name=users-1001-platform]").fill("nickname")
    page.locator("[name=users-1001-scim]").fill("nickName")
    page.locator("[name=users-1001-transform]").select_option("activeToStatus")
    page.get_by_role("button", name="Save mapping").click()
    error = page.locator("tbody.map-row.invalid .row-errors").inner_text()
    shots.take(page, "mapping: the bad row shows its error")
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    mapping = httpx.get(f"{served.admin}/apps/acme/mapping", headers=admin).json()
    mapping["users"].append(
        {
            "platform": "nickname",
            "scim": "nickName",
            "required": False,
            "transform": "activeToStatus",
        }
    )
    refused = httpx.put(f"{served.admin}/apps/acme/mapping", json=mapping, headers=admin)
    assert refused.status_code == 400
    assert error.strip() in refused.json()["detail"]
    assert "transform 'activeToStatus' applies to boolean attributes" in error
    page.locator("tbody.map-row.invalid select").select_option("")
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_text("Mapping saved.")).to_be_visible()

    page.get_by_role("link", name="Provisioning").click()
    page.get_by_label("Delete the user when the source app deactivates it").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    shots.take(page, "provisioning: delete on deactivation on")
    settings = httpx.get(f"{served.admin}/apps/acme/settings", headers=admin).json()
    assert settings["deleteOnDeactivate"] is True

    # The requests arrive on the open page, live, with their findings.
    page.get_by_role("link", name="Requests").click()
    expect(page.get_by_text("No requests yet")).to_be_visible()
    pushed = _push(base_url, token)
    assert pushed.returncode == 0, pushed.stderr
    page.locator("details.req").first.wait_for()
    page.wait_for_function("document.querySelectorAll('details.req').length >= 15")
    expect(page.locator("#live-status")).to_contain_text("new request")
    shots.take(page, "requests arrived live", full_page=False)
    flagged = page.locator("details.req").filter(has=page.locator(".badge.f-lenient")).first
    flagged.locator("summary").click()
    link = flagged.locator(".check-link a").first
    check_id = link.inner_text()
    assert check_id.startswith("CLI-")
    assert flagged.locator(".fix").first.inner_text().startswith("Fix:")
    assert "***" in flagged.locator("dl.headers").first.inner_text()  # the token is masked
    shots.take(page, "a request expanded with its findings", full_page=False)
    link.click()
    assert page.url.endswith(f"/console/checks#check-{check_id}")
    expect(page.locator(f"#check-{check_id}")).to_be_visible()

    # The directory, then a user deactivated over SCIM leaves it (delete on deactivation).
    page.goto(f"{served.console}/apps/acme/directory")
    shots.take(page, "directory")
    username = page.locator("table.directory tbody tr td").first.inner_text()
    headers = {"Authorization": f"Bearer {token}"}
    found = httpx.get(
        f"{base_url}/Users", params={"filter": f'userName eq "{username}"'}, headers=headers
    ).json()["Resources"][0]
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    answer = httpx.patch(f"{base_url}/Users/{found['id']}", json=patch, headers=headers)
    assert answer.status_code in (200, 204), answer.text
    page.get_by_label("Search username, name or email").fill(username)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text(f"No users match “{username}”.")).to_be_visible()
    shots.take(page, "directory: the deactivated user is gone")

    # The client checks, run from the page; the report opens in a new tab.
    page.get_by_role("link", name="Conformance").click()
    page.get_by_role("button", name="Run the client checks").click()
    page.locator("#client-state .verdict").wait_for()
    summary = page.locator("#client-state .verdict").inner_text()
    assert "checks:" in summary
    expect(page.locator("#client-state table.problems")).to_be_visible()  # Entra deviations
    shots.take(page, "conformance: client checks")
    with page.context.expect_page() as opened:
        page.locator("#client-report").click()
    report = opened.value
    report.wait_for_load_state()
    assert report.title() == "scim-harness conformance report"
    shots.take(report, "the client report")
    report.close()

    # No page shows the token again.
    for tab in ("provisioning", "mapping", "directory", "requests", "conformance"):
        page.goto(f"{served.console}/apps/acme/{tab}")
        assert token not in page.content()
    assert page.dialogs == []


def test_without_a_session_every_page_leads_to_sign_in(page: Any, served: Served) -> None:
    """No session: an app's tab sends the browser to the sign-in page, and back after."""
    page.goto(f"{served.console}/apps/demo/requests")
    assert page.url.startswith(f"{served.console}/sign-in?next=")
    sign_in(page, served)
    assert page.url == f"{served.console}/apps/demo/requests"


def test_a_wrong_token_and_an_app_token_do_not_sign_in(page: Any, served: Served) -> None:
    """A wrong token and an app's bearer token are refused, each with its own message."""
    shots = Shots("sign-in-refused")
    sign_in(page, served, "scimh_not_the_admin_token")
    assert page.get_by_role("alert").inner_text().startswith("That is not the admin token")
    sign_in(page, served, served.token)
    assert "app's SCIM bearer token" in page.get_by_role("alert").inner_text()
    shots.take(page, "an app token is refused")
    page.goto(f"{served.console}/apps")
    assert "/sign-in" in page.url


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    page: Any, served: Served
) -> None:
    """Deleting an app with the CSRF field removed: 403, and the app is still there."""
    sign_in(page, served)
    create_app(page, served, "keepme")
    page.goto(f"{served.console}/apps/keepme/delete")
    page.get_by_label("Type the app's name").fill("keepme")
    page.evaluate("document.querySelector('form.danger input[name=csrf]').remove()")
    page.get_by_role("button", name="Delete this app").click()
    expect(page.get_by_role("heading", name="Refused")).to_be_visible()
    assert "security token is missing" in page.get_by_role("alert").inner_text()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert httpx.get(f"{served.admin}/apps/keepme", headers=admin).status_code == 200


def test_a_hostile_username_is_shown_as_text(page: Any, served: Served) -> None:
    """A userName that is HTML shows as its characters in the directory and the record."""
    shots = Shots("xss")
    _user(served.base, served.token, XSS)
    sign_in(page, served)
    page.goto(f"{served.console}/apps/demo/directory")
    assert page.locator("table.directory td", has_text=XSS).count() == 2  # userName, displayName
    assert page.locator("table.directory img").count() == 0
    page.goto(f"{served.console}/apps/demo/requests")
    page.locator("details.req summary").first.click()
    assert XSS in page.locator("details.req[open] pre").first.inner_text()
    assert page.locator("details.req img").count() == 0
    shots.take(page, "hostile username as text", full_page=False)
    assert page.dialogs == []


def test_the_console_fits_a_phone_screen(page: Any, served: Served) -> None:
    """At 390 px wide the requests tab has no horizontal scroll of the whole page."""
    shots = Shots("phone")
    sign_in(page, served)
    page.set_viewport_size({"width": 390, "height": 844})
    for tab in ("provisioning", "mapping", "requests"):
        page.goto(f"{served.console}/apps/demo/{tab}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (tab, width)
        shots.take(page, f"phone {tab}", full_page=False)


def test_sign_in_and_a_request_open_with_the_keyboard(page: Any, served: Served) -> None:
    """The token field has focus, Enter signs in, and Enter on a request row expands it."""
    page.goto(f"{served.console}/sign-in")
    page.keyboard.type(ADMIN_TOKEN)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()
    httpx.get(f"{served.base}/Users", headers={"Authorization": f"Bearer {served.token}"})
    page.goto(f"{served.console}/apps/demo/requests")
    page.locator("details.req summary").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("details.req").first).to_have_attribute("open", "")
