"""Console security: sign-in with the admin token only, the session cookie, CSRF, headers."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest
from console_support import ORIGIN, ConsoleClient, Forms, console, console_app, csrf_of, stub_runner
from scim_harness.reference_server.http import auth
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette

__all__ = ["console", "console_app", "stub_runner"]  # fixtures used here

PAGES = [
    "/console/apps",
    "/console/checks",
    "/console/apps/demo/provisioning",
    "/console/apps/demo/mapping",
    "/console/apps/demo/directory",
    "/console/apps/demo/requests",
    "/console/apps/demo/conformance",
    "/console/apps/demo/delete",
]


def _anonymous(app: Starlette, base: str = ORIGIN) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


async def test_the_root_redirects_to_the_console(console_app: Starlette) -> None:
    """``GET /`` leads to the console."""
    async with _anonymous(console_app) as http:
        response = await http.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/console/"


@pytest.mark.parametrize("path", PAGES)
async def test_without_a_session_a_page_leads_to_sign_in(console_app: Starlette, path: str) -> None:
    """No session: every page redirects to the sign-in page, which comes back to it after."""
    async with _anonymous(console_app) as http:
        response = await http.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/sign-in?next={path}"


async def test_without_a_session_a_form_is_refused_and_changes_nothing(
    console_app: Starlette, store: SqliteStore
) -> None:
    """A POST with no session is 403 and creates nothing."""
    async with _anonymous(console_app) as http:
        response = await http.post("/console/apps", data={"name": "sneaky", "csrf": "x"})
    assert response.status_code == 403
    assert store.get_app("sneaky") is None


async def test_the_admin_token_opens_a_strict_httponly_session(
    console_app: Starlette, boot: Bootstrap
) -> None:
    """Over http the cookie is HttpOnly and SameSite=Strict, without Secure."""
    async with _anonymous(console_app) as http:
        response = await ConsoleClient(http).sign_in(boot.admin_token)
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("scimh_console=")
        )
        assert response.status_code == 303
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Secure" not in cookie
        assert (await http.get("/console/apps")).status_code == 200


async def test_behind_https_the_session_cookie_is_secure(
    console_app: Starlette, boot: Bootstrap
) -> None:
    """Over https the cookie is Secure and takes the ``__Host-`` prefix."""
    async with _anonymous(console_app, "https://testserver") as http:
        response = await ConsoleClient(http).sign_in(boot.admin_token)
    cookies = response.headers.get_list("set-cookie")
    cookie = next(c for c in cookies if c.startswith("__Host-scimh_console="))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/" in cookie


@pytest.mark.parametrize(
    ("which", "message"),
    [
        pytest.param("wrong", "That is not the admin token", id="wrong-token"),
        pytest.param("app", "That is an app&#39;s SCIM bearer token", id="app-token"),
        pytest.param("empty", "That is not the admin token", id="empty"),
    ],
)
async def test_only_the_admin_token_signs_in(
    console_app: Starlette, boot: Bootstrap, which: str, message: str
) -> None:
    """A wrong token, an app's token or nothing: 401 with the reason, and no session."""
    token = {"wrong": "scimh_nope", "app": boot.token, "empty": ""}[which]
    async with _anonymous(console_app) as http:
        response = await ConsoleClient(http).sign_in(token)
        assert response.status_code == 401
        assert message in response.text
        assert not any("scimh_console=" in c for c in response.headers.get_list("set-cookie"))
        assert (await http.get("/console/apps")).status_code == 303


async def test_the_sign_in_form_needs_its_own_csrf_token(
    console_app: Starlette, boot: Bootstrap
) -> None:
    """A sign-in POST without the form's token (a forged login) is refused."""
    async with _anonymous(console_app) as http:
        response = await http.post(
            "/console/sign-in", data={"token": boot.admin_token, "csrf": "forged"}
        )
    assert response.status_code == 403
    assert "scimh_console=" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/admin", "/console\\x"]
)
async def test_sign_in_never_leads_to_another_site(
    console_app: Starlette, boot: Bootstrap, target: str
) -> None:
    """``next`` is followed only within the console."""
    async with _anonymous(console_app) as http:
        page = await http.get("/console/sign-in", params={"next": target})
        response = await http.post(
            "/console/sign-in",
            data={"csrf": csrf_of(page.text), "token": boot.admin_token, "next": target},
        )
    assert response.headers["location"] == "/console/"


async def test_sign_out_ends_the_session(console: ConsoleClient) -> None:
    """After sign-out the same cookie opens nothing."""
    cookie = dict(console.http.cookies)
    response = await console.post("/console/sign-out", {})
    assert response.headers["location"] == "/console/sign-in?signed-out=1"
    console.http.cookies.update(cookie)
    assert (await console.get("/console/apps")).status_code == 303


async def test_a_new_admin_token_ends_every_session(
    console: ConsoleClient, store: SqliteStore
) -> None:
    """Changing the admin token signs every console session out."""
    auth.set_admin_token(store, "scimh_admin_new")
    assert (await console.get("/console/apps")).status_code == 303


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_sends_the_security_headers(console: ConsoleClient, path: str) -> None:
    """Strict CSP without inline script, framing denied, nothing cached."""
    response = await console.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", PAGES)
async def test_every_form_that_changes_something_carries_the_csrf_token(
    console: ConsoleClient, path: str
) -> None:
    """Each POST form has the session's token; no page has inline script or handlers."""
    forms = Forms((await console.get(path)).text)
    posts = [f for f in forms.forms if f["method"] == "post"]
    assert posts, "every page has at least the sign-out form"
    for form in posts:
        assert form["fields"].get("csrf") == console.csrf, form["action"]
    assert all(script.get("src") for script in forms.scripts)
    assert forms.handlers == []


CHANGES = [
    ("/console/apps", {"name": "forged"}),
    ("/console/apps/demo/delete", {"confirm": "demo"}),
    (
        "/console/apps/demo/settings",
        {
            "deleteOnDeactivate": "on",
            "mode": "strict",
            "userPatchStatus": "204",
            "groupPatchStatus": "204",
            "retention": "5",
        },
    ),
    ("/console/apps/demo/tokens", {"label": "forged", "rotate": "on"}),
    ("/console/apps/demo/mapping", {"name": "forged"}),
    ("/console/apps/demo/mapping/import", {"json": "{}"}),
    ("/console/apps/demo/conformance/run", {"side": "client"}),
]


def _state(store: SqliteStore) -> tuple[object, ...]:
    apps = [(a.name, a.settings, a.mapping) for a in store.list_apps()]
    return (apps, store.list_tokens("demo"), store.get_meta("console-run:demo:client"))


@pytest.mark.parametrize(("path", "data"), CHANGES, ids=[c[0].rsplit("/", 1)[-1] for c in CHANGES])
@pytest.mark.parametrize("token", ["missing", "wrong"])
async def test_a_form_without_the_right_csrf_token_is_refused_and_changes_nothing(
    console: ConsoleClient, store: SqliteStore, path: str, data: dict[str, str], token: str
) -> None:
    """Missing or wrong CSRF token: 403 and the store is as it was."""
    before = _state(store)
    body = dict(data) if token == "missing" else {**data, "csrf": "wrong"}
    response = await console.post(path, body, csrf=False)
    assert response.status_code == 403
    assert "nothing was changed" in response.text
    assert _state(store) == before


async def test_a_form_from_another_origin_is_refused(
    console: ConsoleClient, store: SqliteStore
) -> None:
    """The browser's Origin header naming another site: 403, even with the token."""
    response = await console.http.post(
        "/console/apps",
        data={"name": "crossed", "csrf": console.csrf},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert store.get_app("crossed") is None


async def test_an_unknown_console_page_is_an_html_404(console: ConsoleClient) -> None:
    """A page that does not exist is a console page saying so, not a SCIM error."""
    response = await console.get("/console/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "the console has no page at /console/nowhere" in response.text


class _Controls(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.labelled: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.wrapping = 0  # inside a <label> without "for": its control is labelled by it
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "label":
            if attr.get("for"):
                self.labelled.add(str(attr["for"]))
            else:
                self.wrapping += 1
        elif tag in ("input", "select", "textarea") and attr.get("type") != "hidden":
            if self.wrapping:
                attr["aria-label"] = "wrapped"
            self.controls.append(attr)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.wrapping:
            self.wrapping -= 1


@pytest.mark.parametrize("path", [*PAGES, "/console/sign-in"])
async def test_every_form_control_has_a_label(
    console_app: Starlette, boot: Bootstrap, path: str
) -> None:
    """Each visible input, select and textarea is named by a <label for> (or aria-label)."""
    async with _anonymous(console_app) as http:
        user = ConsoleClient(http)
        if path != "/console/sign-in":
            await user.sign_in(boot.admin_token)
        page = _Controls((await http.get(path)).text)
    unlabelled = [
        c for c in page.controls if c.get("id") not in page.labelled and not c.get("aria-label")
    ]
    assert unlabelled == []
