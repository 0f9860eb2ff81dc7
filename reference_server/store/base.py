"""The store's foundation: the connection, transactions, meta keys, and the apps and tokens.

Apps and tokens are read on every request and change rarely, so they are cached; the cache
is dropped whenever this process or another one (``serve --workers``) changes them, which
``PRAGMA data_version`` and a stamp in ``meta`` reveal.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol import jsonio
from scim_harness.reference_server.protocol.errors import Uniqueness
from scim_harness.reference_server.store.database import connect
from scim_harness.reference_server.store.lru import LruCache

__all__ = ["APP_CACHE", "TOKEN_CACHE", "AppRow", "StoreBase"]

APP_CACHE = 1024
"""Apps kept in memory (least recently used dropped first); unknown names are never cached."""
TOKEN_CACHE = 4096
"""Token hashes kept in memory; unknown tokens are never cached."""


@dataclass(frozen=True)
class AppRow:
    name: str
    settings: dict[str, Any]
    mapping: dict[str, Any] | None
    created: str


def dumps(value: Any) -> str:
    return jsonio.dumps_text(value)


class StoreBase:
    """The connection, transactions, meta keys, apps and tokens."""

    def __init__(self, database: str = ":memory:") -> None:
        self.database = database
        self._conn = connect(database)
        self._depth = 0
        # Bounded, and only for what exists: a client inventing app names or tokens costs
        # one indexed lookup each, never memory.
        self._app_cache: LruCache[str, AppRow] = LruCache(APP_CACHE)
        self._token_cache: LruCache[str, tuple[str, str]] = LruCache(TOKEN_CACHE)
        self._config_stamp: str | None = None
        self._data_version: int | None = None

    def flush_requests(self) -> None:
        """Write anything held in memory; the request record overrides this."""

    def close(self) -> None:
        self.flush_requests()
        self._conn.close()

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of writes; nested uses join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        # IMMEDIATE: take the write lock up front, so several worker processes on one file
        # serialise cleanly instead of failing on lock upgrade.
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._depth = 0

    # -- key/value meta -----------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._config_changed()
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def delete_meta(self, key: str) -> None:
        self._config_changed()
        self._conn.execute("DELETE FROM meta WHERE key = ?", (key,))

    # -- configuration cache --------------------------------------------------------------

    def _config_changed(self) -> None:
        """Apps, tokens or settings change: drop the caches, tell the other processes."""
        self._app_cache.clear()
        self._token_cache.clear()
        self._config_stamp = uuid.uuid4().hex
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES ('config-stamp', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (self._config_stamp,),
        )

    def _config_fresh(self) -> None:
        """Keep the caches only while no other process changed the configuration.

        ``PRAGMA data_version`` moves when another connection wrote anything; only then is
        the stamp read, and the caches dropped if another process changed apps or tokens.
        """
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return
        self._data_version = version
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'config-stamp'").fetchone()
        stamp = None if row is None else str(row[0])
        if stamp != self._config_stamp:
            self._config_stamp = stamp
            self._app_cache.clear()
            self._token_cache.clear()

    # -- apps and tokens ----------------------------------------------------------------

    def create_app(
        self, name: str, settings: dict[str, Any], mapping: dict[str, Any] | None, created: str
    ) -> AppRow:
        self._config_changed()
        try:
            self._conn.execute(
                "INSERT INTO apps(name, settings, mapping, created) VALUES (?, ?, ?, ?)",
                (name, dumps(settings), None if mapping is None else dumps(mapping), created),
            )
        except sqlite3.IntegrityError:
            msg = f"an app named {name!r} already exists"
            raise Uniqueness(msg) from None
        return AppRow(name, settings, mapping, created)

    def get_app(self, name: str) -> AppRow | None:
        """The app (cached until apps or tokens change, in this process or another)."""
        self._config_fresh()
        cached = self._app_cache.get(name)
        if cached is not None:
            return cached
        row = self._conn.execute(
            "SELECT name, settings, mapping, created FROM apps WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        app = _app_row(row)
        self._app_cache.put(name, app)
        return app

    def list_apps(self) -> list[AppRow]:
        rows = self._conn.execute(
            "SELECT name, settings, mapping, created FROM apps ORDER BY name"
        ).fetchall()
        return [_app_row(r) for r in rows]

    def update_app(
        self,
        name: str,
        *,
        settings: dict[str, Any] | None = None,
        mapping: dict[str, Any] | None = None,
    ) -> None:
        self._config_changed()
        if settings is not None:
            self._conn.execute(
                "UPDATE apps SET settings = ? WHERE name = ?", (dumps(settings), name)
            )
        if mapping is not None:
            self._conn.execute("UPDATE apps SET mapping = ? WHERE name = ?", (dumps(mapping), name))

    def delete_app(self, name: str) -> bool:
        """Delete an app with its tokens, resources, directory records and request record."""
        self.flush_requests()
        with self.transaction():
            self._config_changed()
            self._conn.execute("DELETE FROM requests WHERE app = ?", (name,))
            self._conn.execute("DELETE FROM group_members WHERE app = ?", (name,))
            self._conn.execute("DELETE FROM resource_emails WHERE app = ?", (name,))
            self._conn.execute("DELETE FROM resources WHERE app = ?", (name,))
            cur = self._conn.execute("DELETE FROM apps WHERE name = ?", (name,))
        return cur.rowcount > 0

    def add_token(self, app: str, token_hash: str, label: str, created: str) -> None:
        self._config_changed()
        self._conn.execute(
            "INSERT INTO tokens(hash, app, label, created) VALUES (?, ?, ?, ?)",
            (token_hash, app, label, created),
        )

    def token_app(self, token_hash: str) -> tuple[str, str] | None:
        """(stored hash, app) of the token with this hash, or None (cached like apps)."""
        self._config_fresh()
        cached = self._token_cache.get(token_hash)
        if cached is not None:
            return cached
        row = self._conn.execute(
            "SELECT hash, app FROM tokens WHERE hash = ?", (token_hash,)
        ).fetchone()
        if row is None:
            return None
        found = (str(row[0]), str(row[1]))
        self._token_cache.put(token_hash, found)
        return found

    def list_tokens(self, app: str) -> list[dict[str, str]]:
        rows = self._conn.execute(
            "SELECT hash, label, created FROM tokens WHERE app = ? ORDER BY created", (app,)
        ).fetchall()
        return [{"id": r[0][:12], "label": r[1], "created": r[2]} for r in rows]

    def revoke_tokens(self, app: str, token_id: str | None = None) -> int:
        """Revoke one token (by the id :meth:`list_tokens` shows) or all of an app's."""
        self._config_changed()
        if token_id is None:
            cur = self._conn.execute("DELETE FROM tokens WHERE app = ?", (app,))
        else:
            cur = self._conn.execute(
                "DELETE FROM tokens WHERE app = ? AND substr(hash, 1, 12) = ?", (app, token_id)
            )
        return cur.rowcount

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Raw access for diagnostics and tests (never used on a request path)."""
        return self._conn.execute(sql, params)


def _app_row(row: Sequence[Any]) -> AppRow:
    return AppRow(
        name=row[0],
        settings=jsonio.loads(row[1]),
        mapping=None if row[2] is None else jsonio.loads(row[2]),
        created=row[3],
    )
