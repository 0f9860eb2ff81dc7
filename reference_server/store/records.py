"""The request record: every SCIM request of an app, with its findings, written in batches."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

from scim_harness.reference_server.settings import MAX_RETENTION
from scim_harness.reference_server.store.base import StoreBase, dumps

__all__ = ["RECORD_BATCH", "RECORD_DELAY", "RequestRecordStore"]

RECORD_BATCH = 256
"""Request records written in one transaction at most."""
RECORD_DELAY = 0.2
"""Seconds a request record may wait in memory before it is written."""

log = logging.getLogger("scim_harness.server")


class RequestRecordStore(StoreBase):
    """Appends to and reads the ``requests`` table, keeping each app within its retention."""

    def __init__(self, database: str = ":memory:") -> None:
        super().__init__(database)
        self._since_trim: dict[str, int] = {}
        self._pending: list[tuple[str, str, str, str, str, str, str, int]] = []

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
            (app, at, method, path, query, dumps(record), " ".join(finding_ids), retention)
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
        """Write the buffered request records now.

        One transaction per batch; should it fail, each record is retried alone, so one
        app's bad row never costs other apps their records.
        """
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        try:
            self._write_batch(pending)
        except sqlite3.Error:
            log.exception(
                "a batch of %d request records failed; writing them one by one", len(pending)
            )
            for row in pending:
                try:
                    self._write_batch([row])
                except sqlite3.Error:
                    log.exception("a request record of app %r could not be written", row[0])

    def _write_batch(self, pending: list[tuple[str, str, str, str, str, str, str, int]]) -> None:
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
        retention = max(0, min(retention, MAX_RETENTION))
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

    def request_page(
        self,
        app: str,
        *,
        before_seq: int | None = None,
        after_seq: int = 0,
        limit: int = 50,
        method: str | None = None,
        status: tuple[int, int] | None = None,
        finding: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> tuple[int, list[dict[str, Any]]]:
        """One page of an app's request record, newest first, and how many records match.

        Keyset paging on ``seq`` (``before_seq``: older than this one; ``after_seq``: newer
        than this one), so a page costs the same on the ten-thousandth record as on the first
        and nothing beyond ``limit`` records is read. ``status`` is an inclusive range.
        """
        self.flush_requests()
        where = "app = ? AND seq > ?"
        params: list[Any] = [app, after_seq]
        if method:
            where += " AND method = ?"
            params.append(method)
        if status is not None:
            where += " AND json_extract(record, '$.status') BETWEEN ? AND ?"
            params.extend(status)
        if finding:
            where += " AND (' ' || findings || ' ') LIKE ?"
            params.append(f"% {finding} %")
        if since:
            where += " AND at >= ?"
            params.append(since)
        if until:
            where += " AND at <= ?"
            params.append(until)
        total = self._conn.execute(f"SELECT count(*) FROM requests WHERE {where}", params)
        count = int(total.fetchone()[0])
        if before_seq is not None:
            where += " AND seq < ?"
            params.append(before_seq)
        rows = self._conn.execute(
            f"SELECT seq, record FROM requests WHERE {where} ORDER BY seq DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        return count, [{"seq": r[0], **json.loads(r[1])} for r in rows]
