"""check server --profile <idp>|interop against the reference server and against scim2-server,
with every verdict that is not a pass explained here (an IdP replay that fails is a fact about
that IdP and that server; an interop failure is a requirement of the draft the server misses).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from scim2_peer import PEER_TOKEN, scim2_server_live
from scim_harness.conformance.checks import registered
from scim_harness.conformance.model import Outcome, Report
from scim_harness.conformance.profiles import IDP_PROFILES, PROFILE_CHOICES
from scim_harness.conformance.server.suite import run_server_suite
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.simulated_client.profiles.catalogue import PROFILES
from starlette.applications import Starlette
from support import LiveServer

from scim_harness.cli import main

BASE = "http://testserver/apps/demo/scim/v2"

# The reference server is an RFC 7643/7644 server modelled on the platform, not (yet) an
# interoperability-profile server: what the draft asks beyond the RFCs, it does not do.
REFERENCE_INTEROP = {
    "SRV-IOP-001": "it does not claim conformance: no interopProfileConformant (§4)",
    "SRV-IOP-009": "a PATCH on an undeclared attribute is 400 invalidPath (RFC 7644 §3.12), "
    "the draft wants invalidSyntax (§5.3)",
    "SRV-IOP-010": "RFC 7643's own schema declares no canonicalValues for entitlements.type, "
    "roles.type and x509Certificates.type (§5.4)",
    "SRV-IOP-014": "a filter on an undeclared attribute matches nothing (200), the draft "
    "wants 400 invalidFilter (§6.3)",
    "SRV-IOP-018": "path-less PATCH is valid RFC 7644 §3.5.2 and accepted; the draft forbids "
    "it (§6.5.1.1)",
    "SRV-IOP-020": "replace of a complex attribute merges its sub-attributes as RFC 7644 "
    "§3.5.2.3 says; the draft wants a full replacement (§6.5.2.1)",
    "SRV-IOP-025": "the tests serve it over plain HTTP on 127.0.0.1 (§7.1 wants TLS)",
}
REFERENCE_INTEROP_LENIENT = {
    **REFERENCE_INTEROP,
    "SRV-IOP-008": "lenient mode (the default) drops an undeclared attribute with a finding "
    "instead of refusing it (§5.3)",
}
REFERENCE_INTEROP_STRICT = {
    **REFERENCE_INTEROP,
    "SRV-IOP-008": "strict mode refuses an undeclared schema URI with invalidValue, the draft "
    "wants invalidSyntax (§5.3)",
}

# scim2-server 0.8 (installed by the bench extra), default configuration.
SCIM2_SERVER_VENDOR = {
    "entra": {
        "SRV-VND-005": "refuses Entra's group create: its /Schemas does not declare Microsoft's "
        "ADSCIM group URI (RFC 7643 §3 lets a server refuse an unknown schema): Entra's group "
        "provisioning would fail",
    },
    "entra-2020": {
        "SRV-VND-005": "the same ADSCIM group URI as entra, sent under the 2020 flag too",
    },
    "okta": {},
    "onelogin": {},
    "jumpcloud": {
        "SRV-VND-005": "refuses JumpCloud's member removal by value list (no filter): RFC 7644 "
        "§3.5.2.2 gives that request no meaning, so JumpCloud could not remove members",
    },
    "pingfederate": {},
}
SCIM2_SERVER_INTEROP = {
    "SRV-IOP-001": "it does not claim conformance (§4)",
    "SRV-IOP-009": "a PATCH on an undeclared attribute is 400 invalidPath, not invalidSyntax "
    "(§5.3)",
    "SRV-IOP-010": "its default schemas lack canonicalValues on entitlements/roles/"
    "x509Certificates type, as RFC 7643's do (§5.4)",
    "SRV-IOP-018": "it applies a path-less PATCH (valid RFC) the draft forbids (§6.5.1.1)",
    "SRV-IOP-020": "replace of name merges sub-attributes (RFC 7644 §3.5.2.3) (§6.5.2.1)",
    "SRV-IOP-025": "served over plain HTTP by the test (§7.1)",
}


@pytest.fixture
async def http(asgi_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app)) as client:
        yield client


@pytest.fixture(scope="module")
def scim2_server() -> Iterator[LiveServer]:
    with scim2_server_live() as live:
        yield live


def _failures(report: Report) -> dict[str, str]:
    return {
        r.check.id: r.message
        for r in report.results
        if r.outcome in (Outcome.FAILED, Outcome.ERROR)
    }


def _assert_verdicts(report: Report, expected: dict[str, str], area: str, profile: str) -> None:
    failed = _failures(report)
    assert set(failed) == set(expected), failed
    for result in report.results:
        if result.outcome is Outcome.SKIPPED:
            entry = next(e for e in registered("server") if e.check.id == result.check.id)
            assert entry.off_profile(profile) is not None, (result.check.id, result.message)
    ran = [r for r in report.results if r.outcome is not Outcome.SKIPPED]
    assert ran and all(r.check.area == area for r in ran)


@pytest.mark.parametrize("profile", IDP_PROFILES)
async def test_reference_server_passes_every_idp_replay(
    http: httpx.AsyncClient, boot: Bootstrap, profile: str
) -> None:
    """Each IdP's Test Connection and request shapes succeed on the reference server."""
    report = await run_server_suite(
        http, BASE, boot.token, profile=profile, select=lambda c: c.area == "vendor"
    )
    _assert_verdicts(report, {}, "vendor", profile)


@pytest.mark.parametrize(
    ("app_settings", "expected", "refusal"),
    [
        pytest.param({}, REFERENCE_INTEROP_LENIENT, "got 201", id="lenient"),
        pytest.param({"lenient": False}, REFERENCE_INTEROP_STRICT, "invalidValue", id="strict"),
    ],
)
async def test_reference_server_interop_verdicts(
    http: httpx.AsyncClient, boot: Bootstrap, expected: dict[str, str], refusal: str
) -> None:
    """The interop profile on the reference server: the listed, explained failures only."""
    report = await run_server_suite(
        http, BASE, boot.token, profile="interop", select=lambda c: c.area == "interop"
    )
    _assert_verdicts(report, expected, "interop", "interop")
    assert refusal in _failures(report)["SRV-IOP-008"]


@pytest.mark.parametrize("profile", IDP_PROFILES)
async def test_scim2_server_idp_verdicts(scim2_server: LiveServer, profile: str) -> None:
    """scim2-server through each IdP's eyes: the listed, explained failures only."""
    async with httpx.AsyncClient(timeout=30) as client:
        report = await run_server_suite(
            client,
            scim2_server.url,
            PEER_TOKEN,
            profile=profile,
            select=lambda c: c.area == "vendor",
        )
    _assert_verdicts(report, SCIM2_SERVER_VENDOR[profile], "vendor", profile)


async def test_scim2_server_interop_verdicts(scim2_server: LiveServer) -> None:
    """scim2-server by the interop profile: the listed, explained failures only."""
    async with httpx.AsyncClient(timeout=30) as client:
        report = await run_server_suite(
            client,
            scim2_server.url,
            PEER_TOKEN,
            profile="interop",
            select=lambda c: c.area == "interop",
        )
    _assert_verdicts(report, SCIM2_SERVER_INTEROP, "interop", "interop")


def test_rfc_runs_skip_the_interop_checks_saying_how_to_run_them(
    live_server: LiveServer, boot: Bootstrap, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --profile interop the SRV-IOP checks are skipped with the flag to use."""
    base = f"{live_server.url}/apps/demo/scim/v2"
    report = tmp_path / "r.json"
    argv = ["check", "server", "--base-url", base, f"--token={boot.token}"]
    assert main([*argv, "--select", "SRV-IOP-00[12]", "--json", str(report)]) == 0
    text = report.read_text(encoding="utf-8")
    assert "runs only with --profile interop (this run: rfc)" in text
    capsys.readouterr()


def test_check_server_takes_each_idp_profile(
    live_server: LiveServer, boot: Bootstrap, capsys: pytest.CaptureFixture[str]
) -> None:
    """check server --profile jumpcloud replays JumpCloud's Test Connection from the CLI."""
    base = f"{live_server.url}/apps/demo/scim/v2"
    argv = ["check", "server", "--base-url", base, f"--token={boot.token}"]
    assert main([*argv, "--profile", "jumpcloud", "--select", "SRV-VND-001"]) == 0
    assert "1 passed" in capsys.readouterr().out


def test_every_idp_profile_of_the_client_can_be_replayed() -> None:
    """check server --profile offers exactly the simulated client's IdP profiles, and interop."""
    assert set(IDP_PROFILES) == set(PROFILES) - {"rfc", "naive"}
    assert set(PROFILE_CHOICES) == {"rfc", *IDP_PROFILES, "interop"}
