"""Console sign-in sessions, CSRF tokens and the security headers of every console response.

A session is a random value in an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure``, and
named with the ``__Host-`` prefix, when the console is reached over https). The server keeps
only its SHA-256, with the session's CSRF token, expiry and a fingerprint of the admin token
it was opened with, in the store's ``meta`` (so every ``serve --workers`` process sees the
same sessions and a restart keeps them). A new admin token ends every session.

Every state-changing form carries the session's CSRF token; the sign-in form, which has no
session yet, carries a token that must equal a short-lived cookie of its own (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.http import auth
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "SESSION_SECONDS",
    "Session",
    "Sessions",
    "clear_session_cookie",
    "same_origin",
    "secure_headers",
    "session_cookie_name",
    "set_session_cookie",
    "set_signin_cookie",
    "signin_cookie_name",
    "tokens_equal",
]

SESSION_SECONDS = 8 * 3600
"""A session ends this long after sign-in, however busy it was."""
SIGNIN_SECONDS = 30 * 60
MAX_SESSIONS = 64
"""Sessions kept at most; the oldest ends first."""
_META_KEY = "console-sessions"

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Session:
    """A signed-in console session (what the server keeps of it)."""

    key: str
    """SHA-256 of the cookie value."""
    csrf: str
    expires: float


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def tokens_equal(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a submitted token with the expected one."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class Sessions:
    """The console's sessions, kept in the store's ``meta``."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def _load(self, now: float) -> dict[str, dict[str, Any]]:
        raw = self._store.get_meta(_META_KEY)
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            return {}
        stamp = auth.admin_token_stamp(self._store)
        return {
            key: entry
            for key, entry in data.items()
            if isinstance(entry, dict)
            and isinstance(entry.get("expires"), int | float)
            and float(entry["expires"]) > now
            and entry.get("admin") == stamp
        }

    def open(self) -> tuple[str, Session]:
        """A new session: the cookie value (shown to the browser only) and the session."""
        now = time.time()
        value = secrets.token_urlsafe(32)
        session = Session(_digest(value), secrets.token_urlsafe(32), now + SESSION_SECONDS)
        with self._store.transaction():
            kept = self._load(now)
            kept[session.key] = {
                "csrf": session.csrf,
                "expires": session.expires,
                "admin": auth.admin_token_stamp(self._store),
            }
            newest = sorted(kept.items(), key=lambda item: float(item[1]["expires"]))
            self._store.set_meta(_META_KEY, json.dumps(dict(newest[-MAX_SESSIONS:])))
        return value, session

    def find(self, value: str | None) -> Session | None:
        """The live session of a cookie value, or None."""
        if not value:
            return None
        entry = self._load(time.time()).get(_digest(value))
        if entry is None:
            return None
        return Session(_digest(value), str(entry["csrf"]), float(entry["expires"]))

    def close(self, value: str | None) -> None:
        """End the session of a cookie value (sign-out)."""
        if not value:
            return
        with self._store.transaction():
            kept = self._load(time.time())
            if kept.pop(_digest(value), None) is not None:
                self._store.set_meta(_META_KEY, json.dumps(kept))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def session_cookie_name(request: Request) -> str:
    # __Host-: the browser keeps it only if Secure, for this host and path "/" (RFC 6265bis).
    return "__Host-scimh_console" if _secure(request) else "scimh_console"


def signin_cookie_name(request: Request) -> str:
    return "__Host-scimh_signin" if _secure(request) else "scimh_signin"


def set_session_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        session_cookie_name(request),
        value,
        max_age=SESSION_SECONDS,
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        session_cookie_name(request),
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def set_signin_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        signin_cookie_name(request),
        value,
        max_age=SIGNIN_SECONDS,
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def same_origin(request: Request) -> bool:
    """False when the browser says the form came from another site (``Origin`` header).

    Only the host and port are compared: behind a proxy that ends TLS without saying so, the
    server sees http while the browser says https. The CSRF token is the defence; this only
    adds to it.
    """
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    given = origin.partition("://")[2].lower()
    own = request.headers.get("host", "").lower()
    return hmac.compare_digest(given.encode(), own.encode())


def secure_headers(response: Response, *, csp: str | None = None) -> Response:
    """The console's security headers (a stricter or looser ``csp`` for special pages)."""
    for name, value in _HEADERS.items():
        response.headers[name] = value
    if csp is not None:
        response.headers["Content-Security-Policy"] = csp
    return response
