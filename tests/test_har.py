"""HAR 1.2 both ways: the request record exported as HAR (secrets masked), and a HAR capture
(a browser's, mitmproxy's, Postman's, or the export) judged by the client suite."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from scim_harness.conformance.client.suite import run_client_suite
from scim_harness.conformance.model import Outcome, Report
from scim_harness.conformance.traffic.har import load_traffic_har, records_from_har
from scim_harness.conformance.traffic.recording import Traffic, fetch_traffic
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles.catalogue import get_profile
from scim_harness.simulated_client.scenarios.catalogue import run_scenario
from starlette.applications import Starlette
from support import user_body

from scim_harness.cli import main

ORIGIN = "http://testserver"
REQUEST_MEMBERS = {"method", "url", "httpVersion", "cookies", "headers", "queryString"}
RESPONSE_MEMBERS = {"status", "statusText", "httpVersion", "cookies", "headers", "content"}


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"faults": {"failNth": [{"nth": 4, "status": 429, "retryAfter": 0}]}}


@pytest.fixture
async def pushed(asgi_app: Starlette, boot: Bootstrap) -> AsyncIterator[httpx.AsyncClient]:
    """Entra ID's client (string booleans, capitalised ops) has run a lifecycle, with a
    password in one create and a 429 on the way; yields an admin client."""
    transport = httpx.ASGITransport(app=asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        client = ScimClient(
            http, base_url=f"{ORIGIN}/apps/demo/scim/v2", token=boot.token, backoff=0.0
        )
        await run_scenario(
            "lifecycle", client, get_profile("entra"), generate_population(6, 2, seed=4)
        )
        secret = user_body("pw.user", password="Hunter2-secret")
        await client.send(client_request("POST", "/Users", secret))
        yield http


def client_request(method: str, path: str, body: Any) -> Any:
    from scim_harness.simulated_client.wire import RequestSpec

    return RequestSpec(method, path, body=body, headers={"Content-Type": "application/scim+json"})


async def export(http: httpx.AsyncClient, boot: Bootstrap, **params: str) -> httpx.Response:
    return await http.get(
        "/admin/apps/demo/requests.har",
        params=params,
        headers={"Authorization": f"Bearer {boot.admin_token}"},
    )


def verdicts(report: Report) -> dict[str, Outcome]:
    return {r.check.id: r.outcome for r in report.results}


async def test_the_record_exports_as_har_1_2_with_secrets_masked(
    pushed: httpx.AsyncClient, boot: Bootstrap
) -> None:
    """Every recorded request is an entry with HAR 1.2's required members; the token and the
    password appear nowhere; the findings travel in _findings."""
    answer = await export(pushed, boot)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert "demo-requests.har" in answer.headers["content-disposition"]
    log = answer.json()["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "scim-harness"
    record = await fetch_traffic(pushed, f"{ORIGIN}/admin", boot.admin_token, "demo")
    assert len(log["entries"]) == len(record) > 20
    for entry in log["entries"]:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)
        assert set(entry["request"]) >= REQUEST_MEMBERS
        assert set(entry["response"]) >= RESPONSE_MEMBERS
        assert entry["request"]["url"].startswith(f"{ORIGIN}/apps/demo/scim/v2/")
        assert entry["startedDateTime"].endswith("Z")
    text = answer.text
    assert boot.token not in text
    assert "Hunter2-secret" not in text
    first = log["entries"][0]["request"]["headers"]
    assert {"name": "authorization", "value": "Bearer ***"} in first
    throttled = [e for e in log["entries"] if e["response"]["status"] == 429]
    assert throttled[0]["response"]["statusText"] == "Too Many Requests"
    assert throttled[0]["_findings"][0]["id"] == "FAULT-THROTTLED"


async def test_a_har_export_is_judged_as_the_record_itself(
    pushed: httpx.AsyncClient, boot: Bootstrap
) -> None:
    """Round trip: the client suite gives the same verdict to every check, whether it reads
    the record from the admin API or from the HAR export."""
    har = (await export(pushed, boot)).json()
    records, skipped = records_from_har(har, "export")
    assert skipped == 0
    from_har = run_client_suite(Traffic(records, source="har"))
    record = await fetch_traffic(pushed, f"{ORIGIN}/admin", boot.admin_token, "demo")
    direct = run_client_suite(record)
    assert verdicts(from_har) == verdicts(direct)
    assert verdicts(direct)["CLI-BOOL-001"] is Outcome.FAILED  # Entra's string booleans
    messages = {r.check.id: r.message for r in direct.results}
    assert {r.check.id: r.message for r in from_har.results} == messages


async def test_the_export_takes_the_record_filters(
    pushed: httpx.AsyncClient, boot: Bootstrap
) -> None:
    """?finding= keeps the matching entries only; a bad filter is 400."""
    entries = (await export(pushed, boot, finding="LENIENT-OP-CASE")).json()["log"]["entries"]
    assert entries
    assert all("LENIENT-OP-CASE" in {f["id"] for f in e["_findings"]} for e in entries)
    assert (await export(pushed, boot, finding="NOPE")).status_code == 400


TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.signature"
BASE = "https://app.example.com/scim/v2"


def _entry(
    method: str,
    path: str,
    status: int,
    *,
    body: Any = None,
    answer: Any = None,
    second: float,
    base64_answer: bool = False,
    accept: str = "application/scim+json",
) -> dict[str, Any]:
    headers = [
        {"name": ":authority", "value": "app.example.com"},
        {"name": "Authorization", "value": f"Bearer {TOKEN}"},
        {"name": "Accept", "value": accept},
        {"name": "User-Agent", "value": "ExampleIdP/2.1"},
    ]
    request: dict[str, Any] = {
        "method": method,
        "url": BASE + path,
        "httpVersion": "HTTP/2",
        "cookies": [],
        "headers": headers,
        "queryString": [],
        "headersSize": -1,
        "bodySize": -1,
    }
    if body is not None:
        headers.append({"name": "Content-Type", "value": "application/scim+json"})
        request["postData"] = {"mimeType": "application/scim+json", "text": json.dumps(body)}
    text = json.dumps(answer) if answer is not None else ""
    content: dict[str, Any] = {"size": len(text), "mimeType": "application/scim+json"}
    if text:
        content["text"] = base64.b64encode(text.encode()).decode() if base64_answer else text
        if base64_answer:
            content["encoding"] = "base64"
    return {
        "startedDateTime": f"2026-03-02T10:00:{second:06.3f}+01:00",
        "time": 42.5,
        "request": request,
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/2",
            "cookies": [],
            "headers": [{"name": "Content-Type", "value": "application/scim+json"}],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 1, "wait": 40, "receive": 1.5},
    }


def _user(name: str, active: Any) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": f"{name}@example.com",
        "name": {"givenName": name.title(), "familyName": "Example"},
        "emails": [{"value": f"{name}@example.com", "type": "work", "primary": True}],
        "displayName": f"{name.title()} Example",
        "active": active,
        "externalId": f"ext-{name}",
    }


EMPTY = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0}


def hand_made_har() -> dict[str, Any]:
    """What a browser's developer tools save after an IdP pushed two users: the SCIM calls,
    a favicon, HTTP/2 pseudo-headers, a base64 answer; the second user's active is "True"."""
    look = "/Users?filter=userName%20eq%20%22{0}%40example.com%22"
    entries = [
        _entry("GET", look.format("ann"), 200, answer=EMPTY, second=1),
        _entry("POST", "/Users", 201, body=_user("ann", True), answer={"id": "u1"}, second=2),
        _entry("GET", "/favicon.ico", 404, second=2.5, accept="image/avif,image/webp,*/*"),
        _entry("GET", look.format("bob"), 200, answer=EMPTY, second=3, base64_answer=True),
        _entry("POST", "/Users", 201, body=_user("bob", "True"), answer={"id": "u2"}, second=4),
        _entry("GET", "/Users/u2", 200, answer={"id": "u2"}, second=5),
        _entry("DELETE", "/Users/u1", 204, second=6),
    ]
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "Firefox", "version": "140"},
            "entries": entries,
        }
    }


def test_a_hand_made_har_is_read_and_judged(tmp_path: Path) -> None:
    """The favicon is left out and counted; the token is masked; the base64 answer is read;
    the string boolean fails CLI-BOOL-001 and the lookups satisfy CLI-LOOK-001."""
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(hand_made_har()), encoding="utf-8")
    traffic = load_traffic_har(path)
    assert len(traffic) == 6
    assert "1 entries that are not SCIM requests left out" in traffic.source
    assert TOKEN not in json.dumps(traffic.records)
    first = traffic.requests[0]
    assert first.headers["authorization"] == "Bearer ***"
    assert ":authority" not in first.headers
    assert first.param("filter") == 'userName eq "ann@example.com"'
    assert traffic.requests[2].response == EMPTY  # decoded from base64
    report = run_client_suite(traffic, target=str(path))
    outcome = verdicts(report)
    assert outcome["CLI-BOOL-001"] is Outcome.FAILED
    assert outcome["CLI-LOOK-001"] is Outcome.PASSED
    bool_result = next(r for r in report.results if r.check.id == "CLI-BOOL-001")
    assert "POST /Users (seq 5)" in bool_result.message


def test_check_client_har_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """check client --har FILE judges the capture: exit 1 (a MUST failed), the JSON report
    names the file as its target."""
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(hand_made_har()), encoding="utf-8")
    code = main(["check", "client", "--har", str(path), "--json", "-"])
    out = capsys.readouterr().out
    report = json.loads(out)
    assert code == 1
    assert str(path) in report["target"]
    failed = {r["id"] for r in report["results"] if r["outcome"] == "failed"}
    assert "CLI-BOOL-001" in failed


@pytest.mark.parametrize(
    ("content", "says"),
    [
        pytest.param("not json", "not JSON", id="not-json"),
        pytest.param('{"entries": []}', "not a HAR file", id="no-log"),
        pytest.param('{"log": {"entries": [1]}}', "entry 1 has no request", id="bad-entry"),
    ],
)
def test_a_file_that_is_not_har_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, says: str
) -> None:
    """A broken HAR is a usage error naming the file, not a verdict."""
    path = tmp_path / "broken.har"
    path.write_text(content, encoding="utf-8")
    assert main(["check", "client", "--har", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert says in err[0] and str(path) in err[0]


def test_har_and_expect_do_not_go_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--expect reads the app's directory, which a HAR file does not have."""
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(hand_made_har()), encoding="utf-8")
    assert main(["check", "client", "--har", str(path), "--expect", str(path)]) == 2
    assert "not --har" in capsys.readouterr().err
