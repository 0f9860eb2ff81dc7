"""The pytest plugin: one item per check, run against live servers with pytester in-process."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from asgi_rewrite import Rewriting
from scim_harness.conformance.checks import catalogue
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import get_profile
from scim_harness.simulated_client.scenarios.catalogue import run_scenario
from starlette.applications import Starlette
from subtle_faults import changes_password_unadvertised
from support import LiveServer
from surface_support import PLUGIN_ARGS, ignores_filters, says_application_json

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

# pytester forgets the modules imported after its fixture started; the check modules must be
# imported before that, or a later import would register every check a second time.
catalogue()


@pytest.fixture
def target(live_server: LiveServer, boot: Bootstrap) -> list[str]:
    """Plugin options pointing at the live reference server's 'demo' app."""
    return [
        "--scim-base-url",
        f"{live_server.url}/apps/demo/scim/v2",
        f"--scim-token={boot.token}",
    ]


@pytest.fixture
def json_server(asgi_app: Starlette, boot: Bootstrap) -> Iterator[str]:
    """A live server that labels its SCIM responses application/json; yields its base URL."""
    with LiveServer(says_application_json(asgi_app)) as live:  # type: ignore[arg-type]
        yield f"{live.url}/apps/demo/scim/v2"


@pytest.fixture
def filterless_server(asgi_app: Starlette, boot: Bootstrap) -> Iterator[str]:
    """A live server that ignores filters; yields its base URL."""
    with LiveServer(ignores_filters(asgi_app)) as live:  # type: ignore[arg-type]
        yield f"{live.url}/apps/demo/scim/v2"


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        *PLUGIN_ARGS, "--pyargs", "scim_harness.conformance", "-rfEs", *args
    )


def test_pyproject_declares_the_pytest11_entry_point() -> None:
    """pip install registers conformance.plugin as the pytest11 plugin scim_harness."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["entry-points"]["pytest11"] == {
        "scim_harness": "scim_harness.conformance.plugin"
    }


def test_without_a_base_url_the_items_skip_saying_why(pytester: pytest.Pytester) -> None:
    """With no --scim-base-url nothing is sent: the items skip naming the missing option."""
    result = run(pytester, "-k", "SRV-DSC-001")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*scim-harness: no --scim-base-url given*"])
    assert not any("scim-harness server:" in line for line in result.outlines)


def test_plugin_leaves_other_test_runs_alone(pytester: pytest.Pytester) -> None:
    """An ordinary test file runs as usual with the plugin loaded and no --scim options."""
    pytester.makepyfile(test_plain="def test_one():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_inprocess(*PLUGIN_ARGS)
    result.assert_outcomes(passed=1)
    assert not any(line.startswith("scim-harness") for line in result.outlines)


def test_markers_are_registered_with_descriptions(pytester: pytest.Pytester) -> None:
    """--markers lists the level, side and area markers (strict markers accept them)."""
    result = pytester.runpytest_inprocess(
        *PLUGIN_ARGS, "--markers", "--scim-base-url", "http://127.0.0.1:9"
    )
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.must: SCIM conformance checks of MUST rules*",
            "@pytest.mark.should: *",
            "@pytest.mark.scim_server: *",
            "@pytest.mark.scim_filter: SCIM conformance checks of the filter area",
        ]
    )


def test_level_and_area_markers_select_items(pytester: pytest.Pytester) -> None:
    """-m 'should and scim_server and scim_discovery' collects the SHOULD server discovery checks."""
    marks = "should and scim_server and scim_discovery"
    result = run(pytester, "--collect-only", "-q", "-m", marks)
    collected = sorted(line.rsplit("::", 1)[1] for line in result.outlines if "::" in line)
    assert collected == ["SRV-DSC-004", "SRV-DSC-006", "SRV-DSC-007"]


def test_report_header_shows_target_and_seed(pytester: pytest.Pytester, target: list[str]) -> None:
    """The session header names the server, the profile and the seed."""
    result = run(pytester, *target, "--scim-seed", "42", "--collect-only", "-k", "SRV-DSC-001")
    result.stdout.fnmatch_lines(
        ["scim-harness server: http://127.0.0.1:*/apps/demo/scim/v2 (profile rfc, seed 42)"]
    )


def test_checks_pass_against_the_reference_server(
    pytester: pytest.Pytester, target: list[str]
) -> None:
    """SRV-MED-001 and SRV-FLT-001 pass against the correct reference server."""
    result = run(pytester, *target, "-k", "SRV-MED-001 or SRV-FLT-001", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*::SRV-FLT-001 PASSED*", "*::SRV-MED-001 PASSED*"])


def test_reports_are_written_when_asked(
    pytester: pytest.Pytester, target: list[str], tmp_path: Path
) -> None:
    """--scim-html and --scim-json write the run's reports at the end of the session."""
    html, data = tmp_path / "scim.html", tmp_path / "scim.json"
    result = run(
        pytester, *target, "-k", "SRV-DSC-001", f"--scim-html={html}", f"--scim-json={data}"
    )
    result.assert_outcomes(passed=1)
    assert 'id="SRV-DSC-001"' in html.read_text(encoding="utf-8")
    assert [r["id"] for r in json.loads(data.read_text(encoding="utf-8"))["results"]] == [
        "SRV-DSC-001"
    ]


def test_application_json_server_fails_the_media_type_check(
    pytester: pytest.Pytester, json_server: str, boot: Bootstrap
) -> None:
    """Against a server answering application/json, SRV-MED-001 fails with its section."""
    args = ["--scim-base-url", json_server, f"--scim-token={boot.token}"]
    result = run(pytester, *args, "-k", "SRV-MED-001 or SRV-FLT-001")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FAILED SRV-MED-001 [[]MUST[]]*",
            "rule: RFC 7644 §3.1, §8.1",
            "fix: *",
            "> * -> 20*",
            "< content-type: application/json",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_server_ignoring_filters_fails_the_eq_check(
    pytester: pytest.Pytester, filterless_server: str, boot: Bootstrap
) -> None:
    """Against a server that ignores filters, SRV-FLT-001 fails and SRV-MED-001 still passes."""
    args = ["--scim-base-url", filterless_server, f"--scim-token={boot.token}"]
    result = run(pytester, *args, "-k", "SRV-MED-001 or SRV-FLT-001")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED SRV-FLT-001 [[]MUST[]]*", "rule: RFC 7644 §3.4.2.2"])
    summary = [line for line in result.outlines if line.startswith("FAILED test_conformance.py")]
    assert len(summary) == 1
    assert summary[0].startswith("FAILED test_conformance.py::SRV-FLT-001 - [MUST] ")


@pytest.fixture
def should_only_server(asgi_app: Starlette, boot: Bootstrap) -> Iterator[list[str]]:
    """Plugin options for a live server whose only fault is SHOULD-level (SRV-CAP-004)."""
    with LiveServer(Rewriting(asgi_app, changes_password_unadvertised)) as live:  # type: ignore[arg-type]
        yield ["--scim-base-url", f"{live.url}/apps/demo/scim/v2", f"--scim-token={boot.token}"]


def test_a_should_failure_is_an_xfail_under_the_default_fail_on(
    pytester: pytest.Pytester, should_only_server: list[str]
) -> None:
    """With --scim-fail-on must (default) a SHOULD failure is shown as xfailed: the run passes."""
    result = run(pytester, *should_only_server, "-k", "SRV-CAP-004 or SRV-MED-001", "-rx")
    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*SRV-CAP-004 [[]SHOULD[]] advertises changePassword*"])
    assert result.ret == pytest.ExitCode.OK


def test_scim_fail_on_should_fails_the_should_item(
    pytester: pytest.Pytester, should_only_server: list[str]
) -> None:
    """--scim-fail-on should turns the same verdict into a failed item and a failed session."""
    args = [*should_only_server, "--scim-fail-on", "should", "-k", "SRV-CAP-004"]
    result = run(pytester, *args)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*FAILED SRV-CAP-004 [[]SHOULD[]]*"])


def test_scim_target_rfc_skips_the_platform_items(
    pytester: pytest.Pytester, target: list[str]
) -> None:
    """--scim-target rfc: the platform checks skip, saying why; the header names the target."""
    result = run(pytester, *target, "--scim-target", "rfc", "-k", "SRV-PLT-002")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["scim-harness server: * target rfc)", "*platform rule, not applied*"]
    )


def test_unreachable_server_stops_the_session_with_exit_2(pytester: pytest.Pytester) -> None:
    """A closed port ends the run with one clear line and exit status 2."""
    result = run(pytester, "--scim-base-url", "http://127.0.0.1:9", "--scim-token", "t")
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*scim-harness: cannot reach http://127.0.0.1:9*"])


def test_wrong_token_stops_the_session_with_exit_2(
    pytester: pytest.Pytester, live_server: LiveServer
) -> None:
    """A refused token ends the run naming the problem."""
    url = f"{live_server.url}/apps/demo/scim/v2"
    result = run(pytester, "--scim-base-url", url, "--scim-token", "wrong")
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*refused the token (HTTP 401); check --scim-token*"])


@pytest.fixture
async def traffic_file(live_server: LiveServer, boot: Bootstrap, tmp_path: Path) -> Path:
    """The rfc client's provisioning traffic, exported as requests.jsonl."""
    base = f"{live_server.url}/apps/demo/scim/v2"
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=base, token=boot.token, record=False)
        await run_scenario("provision", client, get_profile("rfc"), generate_population(4, 1))
        export = await http.get(
            f"{live_server.url}/admin/apps/demo/requests.jsonl",
            headers={"Authorization": f"Bearer {boot.admin_token}"},
        )
    path = tmp_path / "traffic.jsonl"
    path.write_text(export.text, encoding="utf-8")
    return path


def with_string_booleans(source: Path, target: Path) -> Path:
    """A copy of the traffic whose first user create sends active as the string "True"."""
    lines = []
    changed = False
    for line in source.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        body = record.get("body")
        is_create = record["method"] == "POST" and record["path"].endswith("/Users")
        if not changed and is_create and isinstance(body, dict):
            body["active"] = "True"
            changed = True
        lines.append(json.dumps(record))
    assert changed
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_client_checks_pass_on_the_rfc_clients_traffic(
    pytester: pytest.Pytester, traffic_file: Path
) -> None:
    """With --scim-traffic, CLI-BOOL-001 and CLI-CRT-004 pass on the rfc client's requests."""
    result = run(pytester, "--scim-traffic", str(traffic_file), "-k", "CLI-BOOL-001 or CLI-CRT-004")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"scim-harness client: traffic of {traffic_file}"])


def test_string_booleans_fail_the_boolean_check(
    pytester: pytest.Pytester, traffic_file: Path, tmp_path: Path
) -> None:
    """A create sending active: "True" fails CLI-BOOL-001 with its RFC sections."""
    broken = with_string_booleans(traffic_file, tmp_path / "broken.jsonl")
    result = run(pytester, "--scim-traffic", str(broken), "-k", "CLI-BOOL-001 or CLI-CRT-004")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED CLI-BOOL-001 [[]MUST[]]*", "rule: RFC 7643 §2.3.2*"])


def test_server_items_skip_when_only_traffic_is_given(
    pytester: pytest.Pytester, traffic_file: Path
) -> None:
    """Server checks skip, naming --scim-base-url, when only client traffic is given."""
    result = run(pytester, "--scim-traffic", str(traffic_file), "-k", "SRV-DSC-001")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no --scim-base-url given*"])


def test_admin_options_run_the_platform_checks(
    pytester: pytest.Pytester, live_server: LiveServer, target: list[str], boot: Bootstrap
) -> None:
    """With the admin URL, token and app, SRV-PLT-007 reads and validates the directory record."""
    admin = [
        "--scim-admin-url",
        f"{live_server.url}/admin",
        f"--scim-admin-token={boot.admin_token}",
        "--scim-app",
        "demo",
    ]
    result = run(pytester, *target, *admin, "-k", "SRV-PLT-007", "-m", "scim_server")
    result.assert_outcomes(passed=1)


def test_client_traffic_with_nothing_to_judge_is_an_error(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """Two GETs in the traffic: the client items error saying what is missing, none passes;
    --scim-allow-empty turns them back into skips."""
    path = tmp_path / "probe.jsonl"
    headers = {"authorization": "Bearer ***"}
    probe = {"method": "GET", "path": "/apps/demo/scim/v2/Users", "status": 200, "headers": headers}
    path.write_text("\n".join(json.dumps({**probe, "seq": n}) for n in (1, 2)) + "\n")
    result = run(pytester, "--scim-traffic", str(path), "-k", "CLI-CRT-001 or CLI-TRN-003")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*CLI-CRT-001: nothing to judge: no create*"])
    allowed = run(pytester, "--scim-traffic", str(path), "--scim-allow-empty", "-k", "CLI-CRT-001")
    allowed.assert_outcomes(skipped=1)


def test_the_plugins_target_choices_are_the_suites() -> None:
    """--scim-target offers exactly the suite's targets (the plugin keeps its own copy)."""
    from scim_harness.conformance import plugin
    from scim_harness.conformance.server.target import TARGET_CHOICES

    assert plugin.TARGET_CHOICES == TARGET_CHOICES
