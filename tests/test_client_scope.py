"""What the client suite judges: the client's own requests, in a window, when they are enough."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from broken_clients import scim_record, traffic_of
from rich.console import Console
from scim_harness.conformance.attribution import harness_user_agent, is_harness_agent
from scim_harness.conformance.client.scope import (
    MIN_REQUESTS,
    Window,
    count_creates,
    evidence_gap,
    parse_bound,
    scope_traffic,
)
from scim_harness.conformance.client.suite import run_client_suite
from scim_harness.conformance.report.common import summary_line
from scim_harness.conformance.report.html import render_html
from scim_harness.conformance.report.junit import junit_tree
from scim_harness.conformance.report.render import console_report, report_json
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.simulated_client.profiles.catalogue import PROFILES

USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "bjensen",
    "externalId": "701984",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
    "displayName": "Babs Jensen",
    "active": True,
}
HARNESS = {"authorization": "Bearer ***", "user-agent": harness_user_agent("server suite")}


def client_cycle() -> list[dict[str, object]]:
    """A small but complete client run: discovery, lookup, create, read, deactivate."""
    created = {**USER, "id": "u1"}
    lookup = {"schemas": [], "totalResults": 0, "Resources": []}
    deactivate = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    return [
        scim_record("GET", "/ServiceProviderConfig", response={"patch": {"supported": True}}),
        scim_record("GET", "/Users", query="filter=userName%20eq%20%22bjensen%22", response=lookup),
        scim_record("POST", "/Users", body=USER, status=201, response=created),
        scim_record("GET", "/Users/u1", response=created),
        scim_record("PATCH", "/Users/u1", body=deactivate, status=204),
    ]


def harness_requests(count: int) -> list[dict[str, object]]:
    """What the server suite leaves in an app: deliberately bad requests, its User-Agent on."""
    bad = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": 42}
    return [
        scim_record("POST", "/Users", body=bad, status=400, headers=HARNESS) for _ in range(count)
    ]


@pytest.mark.parametrize(
    ("agent", "harness"),
    [
        pytest.param(harness_user_agent("server suite"), True, id="server-suite"),
        pytest.param(harness_user_agent("server suite", "pytest"), True, id="via-pytest"),
        pytest.param("SCIM-Harness/2.0 (anything)", True, id="any-case"),
        pytest.param("scim-harness-simulated-client/0.1", False, id="simulated-client"),
        pytest.param("Okta SCIM Client 1.0.0", False, id="okta"),
        pytest.param("scim-harness", False, id="no-version"),
        pytest.param("", False, id="empty"),
        pytest.param(None, False, id="absent"),
    ],
)
def test_only_the_harness_product_token_marks_harness_requests(
    agent: str | None, harness: bool
) -> None:
    """scim-harness/<version> is the harness; the simulated client and real IdPs are clients."""
    assert is_harness_agent(agent) is harness


def test_harness_user_agent_names_version_suite_and_entry_point() -> None:
    """The User-Agent reads scim-harness/<version> (<suite>; <via>)."""
    agent = harness_user_agent("server suite", "demo")
    assert agent.startswith("scim-harness/")
    assert agent.endswith(" (server suite; demo)")


def test_the_simulated_clients_are_never_taken_for_the_harness() -> None:
    """Every profile's User-Agent is judged: push is a client under test."""
    assert not any(is_harness_agent(p.user_agent) for p in PROFILES.values())


def test_harness_requests_are_left_out_and_counted() -> None:
    """Sixteen server-suite requests in the app: excluded, counted, no client failure."""
    traffic = traffic_of(*client_cycle(), *harness_requests(16))
    report = run_client_suite(traffic)
    assert report.blocking == []
    assert report.exit_code == 0
    assert report.details["requests"] == len(client_cycle())
    assert report.details["excluded"].startswith("16 requests sent by scim-harness itself")
    assert harness_user_agent("server suite") in report.details["excluded"]


def test_without_exclusion_the_same_requests_would_be_blamed() -> None:
    """The control: the same bad requests without the harness User-Agent fail a MUST check."""
    plain = [{**r, "headers": {"authorization": "Bearer ***"}} for r in harness_requests(3)]
    report = run_client_suite(traffic_of(*client_cycle(), *plain))
    assert report.exit_code == 1


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        pytest.param("17", 17, id="seq"),
        pytest.param("2026-01-05T09:00:00Z", datetime(2026, 1, 5, 9, tzinfo=UTC), id="zulu"),
        pytest.param("2026-01-05T09:00:00", datetime(2026, 1, 5, 9, tzinfo=UTC), id="naive-utc"),
        pytest.param("2026-01-05T10:00:00+01:00", datetime(2026, 1, 5, 9, tzinfo=UTC), id="offset"),
    ],
)
def test_window_bounds_are_a_seq_or_a_moment(text: str, bound: int | datetime) -> None:
    """An integer is a seq; anything else an ISO 8601 time, UTC unless it says otherwise."""
    assert parse_bound(text) == bound


def test_a_bad_window_bound_says_what_is_accepted() -> None:
    """Neither a seq nor a time: ValueError naming both forms."""
    with pytest.raises(ValueError, match="neither a seq"):
        parse_bound("yesterday")


def test_window_keeps_the_records_between_its_bounds_inclusive() -> None:
    """--since 2 --until 4 keeps seq 2, 3 and 4; the rest are counted as outside."""
    traffic = traffic_of(*client_cycle())
    scope = scope_traffic(traffic, Window(2, 4))
    assert [r.seq for r in scope.judged] == [2, 3, 4]
    assert scope.outside_window == 2
    assert scope.details()["window"] == "since seq 2, until seq 4 (2 requests outside)"


def test_window_by_time_uses_the_recorded_times() -> None:
    """Records are 0.1 s apart from a fixed epoch: a time window keeps the matching ones."""
    traffic = traffic_of(*client_cycle())
    since = traffic.requests[2].at
    assert since is not None
    scope = scope_traffic(traffic, Window(since=since))
    assert [r.seq for r in scope.judged] == [3, 4, 5]


@pytest.mark.parametrize(
    ("records", "missing"),
    [
        pytest.param([], ["no create", "0 client requests"], id="empty"),
        pytest.param(
            [scim_record("GET", "/Users"), scim_record("GET", "/Users")],
            ["no create", "2 client requests"],
            id="two-gets",
        ),
        pytest.param(
            [scim_record("GET", "/Users") for _ in range(MIN_REQUESTS + 2)],
            ["no create"],
            id="only-reads",
        ),
        pytest.param(
            [scim_record("POST", "/Users", body=USER, status=201, response={"id": "u1"})],
            ["1 client requests"],
            id="one-create",
        ),
    ],
)
def test_thin_traffic_is_nothing_to_judge(
    records: list[dict[str, object]], missing: list[str]
) -> None:
    """No create, or fewer than the minimum of requests: the gap says what is missing."""
    gap = evidence_gap(traffic_of(*records))
    assert gap.startswith("nothing to judge: ")
    for words in missing:
        assert words in gap


def test_a_bulk_post_counts_as_a_create() -> None:
    """A Bulk request holding POST operations carries creates."""
    bulk = {"Operations": [{"method": "POST", "path": "/Users", "data": USER}, {"method": "GET"}]}
    assert count_creates(traffic_of(scim_record("POST", "/Bulk", body=bulk))) == 1


def test_a_real_cycle_has_enough_to_judge() -> None:
    """Five requests with a create: no gap."""
    assert evidence_gap(traffic_of(*client_cycle())) == ""


def test_nothing_to_judge_exits_3_and_every_report_says_why() -> None:
    """Two GETs: exit 3; the summary, console, JSON, JUnit and HTML all say what was missing."""
    report = run_client_suite(
        traffic_of(scim_record("GET", "/Users"), scim_record("GET", "/Users"))
    )
    assert report.exit_code == 3
    assert summary_line(report).startswith("NOTHING TO JUDGE - ")
    data = report_json(report)
    assert data["exit_code"] == 3
    assert "no create" in data["nothing_to_judge"]
    console = Console(record=True, width=200)
    console_report(report, console)
    printed = console.export_text()
    assert "nothing to judge: no create" in printed
    assert "exit 3" in printed
    suite = junit_tree([report]).find("testsuite")
    assert suite is not None
    errors = [case for case in suite.iter("testcase") if case.find("error") is not None]
    assert [case.get("classname") for case in errors] == ["scim.client.evidence"]
    assert suite.get("errors") == "1"
    assert "nothing to judge: no create" in render_html([report])


def test_allow_empty_turns_exit_3_into_0_but_still_says_it() -> None:
    """--allow-empty: exit 0, the summary says the emptiness was allowed, no JUnit error."""
    report = run_client_suite(Traffic([]), allow_empty=True)
    assert report.exit_code == 0
    assert summary_line(report).startswith("NOTHING TO JUDGE (allowed) - ")
    suite = junit_tree([report]).find("testsuite")
    assert suite is not None
    assert suite.get("errors") == "0"


def test_a_must_failure_beats_nothing_to_judge() -> None:
    """Two requests, one breaking a MUST rule: the failure is evidence enough (exit 1)."""
    bad = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
    report = run_client_suite(traffic_of(scim_record("POST", "/Users", body=bad, status=400)))
    assert report.nothing_to_judge
    assert report.exit_code == 1


def test_json_report_file_records_the_exit_code(tmp_path: Path) -> None:
    """The JSON file written for CI carries exit code 3 and the reason."""
    from scim_harness.conformance.report.render import write_json

    path = tmp_path / "client.json"
    write_json(run_client_suite(Traffic([])), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["exit_code"], data["details"]["nothing_to_judge"][:16]) == (3, "nothing to judge")
