"""Generated users and groups: reproducible, unique, complete, with edge cases on request."""

from __future__ import annotations

import json

import pytest
from scim_harness.simulated_client.generate.people import Population
from scim_harness.simulated_client.generate.population import (
    ascii_fold,
    generate_population,
    plan_group_renames,
    plan_user_updates,
)
from scim_harness.simulated_client.generate.vocabulary import EDGE_CASE_KINDS
from scim_harness.simulated_client.wire import ENTERPRISE_USER_SCHEMA, USER_SCHEMA


def _bodies(population: Population) -> bytes:
    users = [user.scim_body(manager_id=user.manager_key) for user in population.users]
    groups = [
        group.scim_body({u.key: u.key for u in population.users}) for group in population.groups
    ]
    return json.dumps([users, groups], ensure_ascii=False, sort_keys=False).encode()


def test_same_seed_gives_byte_identical_people() -> None:
    """Two generations with one seed produce the same users, groups and SCIM bodies."""
    first = generate_population(50, 6, seed=11, edge_cases=True)
    second = generate_population(50, 6, seed=11, edge_cases=True)
    assert first.users == second.users
    assert first.groups == second.groups
    assert _bodies(first) == _bodies(second)


def test_different_seeds_give_different_people() -> None:
    """Another seed gives other people."""
    first = generate_population(20, 2, seed=1)
    second = generate_population(20, 2, seed=2)
    assert [u.user_name for u in first.users] != [u.user_name for u in second.users]


def test_generation_touches_no_global_random_state() -> None:
    """Generating leaves the random module's global state alone."""
    import random

    random.seed(5)
    expected = random.random()
    random.seed(5)
    generate_population(30, 3, seed=9)
    assert random.random() == expected


def test_user_names_and_emails_are_unique_at_100000_users() -> None:
    """100,000 users have 100,000 distinct userNames and e-mails, compared without case."""
    population = generate_population(100_000, 0, seed=3)
    assert len({user.user_name.lower() for user in population.users}) == 100_000
    assert len({user.email.lower() for user in population.users}) == 100_000
    assert len({user.key for user in population.users}) == 100_000


@pytest.mark.parametrize(
    "extras", [pytest.param(True, id="extras"), pytest.param(False, id="minimal")]
)
def test_every_user_has_the_six_required_attributes(extras: bool) -> None:
    """userName, name.givenName, name.familyName, a work e-mail, displayName and active."""
    population = generate_population(200, 0, seed=4, edge_cases=True, extras=extras)
    for user in population.users:
        body = user.scim_body()
        assert body["schemas"][0] == USER_SCHEMA
        assert body["userName"]
        assert body["name"]["givenName"] and body["name"]["familyName"]
        assert [email["type"] for email in body["emails"]] == ["work"]
        assert body["displayName"]
        assert body["active"] is True


def test_minimal_users_carry_no_extras() -> None:
    """extras=False gives only the required attributes: no enterprise schema, no externalId."""
    body = generate_population(3, 0, seed=4, extras=False).users[1].scim_body()
    assert set(body) == {"schemas", "userName", "name", "displayName", "emails", "active"}
    assert body["schemas"] == [USER_SCHEMA]


def test_extras_include_a_mobile_phone_address_and_enterprise_attributes() -> None:
    """Across a population the optional attributes all appear, mobile phones included."""
    population = generate_population(100, 0, seed=8)
    bodies = [user.scim_body(manager_id=user.manager_key) for user in population.users]
    phone_types = {p["type"] for b in bodies for p in b.get("phoneNumbers", [])}
    assert phone_types == {"work", "mobile"}
    assert any("addresses" in b for b in bodies)
    assert all(b["preferredLanguage"] == "en-US" for b in bodies if "preferredLanguage" in b)
    extensions = [b[ENTERPRISE_USER_SCHEMA] for b in bodies if ENTERPRISE_USER_SCHEMA in b]
    assert all(
        ENTERPRISE_USER_SCHEMA in b["schemas"] for b in bodies if ENTERPRISE_USER_SCHEMA in b
    )
    assert {"employeeNumber", "department", "manager"} <= {k for e in extensions for k in e}


def test_managers_come_before_their_reports() -> None:
    """A manager key always names an earlier user that has no manager itself."""
    population = generate_population(300, 0, seed=6)
    position = {user.key: index for index, user in enumerate(population.users)}
    for index, user in enumerate(population.users):
        if user.manager_key is not None:
            assert position[user.manager_key] < index
            assert population.user(user.manager_key).manager_key is None


def test_edge_cases_appear_once_each_at_the_start() -> None:
    """With edge cases the first users are one of each kind, in order."""
    population = generate_population(10, 0, seed=2, edge_cases=True)
    kinds = tuple(user.edge_case for user in population.users[: len(EDGE_CASE_KINDS)])
    assert kinds == EDGE_CASE_KINDS
    by_kind = {user.edge_case: user for user in population.users}
    assert any(ord(char) > 127 for char in by_kind["non-ascii"].display_name)
    assert "'" in by_kind["apostrophe"].user_name
    assert '"' in by_kind["double-quote"].user_name
    assert '"' in by_kind["double-quote"].display_name
    assert len(by_kind["long"].display_name) > 100
    assert "+" in by_kind["plus-address"].email


def test_no_edge_cases_unless_asked() -> None:
    """Without edge cases every userName is a plain ASCII address."""
    population = generate_population(500, 0, seed=2)
    assert all(user.edge_case is None for user in population.users)
    assert all(user.user_name.isascii() and '"' not in user.user_name for user in population.users)


def test_locale_shapes_names_and_language() -> None:
    """A German locale gives German language tags and Berlin time."""
    population = generate_population(20, 0, seed=1, locale="de_DE")
    tagged = [user for user in population.users if user.preferred_language is not None]
    assert tagged and all(user.preferred_language == "de-DE" for user in tagged)
    assert all(user.timezone == "Europe/Berlin" for user in tagged)


def test_non_latin_locale_still_gives_ascii_user_names() -> None:
    """Names Faker writes in kanji still yield unique ASCII userNames."""
    population = generate_population(30, 0, seed=1, locale="ja_JP")
    assert all(user.user_name.isascii() for user in population.users)
    assert len({user.user_name for user in population.users}) == 30


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param({"users": -1}, "users must be zero or more", id="negative-users"),
        pytest.param({"groups": -2}, "groups must be zero or more", id="negative-groups"),
        pytest.param({"locale": "xx_XX"}, "unknown Faker locale", id="bad-locale"),
        pytest.param({"max_group_size": 0}, "max_group_size", id="empty-groups"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, object], message: str) -> None:
    """Impossible arguments raise ValueError saying what is wrong."""
    with pytest.raises(ValueError, match=message):
        generate_population(**arguments)  # type: ignore[arg-type]


def test_group_names_are_unique_and_members_are_generated_users() -> None:
    """Groups have unique names and members drawn from the population, within the cap."""
    population = generate_population(400, 120, seed=5, edge_cases=True, max_group_size=40)
    names = [group.display_name.lower() for group in population.groups]
    assert len(set(names)) == len(names)
    keys = {user.key for user in population.users}
    for group in population.groups:
        assert set(group.member_keys) <= keys
        assert 1 <= len(group.member_keys) <= 40
        assert len(set(group.member_keys)) == len(group.member_keys)


def test_department_groups_hold_people_of_that_department() -> None:
    """A group named after a department has only that department's people."""
    population = generate_population(500, 40, seed=5)
    department_groups = [g for g in population.groups if g.department is not None]
    assert department_groups
    for group in department_groups:
        departments = {population.user(key).department for key in group.member_keys}
        assert departments <= {group.department}


def test_group_body_lists_known_member_ids_only() -> None:
    """A group's SCIM body maps member keys to the ids given and skips unknown ones."""
    population = generate_population(5, 1, seed=3)
    group = population.groups[0]
    first = group.member_keys[0]
    body = group.scim_body({first: "id-1"})
    assert body["members"] == [{"value": "id-1"}]
    assert "members" not in group.scim_body()


def test_planned_updates_keep_user_names_and_change_names_and_emails() -> None:
    """An update gives a new family name, display name and unique e-mail, same userName."""
    population = generate_population(50, 0, seed=12)
    updated = plan_user_updates(population, population.users[:20], seed=12)
    emails = {user.email.lower() for user in population.users}
    for user in population.users[:20]:
        after = updated[user.key]
        assert after.user_name == user.user_name
        assert after.family_name != user.family_name
        assert after.display_name == f"{user.given_name} {after.family_name}"
        assert after.email.lower() not in emails
    assert len({after.email for after in updated.values()}) == 20
    assert updated == plan_user_updates(population, population.users[:20], seed=12)


def test_group_renames_are_unique() -> None:
    """Renamed groups get names no other group has."""
    names = {"g1": "Sales", "g2": "Sales Guild", "g3": "Legal"}
    renamed = plan_group_renames(names, ["g1", "g3"], seed=0)
    final = {**names, **renamed}
    assert len({name.lower() for name in final.values()}) == 3
    assert renamed["g1"].startswith("Sales ")


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        pytest.param("Zoë Ångström-Løvås", "zoe-angstrom-lovas", id="nordic"),
        pytest.param("Łukasz Żółkiewski", "lukasz-zolkiewski", id="polish"),
        pytest.param("O'Brien", "o'brien", id="apostrophe"),
        pytest.param("木村", "", id="kanji"),
    ],
)
def test_ascii_fold(name: str, folded: str) -> None:
    """Names fold to lower-case ASCII for e-mail local parts."""
    assert ascii_fold(name) == folded
