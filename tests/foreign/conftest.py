"""Fixtures of the foreign-server corpus: a throwaway PostgreSQL, and each server started.

The tests that start servers are marked ``foreign``: the default run deselects them (``-m "not
foreign"`` in tox's py3 environment) and ``tox -e foreign`` runs them with the servers installed;
the tests of the comparison itself (``test_foreign_verdicts.py``) run everywhere.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from foreign_ports import unavailable
from foreign_postgres import PostgresCluster, PostgresUnavailable, start_postgres
from foreign_servers import ForeignServer, RunningServer, ServerUnavailable, start_server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "foreign: starts a real third-party SCIM server (run with `tox -e foreign`)"
    )


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of our own on a free port of 127.0.0.1, deleted after the session."""
    try:
        cluster = start_postgres()
    except PostgresUnavailable as exc:
        unavailable(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def foreign_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """The server named by the test's parameter, started in ``tmp_path`` and stopped after."""
    spec: ForeignServer = request.param
    extra_env: dict[str, str] = {}
    if spec.database == "postgres":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        extra_env = cluster.env()
    try:
        running = start_server(spec, tmp_path, secrets.token_urlsafe(24), extra_env)
    except ServerUnavailable as exc:
        unavailable(str(exc))
    try:
        yield running
    finally:
        running.process.stop()
