"""``serve --rules``, ``--preset``, the throttling and the fault flags, on a real socket."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import httpx
import pytest
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import get_profile
from scim_harness.simulated_client.scenarios.catalogue import run_scenario
from serve_support import refused, serving

from scim_harness.cli import main

BARE_USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bare.user"}


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        pytest.param(["--rules", "RFC"], "--rules", id="rules"),
        pytest.param(["--preset", "nope"], "--preset", id="preset"),
        pytest.param(["--error-rate", "2"], "--error-rate", id="share"),
        pytest.param(["--rate-limit", "fast"], "--rate-limit", id="rate"),
        pytest.param(["--latency-ms", "-5"], "--latency-ms", id="latency"),
        pytest.param(["--fail-nth", "0:503"], "--fail-nth", id="nth-zero"),
        pytest.param(["--fail-nth", "1:418"], "--fail-nth", id="nth-status"),
        pytest.param(["--fail-nth", "1:HEAD:503"], "--fail-nth", id="nth-method"),
    ],
)
def test_a_bad_behaviour_flag_is_one_line_naming_it(args: list[str], names: str) -> None:
    """Each bad value stops serve with exit 2 and one line naming the flag."""
    line = _one_line(refused(*args))
    assert line.startswith("scim-harness serve: ")
    assert names in line


def test_rules_rfc_and_fail_nth_from_the_command_line() -> None:
    """--rules rfc takes a bare user; --fail-nth 1:GET:Users:503 --retry-after 2 fails the
    first list with Retry-After 2; the admin API shows both settings."""
    flags = ("--rules", "rfc", "--fail-nth", "1:GET:Users:503", "--retry-after", "2")
    with serving(*flags) as served:
        headers = {"Authorization": f"Bearer {served.token}"}
        with httpx.Client(base_url=served.base, headers=headers, timeout=10) as http:
            failed = http.get("/Users")
            assert (failed.status_code, failed.headers["retry-after"]) == (503, "2")
            assert http.get("/Users").status_code == 200
            assert http.post("/Users", json=BARE_USER).status_code == 201
        admin = {"Authorization": f"Bearer {served.admin_token}"}
        settings = httpx.get(f"{served.admin}/apps/demo/settings", headers=admin).json()
    assert settings["rules"] == "rfc"
    assert settings["faults"]["failNth"] == [
        {"nth": 1, "status": 503, "method": "GET", "endpoint": "Users", "carriedOut": False}
    ]
    assert settings["throttle"] == {"rate": 0.0, "burst": 0, "concurrency": 0, "retryAfter": 2}


def test_rate_limit_from_the_command_line_answers_429() -> None:
    """--rate-limit 0.5 --burst 2: two requests pass, the third at once is 429, Retry-After 2."""
    with serving("--rate-limit", "0.5", "--burst", "2") as served:
        headers = {"Authorization": f"Bearer {served.token}"}
        with httpx.Client(base_url=served.base, headers=headers, timeout=10) as http:
            answers = [http.get("/Users") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["retry-after"] == "2"


def test_a_preset_from_the_command_line_is_enforced() -> None:
    """--preset google-cloud-identity: PUT is 501, and discovery says Bulk is unsupported."""
    with serving("--preset", "google-cloud-identity") as served:
        headers = {"Authorization": f"Bearer {served.token}"}
        with httpx.Client(base_url=served.base, headers=headers, timeout=10) as http:
            put = http.put("/Users/anything", json=BARE_USER)
            spc = http.get("/ServiceProviderConfig").json()
    assert put.status_code == 501
    assert "no replace (PUT)" in put.json()["detail"]
    assert spc["bulk"]["supported"] is False


def test_a_har_export_over_a_real_socket_is_judged_by_check_client(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """serve, Entra ID's client, GET requests.har over HTTP, then check client --har on the
    file: the same checks fail as with check client --admin-url on the live record."""
    with serving() as served:
        population = generate_population(3, 1, seed=5)

        async def push() -> None:
            async with httpx.AsyncClient() as http:
                client = ScimClient(http, base_url=served.base, token=served.token)
                await run_scenario("provision", client, get_profile("entra"), population)

        asyncio.run(push())
        admin = {"Authorization": f"Bearer {served.admin_token}"}
        har = httpx.get(f"{served.admin}/apps/demo/requests.har", headers=admin, timeout=10)
        live = ["--admin-url", served.admin, f"--admin-token={served.admin_token}"]
        live_code = main(["check", "client", *live, "--app", "demo", "--json", "-"])
        live_report = json.loads(capsys.readouterr().out)
    assert har.status_code == 200
    assert served.token not in har.text
    path = tmp_path / "demo.har"
    path.write_bytes(har.content)
    code = main(["check", "client", "--har", str(path), "--json", "-"])
    report = json.loads(capsys.readouterr().out)
    assert report["target"] == str(path)

    def failed(document: dict[str, object]) -> set[str]:
        results = document["results"]
        assert isinstance(results, list)
        return {r["id"] for r in results if r["outcome"] == "failed"}

    assert (code, failed(report)) == (live_code, failed(live_report))
    assert code == 1  # Entra's deviations break MUST checks
