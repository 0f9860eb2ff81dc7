"""The suites as the web console runs them: the ``scim_harness.console`` entry point.

The reference server's console defines what it needs (``ConformanceRunner`` in
``reference_server.console.runner``) and never imports the suites; this module, in the
package that already joins every part, implements it with the conformance package and is
found through the entry point declared in ``pyproject.toml``.
"""

from __future__ import annotations

from typing import Any

import httpx

from scim_harness.conformance.checks import catalogue
from scim_harness.conformance.checks.client.support import FINDING_CHECKS
from scim_harness.conformance.model import Outcome, Report
from scim_harness.conformance.report.common import summary_line
from scim_harness.conformance.report.html import render_html
from scim_harness.reference_server.console.runner import AdminGrant, CheckInfo, SuiteRun

__all__ = ["ConformanceSuites", "suite_run"]


def suite_run(report: Report) -> SuiteRun:
    """A report as the console shows it: verdict, counts, the failed checks, the HTML."""
    problems = [
        {
            "id": r.check.id,
            "level": str(r.check.level),
            "claim": r.check.claim,
            "message": r.message,
            "outcome": str(r.outcome),
        }
        for r in report.results
        if r.outcome in (Outcome.FAILED, Outcome.ERROR)
    ]
    return SuiteRun(
        side=report.side,
        passed=report.exit_code == 0,
        summary=summary_line(report),
        counts=report.counts(),
        problems=problems,
        html=render_html([report]),
    )


class ConformanceSuites:
    """:class:`~scim_harness.reference_server.console.runner.ConformanceRunner`, for real."""

    def checks(self) -> list[CheckInfo]:
        return [
            CheckInfo(c.id, c.side, str(c.level), c.reference, c.claim, c.fix) for c in catalogue()
        ]

    def finding_checks(self) -> dict[str, str]:
        return dict(FINDING_CHECKS)

    def run_client(self, records: list[dict[str, Any]], target: str) -> SuiteRun:
        from scim_harness.conformance.client.suite import run_client_suite
        from scim_harness.conformance.traffic.recording import Traffic

        return suite_run(run_client_suite(Traffic(records, source=target), target=target))

    async def run_server(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        *,
        admin: AdminGrant | None,
        deactivation: str | None,
    ) -> SuiteRun:
        from scim_harness.conformance.server.context import AdminAccess
        from scim_harness.conformance.server.suite import run_server_suite

        access = (
            None if admin is None else AdminAccess(admin.admin_url, admin.admin_token, admin.app)
        )
        report = await run_server_suite(
            http, base_url, token, admin=access, deactivation=deactivation, via="web console"
        )
        return suite_run(report)
