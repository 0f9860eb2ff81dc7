"""The pytest plugin: every conformance check is a pytest item named by its id.

Loaded through the ``pytest11`` entry point ``scim_harness``. Usage::

    pytest --pyargs scim_harness.conformance --scim-base-url https://scim.example/v2 --scim-token T
    pytest --pyargs scim_harness.conformance ... -m must            # only the MUST checks
    pytest --pyargs scim_harness.conformance ... -m scim_filter     # one area
    pytest --pyargs scim_harness.conformance --scim-traffic requests.jsonl   # a client's traffic

``conformance/test_conformance.py`` holds a :class:`ScimChecks` marker object; this plugin
turns it into one :class:`CheckItem` per check. The suites run once per session, lazily, when
the first item runs, and only for the items left after ``-m``/``-k`` selection; each item
then reports its own verdict: failed with the message, the fix and the evidence; skipped with
the reason when the check was skipped or not exercised. When the client's traffic holds nothing
to judge (no create, too few requests), every client item that did not fail is an *error*
saying what was missing, never a pass (``--scim-allow-empty`` turns that off).

Without ``--scim-base-url`` (server) and without traffic (client) the plugin is inert: the
project's own test runs are untouched, and the check items skip saying which option is missing.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from scim_harness.conformance.attribution import harness_user_agent
from scim_harness.conformance.model import FAIL_ON_CHOICES, Check, Level, Outcome, Report, Result
from scim_harness.conformance.profiles import INTEROP, PROFILE_CHOICES
from scim_harness.conformance.report.common import result_text

__all__ = [
    "CheckItem",
    "PluginSettings",
    "ScimChecks",
    "VerdictRepr",
    "area_marker",
    "pytest_addoption",
    "pytest_configure",
    "pytest_pycollect_makeitem",
    "pytest_report_header",
    "pytest_sessionfinish",
]

PROFILES = PROFILE_CHOICES
TARGET_CHOICES = ("auto", "rfc", "platform")
"""The suite's ``target`` values (server.target.TARGET_CHOICES; kept light to import here)."""
LEVEL_MARKERS = {
    "must": "SCIM conformance checks of MUST rules (RFC 2119 MUST, and every platform rule)",
    "should": "SCIM conformance checks of SHOULD rules",
    "may": "SCIM conformance checks of MAY rules",
}
SIDE_MARKERS = {
    "scim_server": "SCIM conformance checks of a server (need --scim-base-url, --scim-token)",
    "scim_client": "SCIM conformance checks of a client's recorded traffic",
}


class ScimChecks:
    """Placed in a test module, it is collected as one item per registered check."""

    def __init__(self, side: str | None = None) -> None:
        self.side = side


def area_marker(area: str) -> str:
    """The marker of an area: ``filter`` -> ``scim_filter``."""
    return "scim_" + re.sub(r"[^a-z0-9]+", "_", area.lower()).strip("_")


@dataclass(frozen=True)
class PluginSettings:
    """The ``--scim-*`` options."""

    base_url: str | None = None
    token: str | None = None
    profile: str = "rfc"
    seed: int = 0
    keep: bool = False
    deactivation: str | None = None
    target: str = "auto"
    fail_on: Level = Level.MUST
    admin_url: str | None = None
    admin_token: str | None = None
    app: str | None = None
    traffic: Path | None = None
    allow_empty: bool = False

    @classmethod
    def from_config(cls, config: pytest.Config) -> PluginSettings:
        def opt(name: str) -> Any:
            return config.getoption(name, default=None)

        return cls(
            base_url=(opt("scim_base_url") or "").rstrip("/") or None,
            token=opt("scim_token") or os.environ.get("SCIM_TOKEN") or None,
            profile=opt("scim_profile") or "rfc",
            seed=int(opt("scim_seed") or 0),
            keep=bool(opt("scim_keep")),
            deactivation=opt("scim_deactivation"),
            target=opt("scim_target") or "auto",
            fail_on=Level.parse(opt("scim_fail_on") or "must"),
            admin_url=(opt("scim_admin_url") or "").rstrip("/") or None,
            admin_token=opt("scim_admin_token") or os.environ.get("SCIM_ADMIN_TOKEN") or None,
            app=opt("scim_app"),
            traffic=opt("scim_traffic"),
            allow_empty=bool(opt("scim_allow_empty")),
        )

    @property
    def has_admin(self) -> bool:
        return bool(self.admin_url and self.admin_token and self.app)

    def missing(self, side: str) -> str | None:
        """Why ``side`` cannot run (None when it can)."""
        if side == "server":
            if not self.base_url:
                return "no --scim-base-url given"
            if not self.token:
                return "no --scim-token given (nor SCIM_TOKEN)"
            return None
        if self.traffic is None and not self.has_admin:
            return "no --scim-traffic FILE nor --scim-admin-url/--scim-admin-token/--scim-app given"
        return None

    @property
    def active(self) -> bool:
        """Any ``--scim-*`` target given: the plugin speaks up (header, area markers)."""
        return bool(self.base_url or self.traffic or self.admin_url)


_SETTINGS = pytest.StashKey[PluginSettings]()
_RUN = pytest.StashKey["SessionRun"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scim-harness", "SCIM conformance checks (scim-harness)")
    group.addoption("--scim-base-url", metavar="URL", help="SCIM base URL of the server to check")
    group.addoption("--scim-token", metavar="TOKEN", help="its bearer token (or $SCIM_TOKEN)")
    group.addoption(
        "--scim-profile", choices=PROFILES, default="rfc", help="client to imitate (rfc)"
    )
    group.addoption("--scim-seed", type=int, default=0, help="seed of the test data (0)")
    group.addoption("--scim-keep", action="store_true", help="leave the test data in place")
    group.addoption(
        "--scim-deactivation",
        choices=("delete", "keep"),
        help="what the server does with a deactivated user (default: either, reported)",
    )
    group.addoption(
        "--scim-target",
        choices=TARGET_CHOICES,
        default="auto",
        help="rfc, platform, or auto (default: platform rules only for the platform)",
    )
    group.addoption(
        "--scim-fail-on",
        type=str.lower,
        choices=FAIL_ON_CHOICES,
        default="must",
        help="lowest level whose failure fails its item (must); lower ones report as xfail",
    )
    group.addoption("--scim-admin-url", metavar="URL", help="reference server: its /admin URL")
    group.addoption(
        "--scim-admin-token", metavar="TOKEN", help="reference server: admin token (or env)"
    )
    group.addoption("--scim-app", metavar="NAME", help="reference server: the app to use")
    group.addoption(
        "--scim-traffic",
        type=Path,
        metavar="FILE",
        help="client checks on a requests.jsonl (or a .har capture)",
    )
    group.addoption(
        "--scim-allow-empty",
        action="store_true",
        help="client traffic with nothing to judge: skip the client items instead of erroring",
    )
    group.addoption("--scim-html", type=Path, metavar="FILE", help="write the HTML report here")
    group.addoption("--scim-json", type=Path, metavar="FILE", help="write the JSON report here")


def _register_areas(config: pytest.Config, checks: list[Check]) -> None:
    known = {line.split(":")[0].strip() for line in config.getini("markers")}
    for area in sorted({c.area for c in checks}):
        marker = area_marker(area)
        if marker not in known:
            config.addinivalue_line(
                "markers", f"{marker}: SCIM conformance checks of the {area} area"
            )


def pytest_configure(config: pytest.Config) -> None:
    for name, text in {**LEVEL_MARKERS, **SIDE_MARKERS}.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    settings = PluginSettings.from_config(config)
    config.stash[_SETTINGS] = settings
    config.stash[_RUN] = SessionRun(settings)
    if settings.active:
        from scim_harness.conformance.checks import catalogue

        _register_areas(config, catalogue())


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash.get(_SETTINGS, None)
    if settings is None or not settings.active:
        return []
    lines = []
    if settings.missing("server") is None:
        admin = f", admin app {settings.app}" if settings.has_admin else ""
        target = "" if settings.target == "auto" else f", target {settings.target}"
        fail_on = "" if settings.fail_on is Level.MUST else ", fail on should"
        lines.append(
            f"scim-harness server: {settings.base_url} (profile {settings.profile}, "
            f"seed {settings.seed}{admin}{target}{fail_on})"
        )
    if settings.missing("client") is None:
        source = settings.traffic or f"{settings.admin_url} app {settings.app}"
        lines.append(f"scim-harness client: traffic of {source}")
    return lines


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the HTML/JSON reports of the suites that ran (when asked to)."""
    run = session.config.stash.get(_RUN, None)
    html = session.config.getoption("scim_html", default=None)
    json_path = session.config.getoption("scim_json", default=None)
    if run is None or not run.reports or not (html or json_path):
        return
    from scim_harness.conformance.report.files import ReportFiles, write_reports

    write_reports(run.reports, ReportFiles(json=json_path, html=html))


def pytest_pycollect_makeitem(
    collector: pytest.Collector, name: str, obj: object
) -> list[CheckItem] | None:
    if not isinstance(obj, ScimChecks):
        return None
    from scim_harness.conformance.checks import catalogue

    checks = catalogue(obj.side)
    _register_areas(collector.config, checks)
    return [CheckItem.from_parent(collector, name=check.id, check=check) for check in checks]


class CheckFailure(Exception):
    """A check's verdict was FAILED or ERROR."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass(frozen=True)
class _Crash:
    """What pytest's summary line and JUnit ``message`` show: one line."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class VerdictRepr:
    """A failed verdict as pytest shows it: rule, why, fix and evidence; one-line summary."""

    def __init__(self, result: Result) -> None:
        word = "ERROR" if result.outcome is Outcome.ERROR else "FAILED"
        self.text = f"{word} {result_text(result, max_exchanges=5)}"
        first = (result.message or result.check.claim).strip().splitlines() or [""]
        self.reprcrash = _Crash(result.check.id, f"[{result.check.level}] {first[0][:300]}")

    def toterminal(self, tw: Any) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


class CheckItem(pytest.Item):
    """One conformance check as a pytest item."""

    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        for marker in (check.level.lower(), f"scim_{check.side}", area_marker(check.area)):
            self.add_marker(marker)

    def setup(self) -> None:
        """Run the suites (once); a client item without evidence to judge errors here."""
        run = self.config.stash[_RUN]
        result = run.result_for(self)
        reason = run.nothing_to_judge.get(self.check.side)
        if reason and result.outcome not in (Outcome.FAILED, Outcome.ERROR):
            pytest.fail(f"{self.check.id}: {reason}", pytrace=False)

    def runtest(self) -> None:
        run = self.config.stash[_RUN]
        result = run.result_for(self)
        if result.blocks(run.settings.fail_on):
            raise CheckFailure(result)
        if result.outcome.is_failure:
            # Below --scim-fail-on: shown (xfailed, with the reason) without failing the run.
            first = (result.message or result.check.claim).splitlines()[0][:300]
            level = run.settings.fail_on.lower()
            pytest.xfail(f"{self.check.id} [{self.check.level}] {first} (--scim-fail-on {level})")
        if result.outcome is Outcome.SKIPPED:
            pytest.skip(f"{self.check.id}: {result.message or 'skipped'}")
        if result.outcome is Outcome.NOT_EXERCISED:
            pytest.skip(f"{self.check.id}: not exercised: {result.message or 'no evidence'}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailure):
            return VerdictRepr(excinfo.value.result)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        check = self.check
        return self.path, None, f"{check.id} [{check.level}] {check.reference}: {check.claim}"


@dataclass
class SessionRun:
    """Runs the suites once per session, for the selected items, and keeps the verdicts."""

    settings: PluginSettings
    results: dict[str, Result] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)
    done: bool = False
    nothing_to_judge: dict[str, str] = field(default_factory=dict)
    """Side -> why its run had nothing to judge (when it blocks the run)."""

    def result_for(self, item: CheckItem) -> Result:
        reason = self.settings.missing(item.check.side)
        if reason is not None:
            pytest.skip(f"scim-harness: {reason}")
        if not self.done:
            self.done = True
            chosen = [i.check for i in item.session.items if isinstance(i, CheckItem)]
            asyncio.run(self._run({c.id for c in chosen}, {c.side for c in chosen}))
        try:
            return self.results[item.check.id]
        except KeyError:
            pytest.fail(f"{item.check.id}: the suite returned no verdict", pytrace=False)

    async def _run(self, selected: set[str], sides: set[str]) -> None:
        import httpx
        from scim_harness.conformance.commands.reach import TargetUnavailable

        try:
            agent = {"User-Agent": harness_user_agent("pytest")}
            async with httpx.AsyncClient(timeout=30, headers=agent) as http:
                # Client traffic first, so the server suite's own requests are never judged.
                if "client" in sides and self.settings.missing("client") is None:
                    self.reports.append(await self._client(http, selected))
                if "server" in sides and self.settings.missing("server") is None:
                    self.reports.append(await self._server(http, selected))
        except (TargetUnavailable, ValueError, OSError) as exc:
            pytest.exit(f"scim-harness: {exc}", returncode=2)
        for report in self.reports:
            self.results.update({r.check.id: r for r in report.results})
            if report.nothing_to_judge and not report.allow_empty:
                self.nothing_to_judge[report.side] = report.nothing_to_judge

    async def _client(self, http: Any, selected: set[str]) -> Report:
        from scim_harness.conformance.client.suite import run_client_suite
        from scim_harness.conformance.commands.reach import fetch_client_traffic
        from scim_harness.conformance.traffic.har import load_traffic_har
        from scim_harness.conformance.traffic.recording import load_traffic_jsonl

        s = self.settings
        if s.traffic is not None:
            har = s.traffic.suffix.lower() == ".har"
            traffic = (load_traffic_har if har else load_traffic_jsonl)(s.traffic)
            target = str(s.traffic)
        elif s.admin_url and s.admin_token and s.app:
            traffic = await fetch_client_traffic(http, s.admin_url, s.admin_token, s.app)
            target = f"{s.admin_url} app {s.app}"
        else:
            msg = "no client traffic to judge"
            raise ValueError(msg)
        profile = s.profile if s.profile == INTEROP else "rfc"
        report = run_client_suite(
            traffic,
            select=lambda c: c.id in selected,
            target=target,
            allow_empty=s.allow_empty,
            profile=profile,
        )
        report.fail_on = s.fail_on
        return report

    async def _server(self, http: Any, selected: set[str]) -> Report:
        from scim_harness.conformance.commands.reach import preflight_admin, preflight_server
        from scim_harness.conformance.server.context import AdminAccess
        from scim_harness.conformance.server.suite import run_server_suite

        s = self.settings
        if not (s.base_url and s.token):
            msg = "no server to check"
            raise ValueError(msg)
        admin = None
        if s.admin_url and s.admin_token and s.app:
            admin = AdminAccess(s.admin_url, s.admin_token, s.app)
            await preflight_admin(http, admin, flags="scim-")
        await preflight_server(http, s.base_url, s.token, flags="scim-", via="pytest")
        return await run_server_suite(
            http,
            s.base_url,
            s.token,
            profile=s.profile,
            seed=s.seed,
            keep=s.keep,
            select=lambda c: c.id in selected,
            admin=admin,
            deactivation=s.deactivation,
            via="pytest",
            target=s.target,
            fail_on=s.fail_on,
        )
