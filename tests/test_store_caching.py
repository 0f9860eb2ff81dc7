"""The store's caches and buffers never show stale data: across processes, and on reads."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scim_harness.reference_server.http import auth
from scim_harness.reference_server.serve import bootstrap
from scim_harness.reference_server.store.sqlite import RECORD_DELAY, SqliteStore


def test_a_token_revoked_by_another_process_stops_working(tmp_path: Path) -> None:
    """Two connections on one file (two workers): a revocation by one reaches the other's cache."""
    db = str(tmp_path / "shared.db")
    first, second = SqliteStore(db), SqliteStore(db)
    boot = bootstrap(first, "demo")
    assert auth.app_for_token(second, boot.token) == "demo"  # cached in the second worker
    assert second.get_app("demo") is second.get_app("demo")  # and the app row too
    first.revoke_tokens("demo")
    assert auth.app_for_token(second, boot.token) is None
    first.update_app("demo", settings={"lenient": False})
    row = second.get_app("demo")
    assert row is not None and row.settings == {"lenient": False}
    first.close()
    second.close()


def test_an_unknown_token_becomes_valid_once_issued_elsewhere(tmp_path: Path) -> None:
    """A token cached as unknown is accepted after another process issues it."""
    db = str(tmp_path / "shared.db")
    first, second = SqliteStore(db), SqliteStore(db)
    bootstrap(first, "demo")
    assert auth.app_for_token(second, "scimh_later") is None
    auth.issue_token(first, "demo", "later", "2026-01-01T00:00:00Z", "scimh_later")
    assert auth.app_for_token(second, "scimh_later") == "demo"
    first.close()
    second.close()


def test_buffered_records_are_written_before_any_read(store: SqliteStore) -> None:
    """A record waiting in the buffer is visible to the next read of the record."""
    bootstrap(store, "demo")

    async def record_one() -> None:
        store.record_request("demo", "2026-01-01T00:00:00Z", "GET", "/x", "", {}, [], 100)

    asyncio.run(record_one())
    assert store.execute("SELECT count(*) FROM requests").fetchone()[0] == 0  # still buffered
    assert [r["seq"] for r in store.requests("demo")] == [1]


def test_a_lone_buffered_record_is_written_by_the_timer(store: SqliteStore) -> None:
    """Without any read, the record reaches the database within RECORD_DELAY."""
    bootstrap(store, "demo")

    async def record_and_wait() -> None:
        store.record_request("demo", "2026-01-01T00:00:00Z", "GET", "/x", "", {}, [], 100)
        await asyncio.sleep(RECORD_DELAY * 3)

    asyncio.run(record_and_wait())
    assert store.execute("SELECT count(*) FROM requests").fetchone()[0] == 1


def test_records_on_close_are_not_lost(tmp_path: Path) -> None:
    """Closing the store writes what is buffered."""
    db = str(tmp_path / "close.db")
    store = SqliteStore(db)
    bootstrap(store, "demo")

    async def record_one() -> None:
        store.record_request("demo", "2026-01-01T00:00:00Z", "GET", "/x", "", {}, [], 100)

    asyncio.run(record_one())
    store.close()
    reopened = SqliteStore(db)
    assert len(reopened.requests("demo")) == 1
    reopened.close()
