"""Keyset reads of a list (RFC 9865 cursor pages): rows strictly after (or before) a position.

A list's order is ``(sort key IS NULL), sort key, seq`` (``seq`` alone without sortBy), the
order of :meth:`SqliteStore.search`. A cursor page reads the rows beyond the last row the client
saw, by value, instead of skipping ``startIndex - 1`` rows: without sortBy the read is a range
of the ``resources_list`` index, ``(app, rtype, seq > ?)``, as cheap on the last page as on
the first. A row that exists for the whole walk keeps its ``seq`` and its place, so inserts and
deletes elsewhere never move it across the position: it is read exactly once. (With sortBy, a
row whose sort key is *changed* during the walk may move across the position.)

The secret cursors are signed with lives in the ``meta`` table, created once per database, so
every worker process of one server verifies every other's cursors.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol import jsonio
from scim_harness.reference_server.protocol.schema import ResourceType
from scim_harness.reference_server.query import filters

__all__ = ["KeysetRow", "KeysetStore"]

_SECRET_KEY = "cursor-secret"
_UNIQUE_KEY = "r.name_key"
"""fold(userName) / fold(displayName): never NULL and unique per (app, rtype), so it orders
rows alone and the ``resources_name`` index serves the keyset read."""
_RESIDUAL_BATCH = 256


@dataclass(frozen=True)
class KeysetRow:
    """One resource of a keyset read: its place in the order, and its data."""

    missing: bool
    key: Any
    seq: int
    data: dict[str, Any]


@dataclass(frozen=True)
class _Order:
    key: str | None
    """The sort key SQL expression over ``resources r`` (None: insertion order)."""
    descending: bool

    def by(self, backward: bool) -> str:
        if self.key is None:
            return "r.seq DESC" if backward else "r.seq"
        ahead = "DESC" if self.descending != backward else "ASC"
        if self.key == _UNIQUE_KEY:
            return f"r.name_key {ahead}"
        back = "DESC" if backward else "ASC"
        return f"({self.key}) IS NULL {back}, ({self.key}) {ahead}, r.seq {back}"

    def beyond(self, missing: bool, key: Any, seq: int, backward: bool) -> tuple[str, list[Any]]:
        """Rows strictly after (``backward``: before) the position, in the list's order."""
        cmp = "<" if backward else ">"
        if self.key is None:
            return f"r.seq {cmp} ?", [seq]
        k = f"({self.key})"
        ahead = "<" if self.descending != backward else ">"
        if self.key == _UNIQUE_KEY:
            return f"r.name_key {ahead} ?", [key]
        if not backward:
            if missing:  # after a row without a key: only keyless rows further on
                return f"({k} IS NULL AND r.seq > ?)", [seq]
            return (
                f"({k} IS NULL OR {k} {ahead} ? OR ({k} = ? AND r.seq > ?))",
                [key, key, seq],
            )
        if missing:  # before a keyless row: every keyed row, and keyless rows before it
            return f"({k} IS NOT NULL OR r.seq < ?)", [seq]
        return f"({k} IS NOT NULL AND ({k} {ahead} ? OR ({k} = ? AND r.seq < ?)))", [key, key, seq]


class KeysetStore:
    """Keyset reads and the cursor secret; mixed into the SQLite store (needs ``_conn``)."""

    _conn: sqlite3.Connection
    _cursor_secret: bytes | None = None

    def cursor_secret(self) -> bytes:
        """The server's secret for signing cursors: made once, kept in ``meta``."""
        if self._cursor_secret is None:
            self._conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)",
                (_SECRET_KEY, secrets.token_hex(32)),
            )
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = ?", (_SECRET_KEY,)
            ).fetchone()
            self._cursor_secret = bytes.fromhex(str(row[0]))
        return self._cursor_secret

    def keyset_rows(
        self,
        app: str,
        rtype: ResourceType,
        flt: filters.Filter | None,
        *,
        sort: filters.AttrPath | None,
        descending: bool,
        after: tuple[bool, Any, int] | None,
        backward: bool,
        limit: int,
    ) -> list[KeysetRow]:
        """Up to ``limit`` rows matching ``flt`` beyond ``after`` = (missing, key, seq).

        Forward rows come in the list's order; ``backward`` rows (those before ``after``)
        come nearest first, i.e. in reverse order. ``after=None`` reads from the start (or,
        backward, from the end).
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
        key = None
        if sort is not None:
            key = filters.sort_key_sql(sort, rtype)
            key = None if key == "NULL" else key
        order = _Order(key, descending)
        out: list[KeysetRow] = []
        position = after
        while len(out) < limit:
            clause, bound = ("1", []) if position is None else order.beyond(*position, backward)
            batch = limit - len(out) if residual is None else max(limit, _RESIDUAL_BATCH)
            rows = self._conn.execute(
                f"SELECT r.seq, {key or 'NULL'}, r.data FROM resources r "
                f"WHERE {where} AND {clause} ORDER BY {order.by(backward)} LIMIT ?",
                (*params, *bound, batch),
            ).fetchall()
            for seq, value, raw in rows:
                data = jsonio.loads(raw)
                if residual is None or filters.matches(residual, data, rtype):
                    out.append(KeysetRow(key is not None and value is None, value, seq, data))
                    if len(out) == limit:
                        break
            if len(rows) < batch or residual is None:
                break
            last = rows[-1]
            position = (key is not None and last[1] is None, last[1], last[0])
        return out
