"""PATCH ``replace`` (RFC 7644 §3.5.2.3) on Users and Groups, every path form."""

from __future__ import annotations

from typing import Any

import pytest
from patch_support import (
    ALICE,
    BOB,
    CAROL,
    emails_by_type,
    group,
    member,
    member_ids,
    op,
    run,
    user,
)
from scim_harness.reference_server.protocol.errors import InvalidValue, Mutability, NoTarget
from scim_harness.reference_server.protocol.schema import ENTERPRISE_USER

# --- Users -------------------------------------------------------------------------------------


def test_replace_of_a_simple_attribute() -> None:
    """``displayName`` takes the new value."""
    result = run(user(), op("replace", "displayName", "Barbara J."))
    assert result.resource["displayName"] == "Barbara J."


def test_replace_of_an_unassigned_attribute_adds_it() -> None:
    """RFC 7644 §3.5.2.3: a target attribute with no value is treated as an add."""
    result = run(user(), op("replace", "title", "Tour Guide"))
    assert result.resource["title"] == "Tour Guide"


def test_replace_with_null_unassigns_the_attribute() -> None:
    """RFC 7643 §2.5: null is no value, so replacing with null removes the attribute."""
    result = run(user(), op("replace", "displayName", None))
    assert "displayName" not in result.resource


def test_replace_of_a_sub_attribute_leaves_the_others() -> None:
    """``name.familyName`` changes the family name only."""
    result = run(user(), op("replace", "name.familyName", "Jensen-Smith"))
    assert result.resource["name"]["familyName"] == "Jensen-Smith"
    assert result.resource["name"]["givenName"] == "Barbara"


def test_replace_of_a_complex_attribute_merges() -> None:
    """RFC 7644 §3.5.2.3: sub-attributes not in the value are left unchanged."""
    result = run(user(), op("replace", "name", {"givenName": "Barb"}))
    assert result.resource["name"]["givenName"] == "Barb"
    assert result.resource["name"]["familyName"] == "Jensen"


def test_replace_of_a_multi_valued_attribute_replaces_all_values() -> None:
    """RFC 7644 §3.5.2.3: without a filter, all values are replaced."""
    emails = [{"value": "barbara@example.com", "type": "work", "primary": True}]
    result = run(user(), op("replace", "emails", emails))
    assert result.resource["emails"] == emails


def test_replace_with_filter_and_sub_attribute_changes_only_matching_values() -> None:
    """Entra ID's ``emails[type eq "work"].value`` changes the work email only."""
    result = run(user(), op("replace", 'emails[type eq "work"].value', "barbara@example.com"))
    by_type = emails_by_type(result.resource)
    assert by_type["work"] == {"value": "barbara@example.com", "type": "work", "primary": True}
    assert by_type["home"] == {"value": "babs@jensen.org", "type": "home"}


def test_replace_of_address_locality_by_filter() -> None:
    """``addresses[type eq "work"].locality`` changes the locality of the work address."""
    result = run(user(), op("replace", 'addresses[type eq "work"].locality', "Burbank"))
    assert result.resource["addresses"][0]["locality"] == "Burbank"
    assert result.resource["addresses"][0]["region"] == "CA"


def test_replace_with_filter_and_object_merges_into_matching_values() -> None:
    """``emails[type eq "home"]`` with an object replaces the sub-attributes it gives."""
    result = run(user(), op("replace", 'emails[type eq "home"]', {"value": "b@home.example"}))
    assert emails_by_type(result.resource)["home"] == {"value": "b@home.example", "type": "home"}


def test_replace_setting_primary_clears_it_on_the_other_values() -> None:
    """RFC 7643 §2.4: the home email becomes primary and the work email stops being it."""
    result = run(user(), op("replace", 'emails[type eq "home"].primary', True))
    by_type = emails_by_type(result.resource)
    assert by_type["home"]["primary"] is True
    assert by_type["work"]["primary"] is False


def test_replace_with_two_primary_values_is_invalid_value() -> None:
    """RFC 7643 §2.4: a list with two primary values is refused."""
    emails = [
        {"value": "a@example.com", "type": "work", "primary": True},
        {"value": "b@example.com", "type": "home", "primary": True},
    ]
    with pytest.raises(InvalidValue, match="primary"):
        run(user(), op("replace", "emails", emails))


@pytest.mark.parametrize(
    "lenient", [pytest.param(True, id="lenient"), pytest.param(False, id="strict")]
)
def test_replace_with_a_filter_matching_nothing_is_no_target(lenient: bool) -> None:
    """RFC 7644 §3.5.2.3: no match for the value filter is noTarget, in both modes."""
    with pytest.raises(NoTarget):
        run(user(), op("replace", 'emails[type eq "other"].value', "x@y.z"), lenient=lenient)


def test_replace_of_an_extension_attribute_by_urn_path() -> None:
    """``urn:...:enterprise:2.0:User:department`` replaces the department."""
    result = run(user(), op("replace", f"{ENTERPRISE_USER}:department", "Sales"))
    assert result.resource[ENTERPRISE_USER]["department"] == "Sales"
    assert result.resource[ENTERPRISE_USER]["employeeNumber"] == "701984"


def test_replace_of_manager_value_by_urn_path() -> None:
    """Entra ID's manager PATCH: ``...:User:manager.value`` replaces the manager id."""
    result = run(user(), op("replace", f"{ENTERPRISE_USER}:manager.value", "m-9"))
    assert result.resource[ENTERPRISE_USER]["manager"]["value"] == "m-9"


def test_replace_of_manager_object_ignores_read_only_display_name() -> None:
    """RFC 7643 §2.2: ``manager.displayName`` is read-only; the value given is ignored."""
    value = {"value": "m-9", "displayName": "Someone Else"}
    result = run(user(), op("replace", f"{ENTERPRISE_USER}:manager", value))
    manager = result.resource[ENTERPRISE_USER]["manager"]
    assert manager["value"] == "m-9"
    assert manager["displayName"] == "John Smith"
    assert "INFO-READONLY-IGNORED" in result.finding_ids


def test_pathless_replace_of_active_deactivates() -> None:
    """Okta's deactivation: ``{"op": "replace", "value": {"active": false}}``."""
    result = run(user(), op("replace", value={"active": False}), lenient=False)
    assert result.resource["active"] is False
    assert result.finding_ids == []


def test_pathless_replace_merges_complex_and_replaces_multi_valued() -> None:
    """Path-less replace: ``name`` merges, ``emails`` is replaced, the extension merges."""
    value = {
        "name": {"familyName": "Smith"},
        "emails": [{"value": "b@smith.example", "type": "work"}],
        ENTERPRISE_USER: {"department": "Sales"},
    }
    resource = run(user(), op("replace", value=value)).resource
    assert resource["name"]["givenName"] == "Barbara"
    assert resource["name"]["familyName"] == "Smith"
    assert resource["emails"] == [{"value": "b@smith.example", "type": "work"}]
    assert resource[ENTERPRISE_USER]["department"] == "Sales"
    assert resource[ENTERPRISE_USER]["employeeNumber"] == "701984"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param("id", "other-id", id="id"),
        pytest.param("meta.version", 'W/"9"', id="meta-version"),
        pytest.param("meta", {"resourceType": "User"}, id="meta"),
        pytest.param("groups", [{"value": "g"}], id="groups"),
    ],
)
def test_replace_of_a_read_only_target_is_mutability(path: str, value: Any) -> None:
    """RFC 7644 §3.5.2: a client MUST NOT modify a read-only attribute."""
    with pytest.raises(Mutability):
        run(user(), op("replace", path, value))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param("active", 5, id="number-for-boolean"),
        pytest.param("userName", ["a"], id="array-for-string"),
        pytest.param("emails", "b@example.com", id="string-for-multi-valued"),
        pytest.param('emails[type eq "work"]', "b@example.com", id="string-for-one-value"),
        pytest.param('emails[type eq "work"].primary', "yes", id="string-for-primary"),
    ],
)
def test_replace_with_a_value_of_the_wrong_type_is_invalid_value(path: str, value: Any) -> None:
    """A value that does not fit the attribute's type is invalidValue (RFC 7644 §3.12)."""
    with pytest.raises(InvalidValue):
        run(user(), op("replace", path, value))


# --- Groups ------------------------------------------------------------------------------------


def test_rename_group_by_path() -> None:
    """Entra ID's rename: ``Replace`` at ``displayName``."""
    result = run(group((ALICE, "Alice")), op("Replace", "displayName", "Guides"))
    assert result.resource["displayName"] == "Guides"
    assert result.resource["members"] == [member(ALICE, "Alice")]


def test_full_members_replace_reports_both_deltas_and_keeps_unchanged_members() -> None:
    """Okta's full push: members not in the list go, new ones come, kept ones keep display."""
    stored = group((ALICE, "Alice"), (BOB, "Bob"))
    result = run(stored, op("replace", "members", [{"value": BOB}, {"value": CAROL}]))
    assert result.resource["members"] == [member(BOB, "Bob"), {"value": CAROL}]
    assert result.outcome.added_members == [CAROL]
    assert result.outcome.removed_members == [ALICE]


def test_replace_members_with_an_empty_list_removes_all() -> None:
    """An empty array is no value (RFC 7643 §2.5): every member is removed."""
    result = run(group((ALICE, "Alice"), (BOB, "Bob")), op("replace", "members", []))
    assert "members" not in result.resource
    assert result.outcome.removed_members == [ALICE, BOB]


def test_replace_of_a_member_value_with_another_is_mutability() -> None:
    """RFC 7644 §3.5.2: ``members.value`` is immutable once set."""
    with pytest.raises(Mutability):
        run(group((ALICE, "Alice")), op("replace", f'members[value eq "{ALICE}"].value', BOB))


def test_replace_of_a_member_with_a_different_value_object_is_mutability() -> None:
    """Replacing the matched member with another id changes an immutable value."""
    with pytest.raises(Mutability):
        run(group((ALICE, "Alice")), op("replace", f'members[value eq "{ALICE}"]', {"value": BOB}))


def test_replace_of_a_member_value_with_the_same_value_changes_nothing() -> None:
    """An immutable value may be "replaced" by itself."""
    stored = group((ALICE, "Alice"))
    result = run(stored, op("replace", f'members[value eq "{ALICE}"].value', ALICE))
    assert not result.outcome.changed
    assert member_ids(result.resource) == [ALICE]
