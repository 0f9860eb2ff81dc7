"""``scim-harness check server|client``: exit codes, one-line errors, and the report files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from asgi_rewrite import Rewriting
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import get_profile
from scim_harness.simulated_client.scenarios.catalogue import run_scenario
from starlette.applications import Starlette
from subtle_faults import changes_password_unadvertised
from support import LiveServer
from surface_support import says_application_json

from scim_harness.cli import build_parser, main

SELECTED = ["SRV-DSC-001", "SRV-MED-001", "SRV-FLT-00[12]"]


@pytest.fixture
def base_url(live_server: LiveServer) -> str:
    return f"{live_server.url}/apps/demo/scim/v2"


@pytest.fixture
def json_server(asgi_app: Starlette, boot: Bootstrap) -> Iterator[str]:
    """A live server that labels its SCIM responses application/json; yields its base URL."""
    with LiveServer(says_application_json(asgi_app)) as live:  # type: ignore[arg-type]
        yield f"{live.url}/apps/demo/scim/v2"


@pytest.fixture
async def pushed(base_url: str, boot: Bootstrap) -> None:
    """The rfc client has provisioned five users and two groups into the 'demo' app."""
    population = generate_population(5, 2, seed=3)
    async with httpx.AsyncClient() as http:
        client = ScimClient(http, base_url=base_url, token=boot.token, record=False)
        await run_scenario("provision", client, get_profile("rfc"), population)


def server_args(base_url: str, token: str, *extra: str) -> list[str]:
    # --token=VALUE: a generated token may start with "-", which argparse reads as an option.
    return ["check", "server", "--base-url", base_url, f"--token={token}", *extra]


def test_check_server_passes_and_writes_every_report(
    base_url: str, boot: Bootstrap, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against the reference server the selected checks pass, exit 0, three files written."""
    files = {"--json": "r.json", "--junit": "r.xml", "--html": "r.html"}
    flags = [part for flag, name in files.items() for part in (flag, str(tmp_path / name))]
    code = main(server_args(base_url, boot.token, "--select", *SELECTED, *flags))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "OK - 4 checks: 4 passed" in out
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in data["results"]) == [
        "SRV-DSC-001",
        "SRV-FLT-001",
        "SRV-FLT-002",
        "SRV-MED-001",
    ]
    assert ET.parse(tmp_path / "r.xml").getroot().attrib["tests"] == "4"
    assert "SRV-MED-001" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_check_server_exits_1_when_a_must_check_fails(
    json_server: str, boot: Bootstrap, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server answering application/json fails SRV-MED-001 (MUST): exit 1, fix shown."""
    code = main(server_args(json_server, boot.token, "--select", "SRV-MED-001"))
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out
    assert "MUST checks failed: SRV-MED-001" in out


def test_unreachable_server_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A closed port gives exit 2 and one line on stderr."""
    code = main(server_args("http://127.0.0.1:9/scim/v2", "t"))
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("scim-harness: error: cannot reach http://127.0.0.1:9/scim/v2")
    assert captured.err.count("\n") == 1
    assert captured.out == ""


def test_wrong_token_is_one_line_and_exit_2(
    base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token the server refuses gives exit 2 naming the status."""
    code = main(server_args(base_url, "not-the-token"))
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"scim-harness: error: {base_url} refused the token (HTTP 401); check --token "
        "and that --base-url names the app the token belongs to\n"
    )


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(["--select", "SRV-NOPE-*"], id="select-matches-nothing"),
        pytest.param(["--app", "demo"], id="admin-flags-incomplete"),
    ],
)
def test_bad_arguments_exit_2(
    base_url: str, boot: Bootstrap, extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A --select that matches no check, or half the admin flags, is refused before any run."""
    assert main(server_args(base_url, boot.token, *extra)) == 2
    assert capsys.readouterr().err.startswith("scim-harness: error: ")


def test_check_client_judges_the_apps_traffic(
    pushed: None,
    live_server: LiveServer,
    boot: Bootstrap,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The rfc client's traffic, read through the admin API, fails no MUST check."""
    report = tmp_path / "client.json"
    admin = f"{live_server.url}/admin"
    args = ["check", "client", "--admin-url", admin, f"--admin-token={boot.admin_token}"]
    code = main([*args, "--app", "demo", "--json", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["side"] == "client"
    assert data["counts"]["passed"] > 0
    assert data["target"] == f"{live_server.url} app demo"


def test_check_client_reads_a_jsonl_export(
    pushed: None,
    live_server: LiveServer,
    boot: Bootstrap,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same verdicts come from the requests.jsonl export given with --file."""
    export = httpx.get(
        f"{live_server.url}/admin/apps/demo/requests.jsonl",
        headers={"Authorization": f"Bearer {boot.admin_token}"},
    )
    assert export.status_code == 200
    traffic = tmp_path / "traffic.jsonl"
    traffic.write_text(export.text, encoding="utf-8")
    report = tmp_path / "client.json"
    code = main(["check", "client", "--file", str(traffic), "--json", str(report)])
    assert code == 0, capsys.readouterr().out
    assert json.loads(report.read_text(encoding="utf-8"))["target"] == str(traffic)


@pytest.mark.parametrize(
    ("token", "app", "message"),
    [
        pytest.param("wrong", "demo", "refused the admin token (HTTP 401)", id="bad-admin-token"),
        pytest.param(None, "nope", "no app 'nope'", id="unknown-app"),
    ],
)
def test_check_client_refusals_are_one_line_and_exit_2(
    live_server: LiveServer,
    boot: Bootstrap,
    token: str | None,
    app: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A refused admin token or an unknown app gives exit 2 and one line."""
    args = ["check", "client", "--admin-url", f"{live_server.url}/admin", "--app", app]
    code = main([*args, f"--admin-token={token or boot.admin_token}"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_the_old_server_flag_still_works_and_says_it_is_deprecated(
    pushed: None, live_server: LiveServer, boot: Bootstrap, capsys: pytest.CaptureFixture[str]
) -> None:
    """``check client --server ROOT`` (the old spelling) reads the same traffic, with a warning."""
    args = ["check", "client", "--server", live_server.url, "--app", "demo"]
    code = main([*args, f"--admin-token={boot.admin_token}", "--json", "-"])
    captured = capsys.readouterr()
    assert code == 0
    assert "--server is deprecated; use --admin-url" in captured.err
    assert json.loads(captured.out)["target"] == f"{live_server.url} app demo"


def test_check_client_missing_file_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A traffic file that does not exist is named in one line."""
    assert main(["check", "client", "--file", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("admin_token", "app", "message"),
    [
        pytest.param("wrong", "demo", "refused --admin-token (HTTP 401)", id="bad-admin-token"),
        pytest.param(None, "nope", "no app 'nope'", id="unknown-app"),
    ],
)
def test_check_server_admin_refusals_are_usage_errors_not_verdicts(
    base_url: str,
    live_server: LiveServer,
    boot: Bootstrap,
    admin_token: str | None,
    app: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A wrong --admin-token or --app is one line and exit 2, before any check runs."""
    admin = ["--admin-url", f"{live_server.url}/admin", "--app", app]
    code = main(
        server_args(
            base_url, boot.token, *admin, f"--admin-token={admin_token or boot.admin_token}"
        )
    )
    captured = capsys.readouterr()
    assert code == 2
    assert message in captured.err
    assert captured.err.count("\n") == 1
    assert "MUST" not in captured.out


def test_json_dash_writes_the_report_to_stdout_alone(
    base_url: str, boot: Bootstrap, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json - puts the JSON report on stdout and the console report on stderr; no file '-'."""
    code = main(server_args(base_url, boot.token, "--select", "SRV-DSC-001", "--json", "-"))
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out)["side"] == "server"
    assert "SRV-DSC-001" in captured.err
    assert not Path("-").exists()


@pytest.fixture
def should_only_server(asgi_app: Starlette, boot: Bootstrap) -> Iterator[str]:
    """A live server whose only fault is SHOULD-level: it hides that it takes passwords."""
    with LiveServer(Rewriting(asgi_app, changes_password_unadvertised)) as live:  # type: ignore[arg-type]
        yield f"{live.url}/apps/demo/scim/v2"


def test_a_should_failure_is_counted_but_exits_0_by_default(
    should_only_server: str, boot: Bootstrap, capsys: pytest.CaptureFixture[str]
) -> None:
    """SRV-CAP-004 (SHOULD) fails: the summary line counts it, the exit status stays 0."""
    code = main(server_args(should_only_server, boot.token, "--select", "SRV-CAP-004"))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "OK - 1 checks: 0 passed, 0 MUST failed, 1 SHOULD failed" in out


def test_fail_on_should_exits_1_on_a_should_failure(
    should_only_server: str, boot: Bootstrap, capsys: pytest.CaptureFixture[str]
) -> None:
    """--fail-on should: the same run exits 1 and names the SHOULD check."""
    args = server_args(should_only_server, boot.token, "--select", "SRV-CAP-004")
    code = main([*args, "--fail-on", "should"])
    out = capsys.readouterr().out
    assert code == 1
    assert "MUST and SHOULD checks failed: SRV-CAP-004" in out


def test_target_rfc_skips_the_platform_rules_even_on_the_platform(
    base_url: str, boot: Bootstrap, capsys: pytest.CaptureFixture[str]
) -> None:
    """--target rfc: the reference server is judged by the RFCs alone; PLT-002 is skipped."""
    code = main(server_args(base_url, boot.token, "--target", "rfc", "--select", "SRV-PLT-00[12]"))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "target=rfc (--target rfc)" in out.replace("\n", "")
    assert "platform rule, not applied" in out


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["check", "client", "--file", "t.jsonl", "--fail-on", "SHOULD"], id="client"),
        pytest.param(["demo", "--fail-on", "should"], id="demo"),
    ],
)
def test_fail_on_is_offered_by_check_client_and_demo(argv: list[str]) -> None:
    """check client and demo take --fail-on too (any case)."""
    assert build_parser().parse_args(argv).fail_on == "should"


def test_fail_on_refuses_other_levels(capsys: pytest.CaptureFixture[str]) -> None:
    """--fail-on may (or anything else) is a one-line usage error, exit 2."""
    with pytest.raises(SystemExit) as exited:
        main(["check", "client", "--file", "t.jsonl", "--fail-on", "may"])
    assert exited.value.code == 2
    assert "--fail-on" in capsys.readouterr().err
