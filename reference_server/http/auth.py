"""Bearer tokens: an app's tokens reach only that app; the admin token reaches only /admin.

Tokens are stored as SHA-256 hashes and compared with ``hmac.compare_digest``. The token
``serve`` generates for its own app is also kept in the clear (meta ``serve-token:<app>``) so
that ``serve`` can print it again on restart; tokens made through the admin API are shown
once and never stored in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from scim_harness.reference_server.protocol.errors import Unauthorized
from scim_harness.reference_server.store.sqlite import SqliteStore

__all__ = [
    "TOKEN_PREFIX",
    "admin_token_matches",
    "app_for_token",
    "bearer_token",
    "hash_token",
    "issue_token",
    "new_token",
    "set_admin_token",
]

_ADMIN_KEY = "admin-token-hash"


TOKEN_PREFIX = "scimh_"


def new_token(kind: str = "") -> str:
    """A fresh random bearer token: 256 bits, URL-safe, with a recognisable prefix.

    The prefix lets secret scanners spot a leaked token, and a token never starts with "-"
    (which command-line parsers would take for an option).
    """
    return f"{TOKEN_PREFIX}{kind}{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header (RFC 6750 §2.1), or 401."""
    if not authorization:
        raise Unauthorized()
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        msg = "Authorization must use the Bearer scheme: 'Authorization: Bearer <token>'"
        raise Unauthorized(msg)
    return token.strip()


def issue_token(
    store: SqliteStore, app: str, label: str, created: str, token: str | None = None
) -> str:
    """Store (the hash of) a new token for ``app`` and return the token."""
    token = token or new_token()
    store.add_token(app, hash_token(token), label, created)
    return token


def app_for_token(store: SqliteStore, token: str) -> str | None:
    """The app this token belongs to, or None."""
    wanted = hash_token(token)
    found = store.token_app(wanted)
    if found is None:
        return None
    stored_hash, app = found
    return app if hmac.compare_digest(stored_hash, wanted) else None


def set_admin_token(store: SqliteStore, token: str) -> None:
    store.set_meta(_ADMIN_KEY, hash_token(token))


def admin_token_matches(store: SqliteStore, token: str) -> bool:
    stored = store.get_meta(_ADMIN_KEY)
    return stored is not None and hmac.compare_digest(stored, hash_token(token))
