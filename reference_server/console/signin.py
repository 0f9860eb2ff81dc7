"""Sign-in and sign-out, the redirects to the console, its static files and its 404 page."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from scim_harness.reference_server.console.security import (
    Sessions,
    clear_session_cookie,
    secure_headers,
    session_cookie_name,
    set_session_cookie,
    set_signin_cookie,
    signin_cookie_name,
    tokens_equal,
)
from scim_harness.reference_server.console.web import ROOT, Page, safe_next
from scim_harness.reference_server.http import auth
from scim_harness.reference_server.protocol.errors import Forbidden, NotFound
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

__all__ = ["home", "not_found", "sign_in", "sign_in_form", "sign_out", "static_file", "to_console"]

STATIC = Path(__file__).parent / "static"
_STATIC_NAME = re.compile(r"[a-z0-9-]+\.(css|js|svg)")
_MEDIA = {"css": "text/css", "js": "text/javascript", "svg": "image/svg+xml"}

_NOT_ADMIN = "That is not the admin token. Sign in with the Admin Token that serve printed."
_APP_TOKEN = (
    "That is an app's SCIM bearer token. The console opens only with the admin token "
    "(the Admin Token that serve printed)."
)


def _signin_page(page: Page, *, error: str = "", status: int = 200, notice: str = "") -> Response:
    value = secrets.token_urlsafe(24)
    target = safe_next(page.field("next") or page.param("next"))
    response = page.render(
        "signin.html", status, signin_csrf=value, next=target, error=error, notice=notice
    )
    set_signin_cookie(response, page.request, value)
    return response


async def sign_in_form(page: Page) -> Response:
    if page.session is not None:
        return page.redirect(safe_next(page.param("next")))
    notice = "You are signed out." if page.param("signed-out") else ""
    return _signin_page(page, notice=notice)


async def sign_in(page: Page) -> Response:
    """The form POST: the admin token opens a session; nothing else does."""
    expected = page.request.cookies.get(signin_cookie_name(page.request))
    if not expected or not tokens_equal(page.field("csrf"), expected):
        msg = "the sign-in form expired or came from another page; load it again and retry"
        raise Forbidden(msg)
    token = page.field("token").strip()
    store = page.store
    if token and auth.admin_token_matches(store, token):
        value, _ = Sessions(store).open()
        response = page.redirect(safe_next(page.field("next")))
        set_session_cookie(response, page.request, value)
        response.delete_cookie(
            signin_cookie_name(page.request), path="/", httponly=True, samesite="strict"
        )
        return response
    error = _APP_TOKEN if token and auth.app_for_token(store, token) else _NOT_ADMIN
    return _signin_page(page, error=error, status=401)


async def sign_out(page: Page) -> Response:
    request = page.request
    Sessions(page.store).close(request.cookies.get(session_cookie_name(request)))
    response = page.redirect(f"{ROOT}/sign-in?signed-out=1")
    clear_session_cookie(response, request)
    return response


async def home(page: Page) -> Response:
    return page.redirect(f"{ROOT}/apps")


async def to_console(request: Request) -> Response:
    """``GET /``: the console."""
    return secure_headers(RedirectResponse(f"{ROOT}/", status_code=307))


async def static_file(request: Request) -> Response:
    """The console's CSS and JavaScript (no session needed: nothing secret in them)."""
    name = request.path_params["name"]
    path = STATIC / name
    found = _STATIC_NAME.fullmatch(name)
    if found is None or not path.is_file():
        return secure_headers(Response("not found", 404, media_type="text/plain"))
    response = Response(path.read_bytes(), media_type=_MEDIA[found.group(1)])
    secure_headers(response)
    response.headers["Cache-Control"] = "no-cache"
    return response


async def not_found(page: Page) -> Response:
    msg = f"the console has no page at {page.request.url.path}"
    raise NotFound(msg)
