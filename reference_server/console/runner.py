"""The conformance hook: how the console runs the suites without importing them.

The reference server is what the suites judge, so it never imports them (the layout test
keeps that rule). The console only defines the interface it needs, :class:`ConformanceRunner`,
and finds an implementation through the entry point ``scim_harness.console`` /
``conformance``; the umbrella package provides it (:mod:`scim_harness.console_suites`), next
to the ``scim-harness`` command that already joins every part. ``create_app`` takes a runner
explicitly too (tests pass their own); without either, the console shows no Conformance runs
and its findings link to no check, and everything else works.

An entry point rather than an argument handed down from the command line because every way
the server starts needs it: ``serve``, each worker process of ``serve --workers N`` (which
imports the ASGI module by name), the demo and the tests. In process rather than as a
``python -m scim_harness check`` subprocess because the server suite then reaches the app
through ``httpx.ASGITransport`` (no port, no proxy, no token on a command line), the client
suite reads the records the console already holds, and the finding -> check map comes from
the same code that judges.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol

import httpx

__all__ = [
    "ENTRY_POINT",
    "AdminGrant",
    "CheckInfo",
    "ConformanceRunner",
    "SuiteRun",
    "discover_runner",
]

ENTRY_POINT = ("scim_harness.console", "conformance")
"""(group, name) of the entry point that provides the runner."""

log = logging.getLogger("scim_harness.server")


@dataclass(frozen=True)
class CheckInfo:
    """One check of the catalogue, as the console shows it."""

    id: str
    side: str
    level: str
    reference: str
    claim: str
    fix: str


@dataclass(frozen=True)
class SuiteRun:
    """What one suite run produced: the verdict, its figures and the HTML report."""

    side: str
    passed: bool
    """The suite's exit status was 0: no MUST check failed, and there was something to judge."""
    summary: str
    """One line, e.g. ``OK - 34 checks: 31 passed, 0 failed, ...``."""
    counts: dict[str, int]
    problems: list[dict[str, str]] = field(default_factory=list)
    """The failed (or errored) checks: id, level, claim, message."""
    html: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "passed": self.passed,
            "summary": self.summary,
            "counts": self.counts,
            "problems": self.problems,
        }


@dataclass(frozen=True)
class AdminGrant:
    """Admin access for the server suite: the admin API's URL, the admin token, the app."""

    admin_url: str
    admin_token: str
    app: str


class ConformanceRunner(Protocol):
    """What the console asks of the suites."""

    def checks(self) -> list[CheckInfo]:
        """Every check of both suites."""
        ...

    def finding_checks(self) -> dict[str, str]:
        """Finding id -> the id of the client check a request with that finding breaks."""
        ...

    def run_client(self, records: list[dict[str, Any]], target: str) -> SuiteRun:
        """The client suite on an app's request records, oldest first (blocking: CPU only)."""
        ...

    async def run_server(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        *,
        admin: AdminGrant | None,
        deactivation: str | None,
    ) -> SuiteRun:
        """The server suite against ``base_url`` through ``http``."""
        ...


def discover_runner() -> ConformanceRunner | None:
    """The installed runner (the umbrella package's), or None when there is none."""
    group, name = ENTRY_POINT
    for point in entry_points(group=group, name=name):
        try:
            factory = point.load()
        except Exception:  # a broken plug-in must not stop the server from starting
            log.exception("cannot load the console's conformance runner %s", point.value)
            return None
        runner: ConformanceRunner = factory()
        return runner
    return None
