"""Bearer tokens: an app's tokens reach only that app; the admin token reaches only /admin.

Every token is stored as its SHA-256 hash only and compared with ``hmac.compare_digest``:
app tokens, the admin token, and the tokens ``serve`` is given or generates. A token is shown
once, when it is made (``serve`` prints the ones it generates; the admin API answers with the
ones it issues), and never again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from scim_harness.reference_server.protocol.errors import InvalidSyntax, Unauthorized
from scim_harness.reference_server.store.sqlite import SqliteStore

__all__ = [
    "TOKEN_PREFIX",
    "admin_token_matches",
    "admin_token_stamp",
    "app_for_token",
    "bearer_token",
    "hash_token",
    "issue_token",
    "new_token",
    "set_admin_token",
    "single_authorization",
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


def single_authorization(values: Sequence[str]) -> str | None:
    """The one ``Authorization`` header of a request (None without one).

    RFC 9110 §5.3: a field that is not a list may appear once; two credentials leave it
    unclear which one the client meant, so the request is refused (400), not guessed at.
    """
    if len(values) > 1:
        msg = f"the request has {len(values)} Authorization headers; send exactly one"
        raise InvalidSyntax(msg)
    return values[0] if values else None


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


def admin_token_stamp(store: SqliteStore) -> str | None:
    """A short fingerprint of the admin token in force: console sessions keep it, so a new
    admin token signs every session out."""
    stored = store.get_meta(_ADMIN_KEY)
    return None if stored is None else stored[:16]
