"""Reconciliation: the directory against the source's intended state, through the mapping."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from broken_clients import BROKEN_CLIENTS, BrokenClient, record_client, traffic_of
from scim_harness.conformance.client.expected import (
    Expected,
    ExpectedGroup,
    ExpectedUser,
    load_expected,
    path_key,
)
from scim_harness.conformance.client.reconcile import PlatformView, reconcile
from scim_harness.conformance.client.suite import run_client_suite
from scim_harness.conformance.model import Outcome, Report
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.simulated_client.profiles.catalogue import RFC

RECONCILIATION = ("CLI-REC-001", "CLI-REC-002", "CLI-REC-003", "CLI-REC-004")
WORK_EMAIL = 'emails[type eq "work"].value'
DEFAULT_ROWS = {
    "users": [
        {"platform": "username", "scim": "userName", "required": True},
        {"platform": "firstName", "scim": "name.givenName", "required": True},
        {"platform": "lastName", "scim": "name.familyName", "required": True},
        {"platform": "email", "scim": WORK_EMAIL, "required": True, "transform": "lower"},
        {"platform": "displayName", "scim": "displayName", "required": True},
        {"platform": "status", "scim": "active", "required": True, "transform": "activeToStatus"},
        {
            "platform": "department",
            "scim": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "required": False,
            "transform": "upper",
        },
    ],
    "groups": [{"platform": "groupName", "scim": "displayName", "required": True}],
}


def outcomes(report: Report) -> dict[str, Outcome]:
    return {r.check.id: r.outcome for r in report.results if r.check.id in RECONCILIATION}


def message(report: Report, check_id: str) -> str:
    return next(r.message for r in report.results if r.check.id == check_id)


def rejudge(traffic: Traffic) -> Report:
    """The suite again after the intended state was edited (nothing cached survives)."""
    traffic.derived.clear()
    return run_client_suite(traffic)


# -- the intended-state file -------------------------------------------------------------


def test_paths_compare_without_case_spaces_or_the_core_urn() -> None:
    """A mapping row's path and an expected path match however they are spelled."""
    core = "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName"
    assert path_key(core) == path_key("Name.FamilyName")
    assert path_key('emails[type eq "work"].value') == path_key('Emails[ type  EQ "work" ].Value')


def test_json_file_is_read_and_checked_against_its_schema(tmp_path: Path) -> None:
    """A valid file loads; a user without userName is refused naming the schema."""
    good = tmp_path / "expected.json"
    doc = {
        "users": [{"userName": "bjensen", "active": False, "attributes": {"title": "Guide"}}],
        "groups": [{"displayName": "Tour Guides", "members": ["bjensen"]}],
    }
    good.write_text(json.dumps(doc), encoding="utf-8")
    expected = load_expected(good)
    assert expected.users[0].value("Title") == (True, "Guide")
    assert expected.users[0].value("active") == (True, False)
    assert expected.groups[0].members == ["bjensen"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"users": [{"active": True}], "groups": []}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"expected-state\.schema\.json"):
        load_expected(bad)
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="is not JSON"):
        load_expected(broken)


def test_csv_file_states_users_their_attributes_and_groups(tmp_path: Path) -> None:
    """One user a line; other columns are SCIM paths; groups come from the groups column."""
    path = tmp_path / "expected.csv"
    path.write_text(
        "userName,active,externalId,name.familyName,groups\n"
        "bjensen,true,701984,Jensen,Tour Guides;Staff\n"
        "jsmith,no,,Smith,Staff\n",
        encoding="utf-8",
    )
    expected = load_expected(path)
    assert [(u.user_name, u.active, u.external_id) for u in expected.users] == [
        ("bjensen", True, "701984"),
        ("jsmith", False, None),
    ]
    assert expected.users[1].value("name.familyName") == (True, "Smith")
    assert {g.display_name: g.members for g in expected.groups} == {
        "Tour Guides": ["bjensen"],
        "Staff": ["bjensen", "jsmith"],
    }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("name,active\nb,true\n", "no userName column", id="no-username-column"),
        pytest.param("userName,active\nb,perhaps\n", "line 2: active must be", id="bad-active"),
        pytest.param("userName,active\n,true\n", "line 2: no userName", id="empty-username"),
    ],
)
def test_bad_csv_is_refused_naming_the_line(tmp_path: Path, text: str, problem: str) -> None:
    """A CSV that cannot state users is refused with the line and the reason."""
    path = tmp_path / "expected.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        load_expected(path)


# -- mapping and transforms, on hand-built directories --------------------------------------


def view(
    users: list[dict[str, Any]], groups: list[dict[str, Any]], expected: Expected
) -> PlatformView:
    return PlatformView(expected, DEFAULT_ROWS, False, users, groups)


def record(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "u1",
        "username": "bjensen",
        "firstName": "Barbara",
        "lastName": "Jensen",
        "email": "bjensen@example.com",
        "displayName": "Babs",
        "status": "active",
        "attributes": {"department": "TOURS"},
    }
    base.update(fields)
    return base


def babs(**attributes: Any) -> ExpectedUser:
    stated = {
        "name.familyName": "Jensen",
        WORK_EMAIL: "BJensen@Example.com",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Tours",
        **attributes,
    }
    return ExpectedUser("bjensen", attributes={path_key(p): (p, v) for p, v in stated.items()})


def test_values_are_compared_after_the_rows_transform() -> None:
    """lower on the e-mail, upper on the extension's department, activeToStatus: no difference."""
    result = reconcile(Traffic([]), view([record()], [], Expected([babs()], [])))
    assert result.differences == []
    assert result.compared == {"users": 1, "attributes": 5}


def test_a_value_that_did_not_arrive_as_mapped_is_named() -> None:
    """lastName differs: the difference names the user, the platform attribute and the path."""
    result = reconcile(Traffic([]), view([record(lastName="Smith")], [], Expected([babs()], [])))
    (difference,) = result.of("attributes")
    assert difference.message.startswith(
        "user 'bjensen': platform attribute 'lastName' is 'Smith', expected 'Jensen' "
        "(from name.familyName)"
    )


def test_unmapped_paths_and_unstated_attributes_are_not_compared() -> None:
    """A title the mapping does not carry, and a firstName nobody stated: nothing compared."""
    expected = Expected([babs(title="Guide")], [])
    result = reconcile(Traffic([]), view([record(firstName="Anything")], [], expected))
    assert result.differences == []


def test_missing_and_extra_users_and_groups_are_each_named() -> None:
    """The intended bjensen is absent; a jdoe record and a Staff group are extra."""
    expected = Expected([babs()], [ExpectedGroup("Tour Guides", members=["bjensen"])])
    directory = view(
        [record(id="u9", username="jdoe")],
        [{"id": "g9", "groupName": "Staff", "members": []}],
        expected,
    )
    result = reconcile(Traffic([]), directory)
    assert [d.message for d in result.of("users")] == [
        "user 'bjensen' is missing from the directory: the traffic holds no create for it",
        "user 'jdoe' is in the directory but not in the intended state (no create in the "
        "traffic); delete or deactivate it in the source's run",
    ]
    assert [d.message for d in result.of("groups")] == [
        "group 'Tour Guides' is missing from the directory: the traffic holds no accepted create "
        "for it",
        "group 'Staff' is in the directory but not in the intended state (no create in the traffic)",
    ]


def test_a_deactivated_user_must_be_gone_when_the_app_deletes_them() -> None:
    """delete on deactivation and an inactive intended user still listed: named, no request."""
    expected = Expected([ExpectedUser("bjensen", active=False)], [])
    directory = PlatformView(expected, DEFAULT_ROWS, True, [record()], [])
    (difference,) = reconcile(Traffic([]), directory).of("users")
    assert "should be gone" in difference.message
    assert "no request deactivated it (active=false)" in difference.message


# -- end to end with the simulated client -------------------------------------------------


@pytest.mark.parametrize("delete_on_deactivate", [False, True], ids=["keep", "delete"])
@pytest.mark.parametrize("scenario", ["reactivate", "membership", "rename-groups"])
async def test_the_rfc_client_reaches_the_state_it_meant(
    scenario: str, delete_on_deactivate: bool
) -> None:
    """push --expect-out's state reconciles with the directory: every REC check passes."""
    settings = {"deleteOnDeactivate": delete_on_deactivate}
    traffic = await record_client(RFC, scenario, app_settings=settings, expect=True)
    assert outcomes(run_client_suite(traffic)) == dict.fromkeys(RECONCILIATION, Outcome.PASSED)


async def test_deactivated_users_are_gone_under_delete_on_deactivation() -> None:
    """After 'deactivate' with the option on, the intended inactive users are not in the directory."""
    traffic = await record_client(
        RFC, "deactivate", app_settings={"deleteOnDeactivate": True}, expect=True
    )
    assert traffic.platform is not None
    inactive = [u for u in traffic.platform.expected.users if not u.active]
    assert inactive
    assert outcomes(run_client_suite(traffic))["CLI-REC-001"] is Outcome.PASSED


async def test_a_rename_the_source_meant_but_never_sent_is_named() -> None:
    """The intended name differs from the directory's: CLI-REC-003 names the group and the
    last rename request sent to it."""
    traffic = await record_client(RFC, "rename-groups", expect=True)
    assert traffic.platform is not None
    group = traffic.platform.expected.groups[0]
    meant, group.display_name = group.display_name, "Never Sent"
    report = rejudge(traffic)
    assert outcomes(report)["CLI-REC-003"] is Outcome.FAILED
    text = message(report, "CLI-REC-003")
    assert f"group 'Never Sent': its Group Name is {meant!r}, expected 'Never Sent'" in text
    assert "the last rename: PATCH /Groups/" in text


async def test_an_attribute_change_that_never_arrived_names_the_last_write() -> None:
    """The intended family name differs: CLI-REC-002 names the user, attribute and last write."""
    traffic = await record_client(RFC, "update", expect=True)
    assert traffic.platform is not None
    user = traffic.platform.expected.users[0]
    user.attributes[path_key("name.familyName")] = ("name.familyName", "Elsewhere")
    report = rejudge(traffic)
    text = message(report, "CLI-REC-002")
    assert f"user {user.user_name!r}: platform attribute 'lastName' is" in text
    assert "expected 'Elsewhere' (from name.familyName); the last request that wrote it: " in text


def broken(name: str) -> BrokenClient:
    return next(b for b in BROKEN_CLIENTS if b.name == name)


@pytest.mark.parametrize(
    ("name", "check_id", "words"),
    [
        pytest.param(
            "adds-members-by-replace", "CLI-REC-004", "lacks member", id="members-replace"
        ),
        pytest.param("renames-groups-by-put", "CLI-REC-004", "lacks member", id="rename-by-put"),
        pytest.param("resync-recreates-deactivated", "CLI-REC-001", "should be gone", id="resync"),
        pytest.param(
            "put-update-reactivates",
            "CLI-REC-002",
            "'status' is 'active', expected 'inactive'",
            id="put-reactivates",
        ),
    ],
)
async def test_the_damage_of_a_broken_client_shows_in_the_directory(
    name: str, check_id: str, words: str
) -> None:
    """Given the intended state, the sequence faults also fail the reconciliation, named."""
    fault = broken(name)
    traffic = await record_client(
        fault.profile,
        fault.scenario,
        rewrite=fault.rewrite,
        route=fault.route,
        script=fault.script,
        app_settings=fault.app_settings,
        expect=True,
    )
    report = run_client_suite(traffic)
    assert outcomes(report)[check_id] is Outcome.FAILED
    assert words in message(report, check_id)
    assert next(r for r in report.results if r.check.id == check_id).exchanges


async def test_a_csv_intended_state_reconciles_like_json(tmp_path: Path) -> None:
    """The same intent written as CSV (userName, active, paths, groups) passes the same way."""
    traffic = await record_client(RFC, "membership", expect=True)
    assert traffic.platform is not None
    intent = traffic.platform.expected
    columns = ["userName", "active", "name.givenName", "name.familyName", WORK_EMAIL, "groups"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for user in intent.users:
        groups = ";".join(g.display_name for g in intent.groups if user.user_name in g.members)
        row = [user.user_name, str(user.active).lower()]
        row += [str(user.value(path)[1]) for path in columns[2:5]]
        writer.writerow([*row, groups])
    path = tmp_path / "expected.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    traffic.platform.expected = load_expected(path)
    assert outcomes(rejudge(traffic)) == dict.fromkeys(RECONCILIATION, Outcome.PASSED)


def test_without_an_intended_state_the_reconciliation_is_skipped_saying_why() -> None:
    """No --expect: the four checks are skipped, naming the option."""
    report = run_client_suite(traffic_of())
    for result in report.results:
        if result.check.id in RECONCILIATION:
            assert result.outcome is Outcome.SKIPPED
            assert "--expect FILE" in result.message
