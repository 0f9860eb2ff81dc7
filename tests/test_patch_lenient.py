"""Shapes real clients send that the RFC does not allow: lenient mode takes them, strict refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from patch_support import (
    ALICE,
    BOB,
    CAROL,
    GROUP_ID,
    USER_ID,
    emails_by_type,
    group,
    member,
    member_ids,
    op,
    run,
    user,
)
from scim_harness.reference_server.protocol.errors import Mutability, ScimError
from scim_harness.reference_server.protocol.findings import FINDINGS
from scim_harness.reference_server.protocol.schema import CORE_USER, ENTERPRISE_USER

Check = Callable[[dict[str, Any]], bool]
TWO_MEMBERS = ((ALICE, "Alice"), (BOB, "Bob"))

SHAPES = [
    pytest.param(
        user(),
        [op("Replace", "displayName", "Barbara")],
        "LENIENT-OP-CASE",
        "invalidSyntax",
        lambda r: r["displayName"] == "Barbara",
        id="op-capitalised",
    ),
    pytest.param(
        user(),
        [op("ADD", "nickName", "Babs")],
        "LENIENT-OP-CASE",
        "invalidSyntax",
        lambda r: r["nickName"] == "Babs",
        id="op-upper-case",
    ),
    pytest.param(
        user(),
        [op("replace", "active", "False")],
        "LENIENT-STRING-BOOLEAN",
        "invalidValue",
        lambda r: r["active"] is False,
        id="string-boolean-at-path",
    ),
    pytest.param(
        user(),
        [op("replace", value={"active": "false"})],
        "LENIENT-STRING-BOOLEAN",
        "invalidValue",
        lambda r: r["active"] is False,
        id="string-boolean-pathless",
    ),
    pytest.param(
        user(),
        [op("replace", value={"name.givenName": "Barb", "name.familyName": "Smith"})],
        "LENIENT-DOTTED-KEY",
        "invalidValue",
        lambda r: r["name"]["givenName"] == "Barb" and r["name"]["familyName"] == "Smith",
        id="dotted-keys",
    ),
    pytest.param(
        user(),
        [op("replace", value={f"{ENTERPRISE_USER}:department": "Sales", "displayName": "B"})],
        "LENIENT-DOTTED-KEY",
        "invalidValue",
        lambda r: r[ENTERPRISE_USER]["department"] == "Sales" and r["displayName"] == "B",
        id="urn-path-key",
    ),
    pytest.param(
        user(),
        [op("add", "emails", {"value": "b@other.example", "type": "other"})],
        "LENIENT-SINGLE-AS-ARRAY",
        "invalidValue",
        lambda r: len(r["emails"]) == 3,
        id="emails-as-one-object",
    ),
    pytest.param(
        group(*TWO_MEMBERS),
        [op("remove", "members", [{"value": ALICE}])],
        "LENIENT-MEMBERS-REMOVE-LIST",
        "invalidValue",
        lambda r: member_ids(r) == [BOB],
        id="members-remove-with-value-list",
    ),
    pytest.param(
        group(*TWO_MEMBERS),
        [op("replace", value={"id": GROUP_ID, "displayName": "Guides"})],
        "LENIENT-READONLY-ECHO",
        "mutability",
        lambda r: r["displayName"] == "Guides" and r["id"] == GROUP_ID,
        id="okta-rename-echoes-id",
    ),
    pytest.param(
        user(),
        [op("replace", value={"meta": {"resourceType": "User"}, "title": "Guide"})],
        "LENIENT-READONLY-ECHO",
        "mutability",
        lambda r: r["title"] == "Guide",
        id="partial-meta-echo",
    ),
    pytest.param(
        user(),
        [op("replace", value={"schemas": [CORE_USER, ENTERPRISE_USER], "title": "Guide"})],
        "LENIENT-READONLY-ECHO",
        "mutability",
        lambda r: r["title"] == "Guide",
        id="schemas-echo",
    ),
    pytest.param(
        user(),
        [op("add", 'emails[type eq "other"].value', "b@other.example")],
        "LENIENT-ADD-FILTER-CREATES",
        "noTarget",
        lambda r: emails_by_type(r)["other"] == {"type": "other", "value": "b@other.example"},
        id="add-at-unmatched-filter",
    ),
]


@pytest.mark.parametrize(("stored", "operations", "finding", "scim_type", "check"), SHAPES)
def test_lenient_mode_accepts_the_shape_and_records_its_finding(
    stored: dict[str, Any],
    operations: list[dict[str, Any]],
    finding: str,
    scim_type: str,
    check: Check,
) -> None:
    """In lenient mode the shape is applied as the client meant, with its finding id."""
    result = run(stored, *operations, lenient=True)
    assert check(result.resource)
    assert finding in result.finding_ids
    assert finding in FINDINGS


@pytest.mark.parametrize(("stored", "operations", "finding", "scim_type", "check"), SHAPES)
def test_strict_mode_refuses_the_shape_with_its_scim_type(
    stored: dict[str, Any],
    operations: list[dict[str, Any]],
    finding: str,
    scim_type: str,
    check: Check,
) -> None:
    """In strict mode the same request is refused with the scimType the RFC deviation calls for."""
    with pytest.raises(ScimError) as caught:
        run(stored, *operations, lenient=False)
    assert caught.value.scim_type == scim_type
    assert finding in caught.value.detail


@pytest.mark.parametrize(
    "lenient", [pytest.param(True, id="lenient"), pytest.param(False, id="strict")]
)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"id": "another-id", "displayName": "Guides"}, id="id"),
        pytest.param({"meta": {"resourceType": "Group", "version": 'W/"1"'}}, id="meta"),
        pytest.param({"schemas": []}, id="schemas"),
    ],
)
def test_read_only_attribute_with_a_different_value_is_mutability(
    value: dict[str, Any], lenient: bool
) -> None:
    """A read-only attribute sent with a value unlike the stored one is refused in both modes."""
    with pytest.raises(Mutability):
        run(group(*TWO_MEMBERS), op("replace", value=value), lenient=lenient)


def test_schemas_naming_an_extension_the_value_adds_is_not_a_deviation() -> None:
    """``schemas`` plus the enterprise URN, with enterprise attributes in the value, is fine."""
    stored = user(schemas=[CORE_USER])
    del stored[ENTERPRISE_USER]
    value = {"schemas": [CORE_USER, ENTERPRISE_USER], ENTERPRISE_USER: {"department": "Sales"}}
    result = run(stored, op("add", value=value), lenient=False)
    assert result.resource["schemas"] == [CORE_USER, ENTERPRISE_USER]


# --- Whole requests as the clients send them ------------------------------------------------


def test_entra_default_job_update_applies_in_lenient_mode() -> None:
    """Entra ID's default job: capitalised ops, one per attribute, filter and URN paths."""
    result = run(
        user(),
        op("Replace", 'emails[type eq "work"].value', "barbara@example.com"),
        op("Replace", "name.familyName", "Jensen-Smith"),
        op("Add", f"{ENTERPRISE_USER}:department", "Retail"),
        op("Replace", 'addresses[type eq "work"].formatted', "18/2111"),
    )
    resource = result.resource
    assert emails_by_type(resource)["work"]["value"] == "barbara@example.com"
    assert resource["name"]["familyName"] == "Jensen-Smith"
    assert resource[ENTERPRISE_USER]["department"] == "Retail"
    assert resource["addresses"][0]["formatted"] == "18/2111"
    assert set(result.finding_ids) == {"LENIENT-OP-CASE"}


def test_entra_deactivation_with_add_and_string_false() -> None:
    """Seen from Entra ID: ``{"op": "Add", "path": "active", "value": "False"}`` deactivates."""
    result = run(user(), op("Add", "active", "False"))
    assert result.resource["active"] is False
    assert set(result.finding_ids) == {"LENIENT-OP-CASE", "LENIENT-STRING-BOOLEAN"}


def test_entra_remove_with_value_list_removes_only_the_listed_members() -> None:
    """Entra's remove of two listed members keeps the third and reports the two removed."""
    stored = group((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol"))
    result = run(stored, op("Remove", "members", [{"value": ALICE}, {"value": CAROL}]))
    assert result.resource["members"] == [member(BOB, "Bob")]
    assert result.outcome.removed_members == [ALICE, CAROL]


def test_entra_remove_with_value_list_of_absent_members_changes_nothing() -> None:
    """A value list naming only non-members removes nobody, succeeds, and says so."""
    result = run(group((ALICE, "Alice")), op("remove", "members", [{"value": CAROL}]))
    assert not result.outcome.changed
    ids = result.finding_ids
    assert ids == ["LENIENT-MEMBERS-REMOVE-LIST", "INFO-REMOVE-NO-MATCH"]


def test_okta_membership_change_is_a_remove_and_an_add() -> None:
    """Okta's pair: remove ``members[value eq id]`` then add ``members`` with value and display."""
    stored = group(*TWO_MEMBERS)
    result = run(
        stored,
        op("remove", f'members[value eq "{ALICE}"]'),
        op("add", "members", [{"value": CAROL, "display": "Carol"}]),
    )
    assert member_ids(result.resource) == [BOB, CAROL]
    assert result.outcome.removed_members == [ALICE]
    assert result.outcome.added_members == [CAROL]


def test_okta_rename_with_echoed_id_keeps_members() -> None:
    """Okta's rename leaves the membership as it was."""
    result = run(group(*TWO_MEMBERS), op("replace", value={"id": GROUP_ID, "displayName": "G"}))
    assert member_ids(result.resource) == [ALICE, BOB]
    assert result.outcome.added_members == result.outcome.removed_members == []


def test_unknown_attribute_in_a_pathless_value_is_dropped_in_lenient_mode() -> None:
    """Unknown attributes in a path-less value follow normalize: dropped, with a finding."""
    result = run(user(), op("replace", value={"favouriteColour": "blue", "title": "Guide"}))
    assert result.resource["title"] == "Guide"
    assert "favouriteColour" not in result.resource
    assert "LENIENT-UNKNOWN-ATTRIBUTE" in result.finding_ids


def test_lenient_findings_name_the_operation() -> None:
    """Each finding's detail says which operation it is about."""
    result = run(user(), op("replace", "title", "Guide"), op("Replace", "nickName", "B"))
    assert [f.detail.split(":")[0] for f in result.findings.items] == ["Operations[1]"]
    assert result.resource["id"] == USER_ID


def test_entra_merged_replace_with_dotted_filter_and_urn_keys() -> None:
    """Entra ID with ``aadOptscim062020``: one path-less replace whose keys are paths."""
    value = {
        "displayName": "Barbara Jensen",
        "name.familyName": "Jensen-Smith",
        'emails[type eq "work"].value': "barbara@example.com",
        f"{ENTERPRISE_USER}:department": "Retail",
        "active": True,
    }
    result = run(user(), op("replace", value=value))
    resource = result.resource
    assert resource["displayName"] == "Barbara Jensen"
    assert resource["name"]["familyName"] == "Jensen-Smith"
    assert emails_by_type(resource)["work"]["value"] == "barbara@example.com"
    assert resource[ENTERPRISE_USER]["department"] == "Retail"
    assert result.finding_ids == ["LENIENT-DOTTED-KEY"] * 3


def test_manager_as_bare_id_is_tolerated_with_a_finding() -> None:
    """Entra ID's `{"path": "...:manager", "value": "<id>"}` becomes manager.value in lenient mode."""
    from scim_harness.reference_server.patch.engine import apply_patch
    from scim_harness.reference_server.protocol.findings import Findings
    from scim_harness.reference_server.protocol.schema import ENTERPRISE_USER, resource_type

    user = {"schemas": [resource_type("User").schema.id], "id": "u1", "userName": "a"}
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": f"{ENTERPRISE_USER}:manager", "value": "boss-id"}],
    }
    findings = Findings(lenient=True)
    out = apply_patch(resource_type("User"), user, body, findings).resource
    assert out[ENTERPRISE_USER]["manager"] == {"value": "boss-id"}
    assert [f.id for f in findings.items] == ["LENIENT-COMPLEX-AS-STRING"]


def test_manager_as_bare_id_is_refused_in_strict_mode() -> None:
    """Strict mode refuses a bare string for a complex attribute with invalidValue."""
    import pytest
    from scim_harness.reference_server.patch.engine import apply_patch
    from scim_harness.reference_server.protocol.errors import InvalidValue
    from scim_harness.reference_server.protocol.findings import Findings
    from scim_harness.reference_server.protocol.schema import ENTERPRISE_USER, resource_type

    user = {"schemas": [resource_type("User").schema.id], "id": "u1", "userName": "a"}
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": f"{ENTERPRISE_USER}:manager", "value": "boss-id"}],
    }
    with pytest.raises(InvalidValue):
        apply_patch(resource_type("User"), user, body, Findings(lenient=False))
