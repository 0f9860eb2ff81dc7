"""The state model: replayed requests and answers catch what no single request shows."""

from __future__ import annotations

from typing import Any

import pytest
from broken_clients import scim_record, traffic_of
from scim_harness.conformance.client.members import member_changes
from scim_harness.conformance.client.state import state_of
from scim_harness.conformance.client.suite import run_client_suite
from scim_harness.conformance.model import Outcome, Result
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
EFFECT = ("EFFECT-DELETED-ON-DEACTIVATION", "the app deletes deactivated users")


def user(name: str = "bjensen", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "externalId": f"ext-{name}",
        "name": {"givenName": name.title(), "familyName": "Jensen"},
        "emails": [{"value": f"{name}@example.com", "type": "work", "primary": True}],
        "displayName": f"{name.title()} Jensen",
        "active": True,
    }
    body.update(extra)
    return body


def create(name: str, rid: str, status: int = 201, **extra: Any) -> dict[str, Any]:
    body = user(name, **extra)
    response = {**body, "id": rid} if status == 201 else {"status": str(status)}
    return scim_record("POST", "/Users", body=body, status=status, response=response)


def patch(rel: str, *operations: dict[str, Any], status: int = 204, **kw: Any) -> dict[str, Any]:
    body = {"schemas": [PATCH_OP], "Operations": list(operations)}
    return scim_record("PATCH", rel, body=body, status=status, **kw)


def lookup(name: str) -> dict[str, Any]:
    query = f"filter=userName%20eq%20%22{name}%22"
    return scim_record("GET", "/Users", query=query, response={"Resources": []})


def new_group(
    rid: str, name: str = "Tour Guides", members: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [GROUP], "displayName": name}
    if members is not None:
        body["members"] = [{"value": m} for m in members]
    return scim_record("POST", "/Groups", body=body, status=201, response={**body, "id": rid})


def verdict(traffic: Traffic, check_id: str) -> Result:
    (result,) = run_client_suite(traffic, select=lambda c: c.id == check_id).results
    return result


ACTIVE_FALSE = {"op": "replace", "path": "active", "value": False}
ACTIVE_TRUE = {"op": "replace", "path": "active", "value": True}


# -- CLI-STA-001: blind re-creates ---------------------------------------------------------


def test_a_repeated_create_without_lookup_is_blind() -> None:
    """POST bjensen (201) then POST bjensen again (409), nothing between: CLI-STA-001 fails."""
    result = verdict(
        traffic_of(create("bjensen", "u1"), create("bjensen", "u2", 409)), "CLI-STA-001"
    )
    assert result.outcome is Outcome.FAILED
    assert "POST /Users (seq 2): creates userName 'bjensen' again (answered 409)" in result.message
    assert "POST /Users (seq 1) created it as u1" in result.message
    assert [e.status for e in result.exchanges] == [409]


@pytest.mark.parametrize(
    "between",
    [
        pytest.param(lookup("bjensen"), id="lookup-by-filter"),
        pytest.param(scim_record("GET", "/Users/u1", status=404), id="404-on-id"),
        pytest.param(scim_record("DELETE", "/Users/u1", status=204), id="deleted-by-client"),
        pytest.param(patch("/Users/u1", ACTIVE_FALSE, findings=(EFFECT,)), id="deleted-by-server"),
    ],
)
def test_a_create_after_a_lookup_or_an_error_is_not_blind(between: dict[str, Any]) -> None:
    """A lookup, a 404, a DELETE or the server's deletion in between: the second POST passes."""
    traffic = traffic_of(create("bjensen", "u1"), between, create("bjensen", "u2"))
    assert verdict(traffic, "CLI-STA-001").outcome is Outcome.PASSED


def test_a_lookup_for_someone_else_does_not_excuse_a_re_create() -> None:
    """A filtered lookup of jsmith between the two POSTs of bjensen: still blind; a listing of
    every user (no filter) would have found bjensen, and excuses it."""
    blind = traffic_of(create("bjensen", "u1"), lookup("jsmith"), create("bjensen", "u2", 409))
    assert verdict(blind, "CLI-STA-001").outcome is Outcome.FAILED
    listed = traffic_of(
        create("bjensen", "u1"),
        scim_record("GET", "/Users", query="startIndex=1&count=100", response={"Resources": []}),
        create("bjensen", "u2", 409),
    )
    assert verdict(listed, "CLI-STA-001").outcome is Outcome.PASSED


def test_a_new_identity_is_never_a_re_create() -> None:
    """Two different users, both created once: passes with two creates judged."""
    traffic = traffic_of(create("bjensen", "u1"), create("jsmith", "u2"))
    result = verdict(traffic, "CLI-STA-001")
    assert result.outcome is Outcome.PASSED
    assert len(state_of(traffic).creates_judged) == 2


# -- CLI-STA-002: members dropped ----------------------------------------------------------


def add(*ids: str) -> dict[str, Any]:
    return {"op": "add", "path": "members", "value": [{"value": i} for i in ids]}


def test_a_replace_of_members_drops_the_ones_the_client_added() -> None:
    """Added u1, u2; then a replace with [u3]: both dropped, the message names the add."""
    traffic = traffic_of(
        new_group("g1"),
        patch("/Groups/g1", add("u1", "u2")),
        patch("/Groups/g1", {"op": "replace", "path": "members", "value": [{"value": "u3"}]}),
    )
    result = verdict(traffic, "CLI-STA-002")
    assert result.outcome is Outcome.FAILED
    assert "a replace of members of group Tour Guides drops 2 member(s)" in result.message
    assert "added by PATCH /Groups/g1 (seq 2)" in result.message


def test_a_replace_after_explicit_removals_drops_nothing() -> None:
    """remove members[value eq "u1"], then replace with [u2]: a full list, nothing dropped."""
    traffic = traffic_of(
        new_group("g1"),
        patch("/Groups/g1", add("u1", "u2")),
        patch(
            "/Groups/g1",
            {"op": "remove", "path": 'members[value eq "u1"]'},
            {"op": "replace", "path": "members", "value": [{"value": "u2"}]},
        ),
    )
    assert verdict(traffic, "CLI-STA-002").outcome is Outcome.PASSED


def test_a_server_that_kept_the_members_shows_no_drop() -> None:
    """The answer to the replace still lists u1: the server did not drop it, so neither did we."""
    kept = {"id": "g1", "displayName": "Tour Guides", "members": [{"value": "u1"}, {"value": "u2"}]}
    replace = {"op": "replace", "path": "members", "value": [{"value": "u2"}]}
    traffic = traffic_of(
        new_group("g1"),
        patch("/Groups/g1", add("u1", "u2")),
        patch("/Groups/g1", replace, status=200, response=kept),
    )
    assert verdict(traffic, "CLI-STA-002").outcome is Outcome.PASSED


def test_a_rename_by_put_without_members_empties_the_group() -> None:
    """PUT {displayName} on a group with members: every member dropped, the PUT named."""
    put = {"schemas": [GROUP], "displayName": "Guides"}
    traffic = traffic_of(
        new_group("g1", members=["u1"]),
        scim_record("PUT", "/Groups/g1", body=put, response={**put, "id": "g1"}),
    )
    result = verdict(traffic, "CLI-STA-002")
    assert result.outcome is Outcome.FAILED
    assert "PUT /Groups/g1 (seq 2): a PUT of group Tour Guides drops 1 member(s)" in result.message


def test_members_whose_user_is_gone_are_not_dropped_by_the_client() -> None:
    """u1 was deleted (a deleted user leaves its groups): a later replace without it is right."""
    traffic = traffic_of(
        create("bjensen", "u1"),
        new_group("g1", members=["u1"]),
        scim_record("DELETE", "/Users/u1", status=204),
        patch("/Groups/g1", {"op": "replace", "path": "members", "value": []}),
    )
    assert verdict(traffic, "CLI-STA-002").outcome is Outcome.PASSED


@pytest.mark.parametrize(
    ("operation", "kind", "ids"),
    [
        pytest.param(add("u1"), "add", ("u1",), id="add"),
        pytest.param(
            {"op": "Add", "value": {"members": [{"value": "u1"}]}},
            "add",
            ("u1",),
            id="pathless-add",
        ),
        pytest.param(
            {"op": "remove", "path": 'members[value eq "u1" or value eq "u2"]'},
            "remove",
            ("u1", "u2"),
            id="remove-or",
        ),
        pytest.param(
            {"op": "remove", "path": "members", "value": [{"value": "u1"}]},
            "remove",
            ("u1",),
            id="remove-value-list",
        ),
        pytest.param({"op": "remove", "path": "members"}, "clear", (), id="remove-all"),
        pytest.param(
            {"op": "remove", "path": 'members[display eq "Babs"]'},
            "clear",
            (),
            id="unresolvable-filter",
        ),
        pytest.param(
            {"op": "replace", "value": {"members": []}}, "replace", (), id="pathless-replace"
        ),
    ],
)
def test_member_changes_read_every_patch_form(
    operation: dict[str, Any], kind: str, ids: tuple[str, ...]
) -> None:
    """Each PATCH form is one add, remove, clear or replace step with the ids it names."""
    record = Record.from_json({"seq": 1, **patch("/Groups/g1", operation)}, 1)
    (change,) = member_changes(record)
    assert (change.kind, change.ids) == (kind, ids)


# -- CLI-STA-003: silent reactivation -----------------------------------------------------


def test_an_explicit_patch_reactivation_passes() -> None:
    """Deactivate, then PATCH active=true: exercised and passed."""
    traffic = traffic_of(
        create("bjensen", "u1"), patch("/Users/u1", ACTIVE_FALSE), patch("/Users/u1", ACTIVE_TRUE)
    )
    assert verdict(traffic, "CLI-STA-003").outcome is Outcome.PASSED


def test_a_put_changing_only_active_is_an_explicit_reactivation() -> None:
    """Okta-style GET then PUT with active flipped and nothing else changed: passes."""
    traffic = traffic_of(
        create("bjensen", "u1"),
        patch("/Users/u1", ACTIVE_FALSE),
        scim_record(
            "PUT", "/Users/u1", body=user("bjensen"), response={**user("bjensen"), "id": "u1"}
        ),
    )
    assert verdict(traffic, "CLI-STA-003").outcome is Outcome.PASSED


def test_an_update_put_that_sets_active_reactivates_silently() -> None:
    """Deactivate, then a PUT from a stale copy with a new title and active: true: fails."""
    stale = user("bjensen", title="Tour Lead")
    traffic = traffic_of(
        create("bjensen", "u1"),
        patch("/Users/u1", ACTIVE_FALSE),
        scim_record("PUT", "/Users/u1", body=stale, response={**stale, "id": "u1"}),
    )
    result = verdict(traffic, "CLI-STA-003")
    assert result.outcome is Outcome.FAILED
    assert "changes title and sets active true for bjensen" in result.message
    assert "PATCH /Users/u1 (seq 2) deactivated" in result.message


def test_re_creating_a_user_the_server_deleted_on_deactivation_is_silent() -> None:
    """Deactivated (and deleted by the platform), then POSTed again active: fails."""
    traffic = traffic_of(
        create("bjensen", "u1"),
        patch("/Users/u1", ACTIVE_FALSE, findings=(EFFECT,)),
        lookup("bjensen"),
        create("bjensen", "u2"),
    )
    result = verdict(traffic, "CLI-STA-003")
    assert result.outcome is Outcome.FAILED
    assert "POST /Users (seq 4): re-creates bjensen active" in result.message


def test_re_creating_after_a_reactivation_attempt_answered_404_passes() -> None:
    """PATCH active=true answered 404, then POST: the client meant to reactivate."""
    traffic = traffic_of(
        create("bjensen", "u1"),
        patch("/Users/u1", ACTIVE_FALSE, findings=(EFFECT,)),
        patch("/Users/u1", ACTIVE_TRUE, status=404),
        create("bjensen", "u2"),
    )
    assert verdict(traffic, "CLI-STA-003").outcome is Outcome.PASSED


def test_creating_the_user_again_inactive_is_no_reactivation() -> None:
    """A re-create with active: false brings nobody back: nothing to judge for CLI-STA-003."""
    traffic = traffic_of(
        create("bjensen", "u1"),
        patch("/Users/u1", ACTIVE_FALSE, findings=(EFFECT,)),
        create("bjensen", "u2", active=False),
    )
    assert verdict(traffic, "CLI-STA-003").outcome is Outcome.NOT_EXERCISED


# -- CLI-CRT-010: externalId ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("external_id", "outcome"),
    [
        pytest.param("701984", Outcome.PASSED, id="present"),
        pytest.param("  ", Outcome.FAILED, id="blank"),
        pytest.param(None, Outcome.FAILED, id="absent"),
    ],
)
def test_user_creates_carry_an_external_id(external_id: str | None, outcome: Outcome) -> None:
    """A create without a non-empty externalId fails the SHOULD check CLI-CRT-010."""
    body = user("bjensen")
    body.pop("externalId")
    if external_id is not None:
        body["externalId"] = external_id
    traffic = traffic_of(
        scim_record("POST", "/Users", body=body, status=201, response={"id": "u1"})
    )
    assert verdict(traffic, "CLI-CRT-010").outcome is outcome
