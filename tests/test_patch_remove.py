"""PATCH ``remove`` (RFC 7644 §3.5.2.2) on Users and Groups, every path form."""

from __future__ import annotations

import pytest
from patch_support import ALICE, BOB, CAROL, emails_by_type, group, member_ids, op, run, user
from scim_harness.reference_server.protocol.errors import Mutability, NoTarget
from scim_harness.reference_server.protocol.schema import CORE_USER, ENTERPRISE_USER

# --- Users -------------------------------------------------------------------------------------


def test_remove_without_a_path_is_no_target() -> None:
    """RFC 7644 §3.5.2.2: remove with no path fails with noTarget."""
    with pytest.raises(NoTarget):
        run(user(), op("remove"))


def test_remove_of_a_simple_attribute_unassigns_it() -> None:
    """The attribute and its value are gone."""
    result = run(user(), op("remove", "displayName"))
    assert "displayName" not in result.resource


def test_remove_of_an_unassigned_attribute_changes_nothing() -> None:
    """Removing what has no value leaves the resource as it was."""
    result = run(user(), op("remove", "nickName"))
    assert not result.outcome.changed


def test_remove_of_a_sub_attribute_keeps_the_others() -> None:
    """``name.formatted`` goes; given and family names stay."""
    result = run(user(), op("remove", "name.formatted"))
    assert result.resource["name"] == {"familyName": "Jensen", "givenName": "Barbara"}


def test_remove_of_a_multi_valued_attribute_removes_all_values() -> None:
    """RFC 7644 §3.5.2.2: without a filter, the attribute and all its values are removed."""
    result = run(user(), op("remove", "emails"))
    assert "emails" not in result.resource


def test_remove_with_a_filter_removes_only_matching_values() -> None:
    """RFC 7644 §3.5.2.2: ``emails[type eq "home"]`` removes the home email only."""
    result = run(user(), op("remove", 'emails[type eq "home"]'))
    assert list(emails_by_type(result.resource)) == ["work"]


def test_remove_with_a_filter_and_sub_attribute_removes_only_that_sub_attribute() -> None:
    """``addresses[type eq "work"].region`` removes the region of the work address."""
    result = run(user(), op("remove", 'addresses[type eq "work"].region'))
    address = result.resource["addresses"][0]
    assert "region" not in address
    assert address["locality"] == "Hollywood"


def test_removing_the_last_value_by_filter_unassigns_the_attribute() -> None:
    """RFC 7644 §3.5.2.2: with no values left, the attribute is unassigned."""
    result = run(user(), op("remove", 'phoneNumbers[type eq "work"]'))
    assert "phoneNumbers" not in result.resource


@pytest.mark.parametrize(
    "path",
    [
        pytest.param('emails[type eq "other"]', id="no-match"),
        pytest.param('ims[type eq "aim"]', id="unassigned-attribute"),
        pytest.param('emails[type eq "other"].display', id="no-match-with-sub-attribute"),
    ],
)
@pytest.mark.parametrize("lenient", [True, False], ids=["lenient", "strict"])
def test_remove_with_a_filter_matching_nothing_succeeds_and_changes_nothing(
    path: str, lenient: bool
) -> None:
    """Removing what is not there succeeds (IdPs and scim2-server agree) and says so."""
    result = run(user(), op("remove", path), lenient=lenient)
    assert not result.outcome.changed
    assert result.resource == user()
    assert result.finding_ids == ["INFO-REMOVE-NO-MATCH"]


def test_remove_of_an_extension_attribute_by_urn_path() -> None:
    """``urn:...:enterprise:2.0:User:department`` removes the department only."""
    result = run(user(), op("remove", f"{ENTERPRISE_USER}:department"))
    assert "department" not in result.resource[ENTERPRISE_USER]
    assert result.resource[ENTERPRISE_USER]["employeeNumber"] == "701984"


def test_remove_of_the_manager() -> None:
    """``...:User:manager`` removes the manager and leaves the other extension attributes."""
    result = run(user(), op("remove", f"{ENTERPRISE_USER}:manager"))
    assert "manager" not in result.resource[ENTERPRISE_USER]


def test_remove_of_the_bare_extension_urn_drops_it_from_schemas() -> None:
    """The whole extension goes, and so does its URN in ``schemas`` (RFC 7643 §3)."""
    result = run(user(), op("remove", ENTERPRISE_USER))
    assert ENTERPRISE_USER not in result.resource
    assert result.resource["schemas"] == [CORE_USER]


def test_removing_the_last_extension_attribute_drops_the_extension() -> None:
    """An extension left with no attributes is removed with its ``schemas`` entry."""
    stored = user()
    stored[ENTERPRISE_USER] = {"department": "Tour Operations"}
    result = run(stored, op("remove", f"{ENTERPRISE_USER}:department"))
    assert ENTERPRISE_USER not in result.resource
    assert ENTERPRISE_USER not in result.resource["schemas"]


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("id", id="id"),
        pytest.param("meta", id="meta"),
        pytest.param("meta.lastModified", id="meta-sub"),
        pytest.param("groups", id="groups"),
    ],
)
def test_remove_of_a_read_only_attribute_is_mutability(path: str) -> None:
    """RFC 7644 §3.5.2.2: removing a read-only attribute is a mutability error."""
    with pytest.raises(Mutability):
        run(user(), op("remove", path))


# --- Groups ------------------------------------------------------------------------------------


def test_remove_member_by_value_filter() -> None:
    """``members[value eq "<id>"]`` removes that member only and reports it."""
    stored = group((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol"))
    result = run(stored, op("remove", f'members[value eq "{BOB}"]'), lenient=False)
    assert member_ids(result.resource) == [ALICE, CAROL]
    assert result.outcome.removed_members == [BOB]
    assert result.outcome.added_members == []


def test_remove_of_a_member_not_in_the_group_keeps_the_add_beside_it() -> None:
    """Okta's add + remove of a non-member in one PatchOp: the add is applied, nothing lost."""
    result = run(
        group((ALICE, "Alice")),
        op("add", "members", [{"value": CAROL}]),
        op("remove", f'members[value eq "{BOB}"]'),
        lenient=False,
    )
    assert member_ids(result.resource) == [ALICE, CAROL]
    assert result.outcome.removed_members == []
    assert "INFO-REMOVE-NO-MATCH" in result.finding_ids


def test_remove_of_members_without_a_value_removes_every_member() -> None:
    """RFC 7644 §3.5.2.2: remove at ``members`` with no value removes them all."""
    result = run(group((ALICE, "Alice"), (BOB, "Bob")), op("remove", "members"), lenient=False)
    assert "members" not in result.resource
    assert result.outcome.removed_members == [ALICE, BOB]


def test_remove_of_a_member_value_is_mutability() -> None:
    """``members[...].value`` is immutable: removing it is refused."""
    with pytest.raises(Mutability):
        run(group((ALICE, "Alice")), op("remove", f'members[value eq "{ALICE}"].value'))


def test_remove_of_a_member_display_is_mutability() -> None:
    """``members[...].display`` is read-only: removing it is refused."""
    with pytest.raises(Mutability):
        run(group((ALICE, "Alice")), op("remove", f'members[value eq "{ALICE}"].display'))
