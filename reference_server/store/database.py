"""The SQLite database: tables, indexes, pragmas and the SQL functions the filters use.

One place decides the physical layout. ``resources.data`` holds each resource's canonical
JSON (the truth); ``resource_emails`` and ``group_members`` are indexes derived from it on
every write, so lookups by email and "which groups is this user in" never scan.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scim_harness.reference_server.protocol.errors import ServiceUnavailable
from scim_harness.reference_server.protocol.schema import fold

__all__ = [
    "DDL",
    "SCHEMA_VERSION",
    "STATEMENT_CACHE",
    "Deadline",
    "connect",
    "sql_fold",
    "time_budget",
]

SCHEMA_VERSION = 1
STATEMENT_CACHE = 128
"""Compiled statements kept per connection: the fixed statements (about 60) and the filter
shapes in use. A filter's statement is sized by the filter budget (``MAX_TERMS``), so the
cache is bounded in bytes too (about 30 MiB for 128 filters at the budget)."""
_PROGRESS_STEPS = 20_000
"""SQLite virtual-machine steps between two looks at the clock during a budgeted query."""

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS apps (
    name     TEXT PRIMARY KEY,
    settings TEXT NOT NULL DEFAULT '{}',
    mapping  TEXT,
    created  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    hash    TEXT PRIMARY KEY,          -- sha256 of the token; the token itself is never stored
    app     TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
    label   TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_app ON tokens(app);
CREATE TABLE IF NOT EXISTS resources (
    seq         INTEGER PRIMARY KEY,   -- insertion order: the stable default order of lists
    app         TEXT NOT NULL,
    rtype       TEXT NOT NULL,         -- 'User' | 'Group'
    id          TEXT NOT NULL,
    name_key    TEXT NOT NULL,         -- fold(userName) for Users, fold(displayName) for Groups
    external_id TEXT,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,         -- canonical JSON of the resource, no writeOnly attributes
    secret      TEXT,                  -- password hash (writeOnly, returned never)
    directory   TEXT                   -- the platform's own record (JSON), from the app's mapping
);
CREATE UNIQUE INDEX IF NOT EXISTS resources_id ON resources(app, id);
CREATE UNIQUE INDEX IF NOT EXISTS resources_name ON resources(app, rtype, name_key);
CREATE INDEX IF NOT EXISTS resources_external ON resources(app, rtype, external_id);
-- (app, rtype) then rowid: lists walk this index in creation order, and OFFSET skips index
-- entries instead of whole rows.
CREATE INDEX IF NOT EXISTS resources_list ON resources(app, rtype);
CREATE TABLE IF NOT EXISTS resource_emails (
    seq       INTEGER NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
    app       TEXT NOT NULL,
    value_key TEXT NOT NULL,           -- fold(emails[].value)
    type_key  TEXT                     -- fold(emails[].type)
);
CREATE INDEX IF NOT EXISTS resource_emails_value ON resource_emails(app, value_key);
CREATE INDEX IF NOT EXISTS resource_emails_seq ON resource_emails(seq);
CREATE TABLE IF NOT EXISTS group_members (
    group_seq INTEGER NOT NULL REFERENCES resources(seq) ON DELETE CASCADE,
    app       TEXT NOT NULL,
    member_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS group_members_member ON group_members(app, member_id);
CREATE INDEX IF NOT EXISTS group_members_group ON group_members(group_seq, member_id);
CREATE TABLE IF NOT EXISTS requests (
    seq      INTEGER PRIMARY KEY,
    app      TEXT NOT NULL,
    at       TEXT NOT NULL,
    method   TEXT NOT NULL,
    path     TEXT NOT NULL,
    query    TEXT NOT NULL,
    record   TEXT NOT NULL,            -- JSON: headers (secrets masked), bodies, status, findings
    findings TEXT NOT NULL DEFAULT ''  -- space-separated finding ids, for filtering
);
CREATE INDEX IF NOT EXISTS requests_app ON requests(app, seq);
"""


def sql_fold(value: Any) -> Any:
    """SQL ``scim_fold(x)``: the same folding as :func:`reference_server.protocol.schema.fold`."""
    return fold(value) if isinstance(value, str) else value


def connect(database: str) -> sqlite3.Connection:
    """Open (and create) the database with the pragmas and functions the server relies on.

    WAL lets readers run beside the writer; ``synchronous=NORMAL`` in WAL keeps the database
    consistent after a crash but may lose the last transactions on a power loss.
    """
    conn = sqlite3.connect(
        database, isolation_level=None, check_same_thread=False, cached_statements=STATEMENT_CACHE
    )
    conn.execute("PRAGMA foreign_keys = ON")
    if database != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.create_function("scim_fold", 1, sql_fold, deterministic=True)
    conn.executescript(DDL)
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )
    _plant_statistics(conn)
    return conn


# Planner statistics shaped like a large tenant: without them SQLite may reach resources
# through the (app, rtype) prefix of an index and walk the whole app, instead of fetching
# the few rows an email lookup names by rowid. Written once, so plans do not depend on
# whether anybody ran ANALYZE.
_STATISTICS = (
    ("resources", "resources_name", "100000 50000 25000 1"),
    ("resources", "resources_external", "100000 50000 25000 1"),
    ("resources", "resources_id", "100000 2 1"),
    ("resources", "resources_list", "100000 50000 25000"),
    ("resource_emails", "resource_emails_value", "120000 60000 1"),
    ("resource_emails", "resource_emails_seq", "120000 2"),
    ("group_members", "group_members_member", "1000000 500000 5"),
    ("group_members", "group_members_group", "1000000 1000 1"),
    ("requests", "requests_app", "100000 50000 1"),
    ("tokens", "tokens_app", "100 2"),
)


def _plant_statistics(conn: sqlite3.Connection) -> None:
    conn.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1 when missing
    if conn.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0]:
        return
    conn.executemany("INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?, ?, ?)", _STATISTICS)
    conn.execute("ANALYZE sqlite_schema")  # reload the statistics into the planner


class Deadline:
    """A point in time (monotonic clock) that a query must finish by."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def passed(self) -> bool:
        return time.monotonic() > self.at

    def check(self) -> None:
        """503 with Retry-After once the deadline has passed (Python-side work)."""
        if self.passed():
            raise over_budget(self.seconds)


def over_budget(seconds: float) -> ServiceUnavailable:
    msg = (
        f"the query did not finish within the server's time budget of {seconds:g} s; "
        "narrow the filter (an indexed eq on userName, externalId, id or emails is fast) "
        "or ask for smaller pages"
    )
    return ServiceUnavailable(msg, retry_after=max(1, round(seconds)))


@contextmanager
def time_budget(conn: sqlite3.Connection, seconds: float | None) -> Iterator[Deadline | None]:
    """Abort SQLite statements still running ``seconds`` from now: 503 + Retry-After.

    Handlers run on the event loop, so one long scan would stall every other request of the
    process; SQLite's progress handler looks at the clock every ``_PROGRESS_STEPS`` steps
    and interrupts the statement past the deadline.
    """
    if seconds is None:
        yield None
        return
    deadline = Deadline(seconds)
    conn.set_progress_handler(deadline.passed, _PROGRESS_STEPS)
    try:
        yield deadline
    except sqlite3.OperationalError as exc:
        if deadline.passed() and "interrupt" in str(exc):
            raise over_budget(seconds) from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
