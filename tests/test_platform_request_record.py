"""The request record's retention holds per app, however apps' requests interleave."""

from __future__ import annotations

from scim_harness.reference_server.store.sqlite import SqliteStore


def _count(store: SqliteStore, app: str) -> int:
    row = store.execute("SELECT count(*) FROM requests WHERE app = ?", (app,)).fetchone()
    return int(row[0])


def _record(store: SqliteStore, app: str, n: int, retention: int) -> None:
    at = f"2026-01-01T00:00:{n % 60:02d}.000000Z"
    store.record_request(app, at, "GET", "/Users", f"n={n}", {"n": n}, [], retention)


def test_interleaved_apps_each_stay_bounded() -> None:
    """Two apps writing in turn each keep at most retention + one trimming batch."""
    store = SqliteStore(":memory:")
    try:
        for n in range(1000):
            _record(store, "even", n, 100)
            _record(store, "odd", n, 100)
        assert _count(store, "even") < 100 + 64
        assert _count(store, "odd") < 100 + 64
    finally:
        store.close()


def test_reading_applies_retention_exactly_and_keeps_the_newest() -> None:
    """A read with the app's retention drops the oldest entries first."""
    store = SqliteStore(":memory:")
    try:
        for n in range(150):
            _record(store, "demo", n, 100)
        kept = store.requests("demo", limit=1000, retention=100)
        assert [e["n"] for e in kept] == list(range(50, 150))
    finally:
        store.close()


def test_small_retention_is_exact_on_every_write() -> None:
    """Below 64 the record is trimmed on every write."""
    store = SqliteStore(":memory:")
    try:
        for n in range(10):
            _record(store, "demo", n, 4)
        assert _count(store, "demo") == 4
    finally:
        store.close()
