"""Storage behind one small interface; SQLite (a file or ``:memory:``) is the embedded default.

The store knows rows, indexes and transactions; it knows nothing of SCIM rules. Each
request's writes run inside :meth:`SqliteStore.transaction`, so a crash mid-request leaves
nothing half-written. Calls are synchronous: each is a few microseconds of indexed SQLite
work, cheaper than a hop to a thread pool.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from reference_server import filters, jsonio
from reference_server.errors import Uniqueness
from reference_server.schema import ResourceType, fold
from reference_server.sqlite_db import connect

__all__ = ["RECORD_BATCH", "RECORD_DELAY", "AppRow", "Page", "SqliteStore", "StoredResource"]

RECORD_BATCH = 256
"""Request records written in one transaction at most."""
RECORD_DELAY = 0.2
"""Seconds a request record may wait in memory before it is written."""


@dataclass(frozen=True)
class AppRow:
    name: str
    settings: dict[str, Any]
    mapping: dict[str, Any] | None
    created: str


@dataclass(frozen=True)
class StoredResource:
    seq: int
    id: str
    rtype: str
    version: int
    data: dict[str, Any]
    directory: dict[str, Any] | None


@dataclass(frozen=True)
class Page:
    total: int
    resources: list[dict[str, Any]]


def _dumps(value: Any) -> str:
    return jsonio.dumps_text(value)


class SqliteStore:
    """Apps, tokens, resources with their derived indexes, and the request record."""

    def __init__(self, database: str = ":memory:") -> None:
        self.database = database
        self._conn = connect(database)
        self._depth = 0
        self._since_trim: dict[str, int] = {}
        self._group_names: dict[tuple[str, int], str] = {}
        self._pending: list[tuple[str, str, str, str, str, str, str, int]] = []
        self._app_cache: dict[str, AppRow | None] = {}
        self._token_cache: dict[str, tuple[str, str] | None] = {}
        self._config_stamp: str | None = None
        self._data_version: int | None = None

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
                (name, _dumps(settings), None if mapping is None else _dumps(mapping), created),
            )
        except sqlite3.IntegrityError:
            msg = f"an app named {name!r} already exists"
            raise Uniqueness(msg) from None
        return AppRow(name, settings, mapping, created)

    def get_app(self, name: str) -> AppRow | None:
        """The app (cached until apps or tokens change, in this process or another)."""
        self._config_fresh()
        if name in self._app_cache:
            return self._app_cache[name]
        row = self._conn.execute(
            "SELECT name, settings, mapping, created FROM apps WHERE name = ?", (name,)
        ).fetchone()
        app = None if row is None else _app_row(row)
        self._app_cache[name] = app
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
                "UPDATE apps SET settings = ? WHERE name = ?", (_dumps(settings), name)
            )
        if mapping is not None:
            self._conn.execute(
                "UPDATE apps SET mapping = ? WHERE name = ?", (_dumps(mapping), name)
            )

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
        if token_hash in self._token_cache:
            return self._token_cache[token_hash]
        row = self._conn.execute(
            "SELECT hash, app FROM tokens WHERE hash = ?", (token_hash,)
        ).fetchone()
        found = None if row is None else (str(row[0]), str(row[1]))
        if len(self._token_cache) < 10_000:  # bounded: unknown tokens are cached too
            self._token_cache[token_hash] = found
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

    # -- resources ----------------------------------------------------------------------

    def get(self, app: str, rtype: str, rid: str) -> StoredResource | None:
        row = self._conn.execute(
            "SELECT seq, id, rtype, version, data, directory FROM resources "
            "WHERE app = ? AND id = ? AND rtype = ?",
            (app, rid, rtype),
        ).fetchone()
        return None if row is None else _stored(row)

    def get_any(self, app: str, rid: str) -> StoredResource | None:
        row = self._conn.execute(
            "SELECT seq, id, rtype, version, data, directory FROM resources "
            "WHERE app = ? AND id = ?",
            (app, rid),
        ).fetchone()
        return None if row is None else _stored(row)

    def member_refs(self, app: str, ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """For each existing id: (rtype, display name), read without parsing whole resources."""
        found: dict[str, tuple[str, str | None]] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                "SELECT id, rtype, coalesce(data ->> '$.displayName', data ->> '$.userName') "
                f"FROM resources WHERE app = ? AND id IN ({marks})",
                (app, *chunk),
            ).fetchall()
            for rid, rtype, display in rows:
                found[rid] = (rtype, display)
        return found

    def member_names(self, app: str, ids: Sequence[str]) -> dict[str, tuple[str, Any, Any]]:
        """For each existing id: (rtype, userName or displayName, directory ``username``).

        What group directory records list, read without parsing whole resources.
        """
        found: dict[str, tuple[str, Any, Any]] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                "SELECT id, rtype, CASE rtype WHEN 'User' THEN data ->> '$.userName' "
                "ELSE data ->> '$.displayName' END, directory ->> '$.username' "
                f"FROM resources WHERE app = ? AND id IN ({marks})",
                (app, *chunk),
            ).fetchall()
            for rid, rtype, name, username in rows:
                found[rid] = (rtype, name, username)
        return found

    def id_by_name(self, app: str, rtype: str, name: str) -> str | None:
        row = self._conn.execute(
            "SELECT id FROM resources WHERE app = ? AND rtype = ? AND name_key = ?",
            (app, rtype, fold(name)),
        ).fetchone()
        return None if row is None else str(row[0])

    def insert(
        self,
        app: str,
        rtype: str,
        resource: dict[str, Any],
        *,
        name: str,
        secret: str | None = None,
        directory: dict[str, Any] | None = None,
    ) -> None:
        """Insert a resource with version 1; a taken name is 409 uniqueness."""
        try:
            cur = self._conn.execute(
                "INSERT INTO resources(app, rtype, id, name_key, external_id, version, data, "
                "secret, directory) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
                (
                    app,
                    rtype,
                    resource["id"],
                    fold(name),
                    resource.get("externalId"),
                    _dumps(resource),
                    secret,
                    None if directory is None else _dumps(directory),
                ),
            )
        except sqlite3.IntegrityError:
            raise _name_taken(rtype, name) from None
        self._write_indexes(app, int(cur.lastrowid or 0), rtype, resource, fresh=True)

    def update(
        self,
        app: str,
        stored: StoredResource,
        resource: dict[str, Any],
        *,
        name: str,
        version: int,
        secret: str | None = None,
        keep_secret: bool = True,
        directory: dict[str, Any] | None = None,
    ) -> None:
        """Replace a stored resource's content (its id and seq stay)."""
        sets = "name_key = ?, external_id = ?, version = ?, data = ?, directory = ?"
        params: list[Any] = [
            fold(name),
            resource.get("externalId"),
            version,
            _dumps(resource),
            None if directory is None else _dumps(directory),
        ]
        if not keep_secret or secret is not None:
            sets += ", secret = ?"
            params.append(secret)
        try:
            self._conn.execute(f"UPDATE resources SET {sets} WHERE seq = ?", (*params, stored.seq))
        except sqlite3.IntegrityError:
            raise _name_taken(stored.rtype, name) from None
        if stored.rtype == "Group":
            self._update_members(app, stored.seq, stored.data, resource)
        else:
            self._write_indexes(app, stored.seq, stored.rtype, resource, fresh=False)

    def _update_members(self, app: str, seq: int, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Change the membership index by the difference only (a 1000-member group, one add)."""
        before, after = _member_values(old), _member_values(new)
        gone = [(seq, m) for m in before if m not in after]
        added = [(seq, app, m) for m in after if m not in before]
        if gone:
            self._conn.executemany(
                "DELETE FROM group_members WHERE group_seq = ? AND member_id = ?", gone
            )
        if added:
            self._conn.executemany(
                "INSERT INTO group_members(group_seq, app, member_id) VALUES (?,?,?)", added
            )

    def set_directory(self, seq: int, directory: dict[str, Any]) -> None:
        """Replace only the platform record of a resource (its SCIM data and version stay)."""
        self._conn.execute(
            "UPDATE resources SET directory = ? WHERE seq = ?", (_dumps(directory), seq)
        )

    def delete(self, stored: StoredResource) -> None:
        self._conn.execute("DELETE FROM group_members WHERE group_seq = ?", (stored.seq,))
        self._conn.execute("DELETE FROM resource_emails WHERE seq = ?", (stored.seq,))
        self._conn.execute("DELETE FROM resources WHERE seq = ?", (stored.seq,))

    def groups_with_member(self, app: str, member_id: str) -> list[StoredResource]:
        rows = self._conn.execute(
            "SELECT r.seq, r.id, r.rtype, r.version, r.data, r.directory FROM resources r "
            "WHERE r.seq IN (SELECT group_seq FROM group_members WHERE app = ? AND member_id = ?) "
            "ORDER BY r.seq",
            (app, member_id),
        ).fetchall()
        return [_stored(r) for r in rows]

    def memberships(self, app: str, member_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """For each member id, the (group id, group displayName) pairs it belongs to."""
        out: dict[str, list[tuple[str, str]]] = {}
        unique = list(dict.fromkeys(member_ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                "SELECT m.member_id, r.id, r.seq, r.version FROM group_members m "
                "JOIN resources r ON r.seq = m.group_seq "
                f"WHERE m.app = ? AND m.member_id IN ({marks}) ORDER BY r.seq",
                (app, *chunk),
            ).fetchall()
            for member_id, group_id, seq, version in rows:
                out.setdefault(member_id, []).append(
                    (group_id, self._group_name(group_id, seq, version))
                )
        return out

    def _group_name(self, group_id: str, seq: int, version: int) -> str:
        """A group's displayName, cached per (id, version): ids are never reused, rowids may be.

        Reading it with ``data ->> '$.displayName'`` parses the group's whole JSON, members
        and all: once per version of the group instead of once per member read.
        """
        key = (group_id, version)
        name = self._group_names.get(key)
        if name is None:
            row = self._conn.execute(
                "SELECT data ->> '$.displayName' FROM resources WHERE seq = ?", (seq,)
            ).fetchone()
            name = "" if row is None or row[0] is None else str(row[0])
            if len(self._group_names) >= 4096:
                self._group_names.clear()
            self._group_names[key] = name
        return name

    def directory_records(
        self, app: str, rtype: str, start: int, count: int
    ) -> tuple[int, list[dict[str, Any]]]:
        total = self._conn.execute(
            "SELECT count(*) FROM resources WHERE app = ? AND rtype = ? AND directory IS NOT NULL",
            (app, rtype),
        ).fetchone()[0]
        rows = self._conn.execute(
            "SELECT directory FROM resources WHERE app = ? AND rtype = ? AND directory IS NOT NULL "
            "ORDER BY seq LIMIT ? OFFSET ?",
            (app, rtype, count, start),
        ).fetchall()
        return int(total), [jsonio.loads(r[0]) for r in rows]

    def search(
        self,
        app: str,
        rtype: ResourceType,
        flt: filters.Filter | None,
        *,
        sort: filters.AttrPath | None = None,
        descending: bool = False,
        start: int = 0,
        count: int | None = None,
    ) -> Page:
        """Resources of one type matching ``flt``, in a stable order, one page of them.

        The filter is compiled to SQL (indexes serve ``eq`` on userName, externalId and
        emails); a node that cannot be pushed down is evaluated in Python over the rows, with
        the same results.
        """
        where = "r.app = ? AND r.rtype = ?"
        params: list[Any] = [app, rtype.name]
        residual: filters.Filter | None = None
        if flt is not None:
            compiled = filters.compile_filter(flt, rtype, app=app)
            if compiled is None:
                residual = flt
            else:
                where += f" AND ({compiled[0]})"
                params.extend(compiled[1])
        order = "r.seq"
        if sort is not None:
            key = filters.sort_key_sql(sort, rtype)
            direction = "DESC" if descending else "ASC"
            # RFC 7644 §3.4.2.3: resources without the attribute sort last in either order.
            order = f"({key}) IS NULL, ({key}) {direction}, r.seq"
        if residual is None:
            total = self._conn.execute(
                f"SELECT count(*) FROM resources r WHERE {where}", params
            ).fetchone()[0]
            if count == 0:
                return Page(int(total), [])
            limit = -1 if count is None else count
            rows = self._conn.execute(
                f"SELECT r.data FROM resources r WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                (*params, limit, start),
            ).fetchall()
            return Page(int(total), [jsonio.loads(r[0]) for r in rows])
        rows = self._conn.execute(
            f"SELECT r.data FROM resources r WHERE {where} ORDER BY {order}", params
        ).fetchall()
        matched = [
            d for d in (jsonio.loads(r[0]) for r in rows) if filters.matches(residual, d, rtype)
        ]
        end = None if count is None else start + count
        return Page(len(matched), matched[start:end])

    # -- derived indexes ----------------------------------------------------------------

    def _write_indexes(
        self, app: str, seq: int, rtype: str, resource: dict[str, Any], *, fresh: bool
    ) -> None:
        if rtype == "User":
            if not fresh:
                self._conn.execute("DELETE FROM resource_emails WHERE seq = ?", (seq,))
            emails = [
                (
                    seq,
                    app,
                    fold(e["value"]),
                    fold(e["type"]) if isinstance(e.get("type"), str) else None,
                )
                for e in resource.get("emails") or ()
                if isinstance(e, dict) and isinstance(e.get("value"), str)
            ]
            if emails:
                self._conn.executemany(
                    "INSERT INTO resource_emails(seq, app, value_key, type_key) VALUES (?,?,?,?)",
                    emails,
                )
        elif rtype == "Group":
            if not fresh:
                self._conn.execute("DELETE FROM group_members WHERE group_seq = ?", (seq,))
            members = [
                (seq, app, m["value"])
                for m in resource.get("members") or ()
                if isinstance(m, dict) and isinstance(m.get("value"), str)
            ]
            if members:
                self._conn.executemany(
                    "INSERT INTO group_members(group_seq, app, member_id) VALUES (?,?,?)", members
                )

    # -- request record -----------------------------------------------------------------

    def record_request(
        self,
        app: str,
        at: str,
        method: str,
        path: str,
        query: str,
        record: dict[str, Any],
        finding_ids: Sequence[str],
        retention: int,
    ) -> None:
        """Append to an app's request record, keeping at most ``retention`` entries.

        Records are buffered and written together (one transaction per batch instead of one
        per request: the record was most of a GET's cost). A batch goes out at
        ``RECORD_BATCH`` records, ``RECORD_DELAY`` seconds after its first record (a timer on
        the running event loop), before any read of the record, and on close. A crash may
        lose the records of the last fraction of a second, never the resources.
        """
        self._pending.append(
            (app, at, method, path, query, _dumps(record), " ".join(finding_ids), retention)
        )
        if len(self._pending) >= RECORD_BATCH:
            self.flush_requests()
        elif len(self._pending) == 1:
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (scripts, tests): write at once
            self.flush_requests()
            return
        loop.call_later(RECORD_DELAY, self.flush_requests)

    def flush_requests(self) -> None:
        """Write the buffered request records now."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO requests(app, at, method, path, query, record, findings) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [row[:7] for row in pending],
            )
            retention_of: dict[str, int] = {}
            counts: dict[str, int] = {}
            for row in pending:
                retention_of[row[0]] = row[7]
                counts[row[0]] = counts.get(row[0], 0) + 1
            for app, added in counts.items():
                # Trim every 64 inserts of this app (seq is shared by all apps, so it cannot tell).
                since = self._since_trim.get(app, 0) + added
                if retention_of[app] < 64 or since >= 64:
                    self._trim_requests(app, retention_of[app])
                    since = 0
                self._since_trim[app] = since

    def _trim_requests(self, app: str, retention: int) -> None:
        self._conn.execute(
            "DELETE FROM requests WHERE app = ? AND seq <= ("
            "SELECT seq FROM requests WHERE app = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)",
            (app, app, retention),
        )

    def requests(
        self,
        app: str,
        *,
        since: str | None = None,
        until: str | None = None,
        finding: str | None = None,
        after_seq: int = 0,
        limit: int = 100,
        retention: int | None = None,
    ) -> list[dict[str, Any]]:
        """Recorded requests of an app, oldest first, each with its ``seq``."""
        self.flush_requests()
        if retention is not None:
            self._trim_requests(app, retention)
        where = "app = ? AND seq > ?"
        params: list[Any] = [app, after_seq]
        if since:
            where += " AND at >= ?"
            params.append(since)
        if until:
            where += " AND at <= ?"
            params.append(until)
        if finding:
            where += " AND (' ' || findings || ' ') LIKE ?"
            params.append(f"% {finding} %")
        rows = self._conn.execute(
            f"SELECT seq, record FROM requests WHERE {where} ORDER BY seq LIMIT ?",
            (*params, limit),
        ).fetchall()
        return [{"seq": r[0], **json.loads(r[1])} for r in rows]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Raw access for diagnostics and tests (never used on a request path)."""
        return self._conn.execute(sql, params)


def _member_values(resource: dict[str, Any]) -> dict[str, None]:
    """The member ids of a group, as the index holds them (ordered, unique)."""
    return dict.fromkeys(
        m["value"]
        for m in resource.get("members") or ()
        if isinstance(m, dict) and isinstance(m.get("value"), str)
    )


def _name_taken(rtype: str, name: str) -> Uniqueness:
    attr = "userName" if rtype == "User" else "displayName"
    # RFC 7644 §3.3: 409 uniqueness when the attribute's value is taken.
    return Uniqueness(f"{attr} {name!r} is already taken by another {rtype} in this app")


def _app_row(row: Sequence[Any]) -> AppRow:
    return AppRow(
        name=row[0],
        settings=jsonio.loads(row[1]),
        mapping=None if row[2] is None else jsonio.loads(row[2]),
        created=row[3],
    )


def _stored(row: Sequence[Any]) -> StoredResource:
    return StoredResource(
        seq=row[0],
        id=row[1],
        rtype=row[2],
        version=row[3],
        data=jsonio.loads(row[4]),
        directory=None if row[5] is None else jsonio.loads(row[5]),
    )
