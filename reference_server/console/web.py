"""The console's HTTP edge: templates, forms, the session and CSRF gate, error pages.

Every console page goes through :func:`view`: it finds the session (no session: the sign-in
page for a GET, 403 for anything else), reads and checks the form of a POST (its CSRF token,
and the ``Origin`` the browser sent), looks up the app named in the path, and turns every
refusal into an HTML page with the status and the message. Templates are Jinja2 with
autoescaping on, so every value from the store or the wire is shown as text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import jinja2
from scim_harness.reference_server.console.runner import ConformanceRunner
from scim_harness.reference_server.console.security import (
    Session,
    Sessions,
    same_origin,
    secure_headers,
    session_cookie_name,
    tokens_equal,
)
from scim_harness.reference_server.http.edge import read_body
from scim_harness.reference_server.http.pipeline import Server
from scim_harness.reference_server.protocol.errors import (
    Forbidden,
    InvalidSyntax,
    InvalidValue,
    NotFound,
    ScimError,
    UnsupportedMedia,
)
from scim_harness.reference_server.store.sqlite import AppRow, SqliteStore
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

__all__ = ["ROOT", "ConsoleHandler", "Page", "render_template", "safe_next", "view"]

ROOT = "/console"
TEMPLATES = Path(__file__).parent / "templates"
_MAX_FIELDS = 4000

log = logging.getLogger("scim_harness.server")

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["q"] = lambda value: quote(str(value), safe="")


def render_template(template: str, /, **context: Any) -> str:
    return _env.get_template(template).render(root=ROOT, **context)


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a console path of this server, never another site."""
    if not target or not target.startswith(ROOT) or "//" in target or "\\" in target:
        return ROOT + "/"
    return target


@dataclass
class Page:
    """One console request: the request, the server, the session, the form, the app."""

    request: Request
    server: Server
    session: Session | None
    form: dict[str, list[str]] = field(default_factory=dict)
    row: AppRow | None = None

    @property
    def store(self) -> SqliteStore:
        return self.server.store

    @property
    def runner(self) -> ConformanceRunner | None:
        runner: ConformanceRunner | None = self.request.app.state.console_runner
        return runner

    @property
    def app(self) -> AppRow:
        if self.row is None:  # pragma: no cover - only app routes ask
            msg = "this page belongs to no app"
            raise NotFound(msg)
        return self.row

    def field(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[0] if values else default

    def param(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def origin(self) -> str:
        return str(self.request.base_url).rstrip("/")

    def scim_base_url(self, app: str) -> str:
        return f"{self.origin()}/apps/{app}/scim/v2"

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        html = render_template(
            template,
            csrf=self.session.csrf if self.session else "",
            signed_in=self.session is not None,
            app=self.row,
            **context,
        )
        return secure_headers(HTMLResponse(html, status_code=status))

    def redirect(self, url: str) -> Response:
        return secure_headers(RedirectResponse(url, status_code=303))


ConsoleHandler = Callable[[Page], Awaitable[Response]]


async def _read_form(request: Request, limit: int) -> dict[str, list[str]]:
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        msg = "console forms are sent as application/x-www-form-urlencoded"
        raise UnsupportedMedia(msg)
    body = await read_body(request, limit)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        msg = "the form is not UTF-8 text"
        raise InvalidSyntax(msg) from None
    try:
        return parse_qs(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except ValueError:
        msg = f"the form has more than {_MAX_FIELDS} fields"
        raise InvalidValue(msg) from None


def _error_page(page: Page, status: int, title: str, detail: str) -> Response:
    return page.render("error.html", status, title=title, detail=detail)


_TITLES = {
    400: "That did not work",
    401: "Sign in first",
    403: "Refused",
    404: "Not found",
    409: "Already there",
    413: "Too large",
    415: "Unsupported form",
}


def view(
    handler: ConsoleHandler, *, signed_in: bool = True, app: bool = False, csrf: bool = True
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a console handler: session, form, CSRF, the app, and every refusal as a page."""

    async def endpoint(request: Request) -> Response:
        server: Server = request.app.state.server
        session = Sessions(server.store).find(request.cookies.get(session_cookie_name(request)))
        page = Page(request, server, session)
        try:
            if signed_in and session is None:
                if request.method == "GET":
                    target = quote(request.url.path, safe="/")
                    return page.redirect(f"{ROOT}/sign-in?next={target}")
                msg = "your console session has ended or never began: sign in again"
                raise Forbidden(msg)
            if request.method == "POST":
                page.form = await _read_form(request, server.settings.max_body_bytes)
                if not same_origin(request):
                    msg = "the form came from another site; nothing was changed"
                    raise Forbidden(msg)
                if csrf and (session is None or not tokens_equal(page.field("csrf"), session.csrf)):
                    msg = "the form's security token is missing or wrong; nothing was changed"
                    raise Forbidden(msg)
            if app:
                name = request.path_params["app"]
                page.row = server.store.get_app(name)
                if page.row is None:
                    msg = f"there is no app named {name!r}"
                    raise NotFound(msg)
            return await handler(page)
        except ScimError as error:
            page.row = None
            title = _TITLES.get(error.status, "That did not work")
            return _error_page(page, error.status, title, error.detail)
        except Exception:
            log.exception("console error on %s %s", request.method, request.url.path)
            page.row = None
            detail = "the server could not show this page; its log has the details"
            return _error_page(page, 500, "Something went wrong", detail)

    return endpoint
