"""Storage behind one small interface; SQLite (a file or ``:memory:``) is the embedded default.

The store knows rows, indexes and transactions; it knows nothing of SCIM rules. Each
request's writes run inside :meth:`SqliteStore.transaction`, so a crash mid-request leaves
nothing half-written. Calls are synchronous: each is a few microseconds of indexed SQLite
work, cheaper than a hop to a thread pool; a search, the one call whose cost a client
chooses, runs within a time budget (503 + Retry-After past it). The foundation (connection,
apps, tokens) is in ``base``, the request record in ``records``, the tables and pragmas in
``database``, cursor pages' keyset reads in ``keyset``; this module holds the resources.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol import jsonio
from scim_harness.reference_server.protocol.errors import Uniqueness
from scim_harness.reference_server.protocol.schema import ResourceType, fold
from scim_harness.reference_server.query import filters
from scim_harness.reference_server.store.base import AppRow, dumps
from scim_harness.reference_server.store.database import Deadline, time_budget
from scim_harness.reference_server.store.keyset import KeysetRow, KeysetStore
from scim_harness.reference_server.store.lru import LruCache
from scim_harness.reference_server.store.records import (
    RECORD_BATCH,
    RECORD_DELAY,
    RequestRecordStore,
)

__all__ = [
    "RECORD_BATCH",
    "RECORD_DELAY",
    "AppRow",
    "KeysetRow",
    "Page",
    "SqliteStore",
    "StoredResource",
]


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


class SqliteStore(KeysetStore, RequestRecordStore):
    """Apps, tokens, resources with their derived indexes, keyset reads, the request record."""

    def __init__(self, database: str = ":memory:") -> None:
        super().__init__(database)
        self._group_names: LruCache[tuple[str, int], str] = LruCache(4096)

    # -- resources ----------------------------------------------------------------------

    def get(self, app: str, rtype: str, rid: str) -> StoredResource | None:
        row = self._conn.execute(
            "SELECT seq, id, rtype, version, data, directory FROM resources "
            "WHERE app = ? AND id = ? AND rtype = ?",
            (app, rid, rtype),
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
                    dumps(resource),
                    secret,
                    None if directory is None else dumps(directory),
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
            dumps(resource),
            None if directory is None else dumps(directory),
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
            "UPDATE resources SET directory = ? WHERE seq = ?", (dumps(directory), seq)
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
            self._group_names.put(key, name)
        return name

    def directory_records(
        self, app: str, rtype: str, start: int, count: int, *, search: str | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """One page of an app's directory records (and how many there are), in creation order.

        ``search``: only records whose name, display name or email contains it (any case).
        """
        where = "app = ? AND rtype = ? AND directory IS NOT NULL"
        params: list[Any] = [app, rtype]
        if search:
            escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where += (
                " AND ("
                + " OR ".join(f"directory ->> '$.{key}' LIKE ? ESCAPE '\\'" for key in _SEARCHED)
                + ")"
            )
            params.extend([f"%{escaped}%"] * len(_SEARCHED))
        total = self._conn.execute(f"SELECT count(*) FROM resources WHERE {where}", params)
        found = int(total.fetchone()[0])
        rows = self._conn.execute(
            f"SELECT directory FROM resources WHERE {where} ORDER BY seq LIMIT ? OFFSET ?",
            (*params, count, start),
        ).fetchall()
        return found, [jsonio.loads(r[0]) for r in rows]

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
        budget: float | None = None,
    ) -> Page:
        """Resources of one type matching ``flt``, in a stable order, one page of them.

        The filter is compiled to SQL (indexes serve ``eq`` on userName, externalId and
        emails); a node that cannot be pushed down is evaluated in Python over the rows, with
        the same results. With a ``budget`` (seconds), a search still running past it is
        abandoned with 503 + Retry-After.
        """
        with time_budget(self._conn, budget) as deadline:
            return self._search(app, rtype, flt, sort, descending, start, count, deadline)

    def _search(
        self,
        app: str,
        rtype: ResourceType,
        flt: filters.Filter | None,
        sort: filters.AttrPath | None,
        descending: bool,
        start: int,
        count: int | None,
        deadline: Deadline | None,
    ) -> Page:
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
        matched = []
        for number, row in enumerate(rows):
            if deadline is not None and number % 256 == 0:
                deadline.check()
            data = jsonio.loads(row[0])
            if filters.matches(residual, data, rtype):
                matched.append(data)
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


_SEARCHED = ("username", "displayName", "email", "groupName")
"""Directory record members a search looks in."""


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


def _stored(row: Sequence[Any]) -> StoredResource:
    return StoredResource(
        seq=row[0],
        id=row[1],
        rtype=row[2],
        version=row[3],
        data=jsonio.loads(row[4]),
        directory=None if row[5] is None else jsonio.loads(row[5]),
    )
