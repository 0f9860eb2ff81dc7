"""PATCH ``add`` (RFC 7644 §3.5.2.1) on Users and Groups, every path form."""

from __future__ import annotations

import pytest
from patch_support import (
    ALICE,
    BOB,
    CAROL,
    GROUP_ID,
    USER_ID,
    emails_by_type,
    group,
    member_ids,
    op,
    run,
    user,
)
from scim_harness.reference_server.protocol.errors import (
    InvalidPath,
    InvalidValue,
    Mutability,
    NoTarget,
)
from scim_harness.reference_server.protocol.schema import CORE_USER, ENTERPRISE_USER

# --- Users: attributes and sub-attributes -------------------------------------------------


def test_add_sets_an_unassigned_simple_attribute() -> None:
    """An add to an attribute with no value gives it the value."""
    result = run(user(), op("add", "nickName", "Babs"))
    assert result.resource["nickName"] == "Babs"
    assert result.outcome.changed


def test_add_to_a_single_valued_attribute_replaces_its_value() -> None:
    """RFC 7644 §3.5.2.1: adding to a single-valued attribute replaces the existing value."""
    result = run(user(), op("add", "displayName", "Barbara Jensen"))
    assert result.resource["displayName"] == "Barbara Jensen"


def test_add_sub_attribute_keeps_the_other_sub_attributes() -> None:
    """``name.middleName`` is added next to the given and family names."""
    result = run(user(), op("add", "name.middleName", "Jane"))
    assert result.resource["name"] == {
        "formatted": "Ms. Barbara J Jensen",
        "familyName": "Jensen",
        "givenName": "Barbara",
        "middleName": "Jane",
    }


def test_add_complex_value_merges_sub_attributes() -> None:
    """An object added to ``name`` merges into it sub-attribute by sub-attribute."""
    result = run(user(), op("add", "name", {"honorificPrefix": "Ms.", "givenName": "Barb"}))
    assert result.resource["name"]["honorificPrefix"] == "Ms."
    assert result.resource["name"]["givenName"] == "Barb"
    assert result.resource["name"]["familyName"] == "Jensen"


def test_add_to_a_multi_valued_attribute_appends() -> None:
    """RFC 7644 §3.5.2.1: a new email is appended to the existing ones."""
    result = run(user(), op("add", "emails", [{"value": "b@other.example", "type": "other"}]))
    assert [e["value"] for e in result.resource["emails"]] == [
        "bjensen@example.com",
        "babs@jensen.org",
        "b@other.example",
    ]


def test_add_of_a_value_already_present_changes_nothing() -> None:
    """RFC 7644 §3.5.2.1: an equal value is not added twice, and the resource is unchanged."""
    result = run(user(), op("add", "emails", [{"value": "BJensen@Example.com", "type": "work"}]))
    assert len(result.resource["emails"]) == 2
    assert not result.outcome.changed


def test_added_primary_value_clears_primary_on_the_others() -> None:
    """RFC 7643 §2.4: ``primary: true`` appears on at most one value."""
    added = {"value": "b@other.example", "type": "other", "primary": True}
    result = run(user(), op("add", "emails", [added]))
    primaries = [e["value"] for e in result.resource["emails"] if e.get("primary")]
    assert primaries == ["b@other.example"]


def test_add_with_value_filter_and_sub_attribute_changes_only_matching_values() -> None:
    """``emails[type eq "home"].display`` sets display on the home email only."""
    result = run(user(), op("add", 'emails[type eq "home"].display', "Home"))
    by_type = emails_by_type(result.resource)
    assert by_type["home"]["display"] == "Home"
    assert "display" not in by_type["work"]


def test_add_with_value_filter_and_object_merges_into_matching_values() -> None:
    """An object added at ``addresses[type eq "work"]`` merges into the work address."""
    result = run(user(), op("add", 'addresses[type eq "work"]', {"locality": "Burbank"}))
    address = result.resource["addresses"][0]
    assert address["locality"] == "Burbank"
    assert address["streetAddress"] == "100 Universal City Plaza"


def test_add_with_a_non_equality_filter_matching_nothing_is_no_target() -> None:
    """A filter that matches nothing and describes no new value answers noTarget."""
    with pytest.raises(NoTarget, match=r"Operations\[0\]"):
        run(user(), op("add", 'emails[value co "@nowhere"].display', "x"))


def test_add_to_an_unknown_attribute_is_invalid_path() -> None:
    """A path naming no attribute of the resource type is invalidPath."""
    with pytest.raises(InvalidPath):
        run(user(), op("add", "favouriteColour", "blue"))


def test_add_of_the_wrong_json_type_is_invalid_value() -> None:
    """A string for the complex ``name`` is invalidValue."""
    with pytest.raises(InvalidValue):
        run(user(), op("add", "name", "Barbara Jensen"))


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("id", id="id"),
        pytest.param("meta.lastModified", id="meta-sub"),
        pytest.param("groups", id="groups"),
    ],
)
def test_add_to_a_read_only_attribute_is_mutability(path: str) -> None:
    """RFC 7644 §3.5.2: read-only attributes cannot be the target of an add."""
    with pytest.raises(Mutability):
        run(user(), op("add", path, "x"))


# --- Users: the enterprise extension --------------------------------------------------------


def test_add_with_an_extension_urn_path_sets_the_extension_attribute() -> None:
    """``urn:...:enterprise:2.0:User:costCenter`` lands in the extension's object."""
    result = run(user(), op("add", f"{ENTERPRISE_USER}:costCenter", "4130"))
    assert result.resource[ENTERPRISE_USER]["costCenter"] == "4130"
    assert result.resource[ENTERPRISE_USER]["department"] == "Tour Operations"


def test_add_of_the_bare_extension_urn_merges_its_object() -> None:
    """The bare extension URN with an object adds its attributes, keeping the others."""
    value = {"division": "Theme Park", "manager": {"value": "m-2"}}
    result = run(user(), op("add", ENTERPRISE_USER, value))
    ext = result.resource[ENTERPRISE_USER]
    assert ext["division"] == "Theme Park"
    assert ext["employeeNumber"] == "701984"
    assert ext["manager"]["value"] == "m-2"


def test_add_of_an_extension_attribute_lists_the_extension_in_schemas() -> None:
    """A User without the extension gains its URN in ``schemas`` (RFC 7643 §3)."""
    stored = user(schemas=[CORE_USER])
    del stored[ENTERPRISE_USER]
    result = run(stored, op("add", f"{ENTERPRISE_USER}:department", "Sales"))
    assert result.resource["schemas"] == [CORE_USER, ENTERPRISE_USER]
    assert result.resource[ENTERPRISE_USER] == {"department": "Sales"}


def test_add_of_manager_value_through_the_urn_path() -> None:
    """``...:User:manager.value`` sets the manager's id and keeps the rest of manager."""
    result = run(user(), op("add", f"{ENTERPRISE_USER}:manager.value", "m-3"))
    assert result.resource[ENTERPRISE_USER]["manager"]["value"] == "m-3"


# --- Path-less add ----------------------------------------------------------------------------


def test_pathless_add_merges_a_partial_resource_with_nested_objects() -> None:
    """RFC 7644 §3.5.2.1: each attribute of the value is added as if it were the path."""
    value = {
        "nickName": "Babs",
        "name": {"middleName": "Jane"},
        "emails": [{"value": "b@other.example", "type": "other"}],
        ENTERPRISE_USER: {"costCenter": "4130"},
    }
    result = run(user(), op("add", value=value))
    resource = result.resource
    assert resource["nickName"] == "Babs"
    assert resource["name"]["middleName"] == "Jane"
    assert resource["name"]["familyName"] == "Jensen"
    assert len(resource["emails"]) == 3
    assert resource[ENTERPRISE_USER]["costCenter"] == "4130"
    assert resource[ENTERPRISE_USER]["department"] == "Tour Operations"
    assert result.finding_ids == []


def test_pathless_add_of_a_non_object_is_invalid_value() -> None:
    """A path-less add needs an object of attributes."""
    with pytest.raises(InvalidValue):
        run(user(), op("add", value=["nickName", "Babs"]))


# --- Groups: membership ------------------------------------------------------------------------


def test_add_members_appends_and_reports_the_added_ids() -> None:
    """A members add with a list appends each member and names it in added_members."""
    stored = group((ALICE, "Alice"))
    result = run(stored, op("add", "members", [{"value": BOB}, {"value": CAROL}]))
    assert member_ids(result.resource) == [ALICE, BOB, CAROL]
    assert result.outcome.added_members == [BOB, CAROL]
    assert result.outcome.removed_members == []


def test_add_of_an_existing_member_changes_nothing() -> None:
    """A member already in the group is identified by its value and not added twice."""
    stored = group((ALICE, "Alice"))
    result = run(stored, op("add", "members", [{"value": ALICE, "type": "User"}]))
    assert result.resource["members"] == stored["members"]
    assert not result.outcome.changed
    assert result.outcome.added_members == []


def test_add_members_to_a_group_without_members() -> None:
    """The first member creates the members attribute."""
    result = run(group(), op("add", "members", [{"value": ALICE}]))
    assert result.resource["members"] == [{"value": ALICE}]
    assert result.outcome.added_members == [ALICE]


def test_entra_add_member_with_null_ref_stores_no_ref() -> None:
    """Entra ID's ``{"$ref": null, "value": id}`` adds the member; the null is no value."""
    result = run(group(), op("Add", "members", [{"$ref": None, "value": ALICE}]))
    assert result.resource["members"] == [{"value": ALICE}]


def test_okta_member_display_is_ignored_as_read_only() -> None:
    """RFC 7643 §2.2: ``members[].display`` is read-only, so the value given is ignored."""
    result = run(group(), op("add", "members", [{"value": ALICE, "display": "Alice"}]))
    assert result.resource["members"] == [{"value": ALICE}]
    assert "INFO-READONLY-IGNORED" in result.finding_ids


def test_pathless_add_of_members_appends() -> None:
    """A path-less add of ``members`` appends like an add at ``members``."""
    result = run(group((ALICE, "Alice")), op("add", value={"members": [{"value": BOB}]}))
    assert member_ids(result.resource) == [ALICE, BOB]


def test_add_member_display_by_path_is_mutability() -> None:
    """``members[value eq "..."].display`` is read-only: an explicit target is refused."""
    with pytest.raises(Mutability):
        run(group((ALICE, "Alice")), op("add", f'members[value eq "{ALICE}"].display', "A"))


def test_add_member_type_to_a_member_without_one_is_allowed() -> None:
    """RFC 7644 §3.5.2: an immutable sub-attribute may be added while it has no value."""
    stored = group(members=[{"value": ALICE}])
    result = run(stored, op("add", f'members[value eq "{ALICE}"].type', "User"))
    assert result.resource["members"] == [{"value": ALICE, "type": "User"}]


def test_user_and_group_ids_are_kept() -> None:
    """The engine never touches ``id``."""
    assert run(user(), op("add", "nickName", "B")).resource["id"] == USER_ID
    assert run(group(), op("add", "displayName", "G")).resource["id"] == GROUP_ID


def test_add_at_a_filter_on_an_unknown_sub_attribute_is_no_target() -> None:
    """A misspelt filter (``tpye``) matches nothing and describes no value: noTarget."""
    with pytest.raises(NoTarget):
        run(user(), op("add", 'emails[tpye eq "work"].value', "b@example.com"))


def test_path_names_are_case_insensitive() -> None:
    """RFC 7643 §2.1: ``EMAILS[TYPE eq "work"].VALUE`` is ``emails[type eq "work"].value``."""
    result = run(user(), op("add", 'EMAILS[TYPE eq "work"].VALUE', "b@example.com"))
    assert emails_by_type(result.resource)["work"]["value"] == "b@example.com"
    assert (
        run(user(), op("add", ENTERPRISE_USER.upper(), {"DIVISION": "Parks"})).resource[
            ENTERPRISE_USER
        ]["division"]
        == "Parks"
    )


def test_add_of_external_id_a_common_attribute() -> None:
    """``externalId`` (RFC 7643 §3.1) is writable by PATCH."""
    result = run(user(), op("add", "externalId", "new-ext"))
    assert result.resource["externalId"] == "new-ext"
