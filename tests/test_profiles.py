"""Each profile shapes requests the way the client it imitates does (CLIENT_BEHAVIOUR.md)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from scim_harness.simulated_client.generate.people import GeneratedUser
from scim_harness.simulated_client.generate.population import generate_population
from scim_harness.simulated_client.profiles import probes, shapes
from scim_harness.simulated_client.profiles.catalogue import (
    ENTRA,
    ENTRA_2020,
    NAIVE,
    OKTA,
    PROFILES,
    RFC,
    get_profile,
)
from scim_harness.simulated_client.wire import (
    ADSCIM_GROUP_SCHEMA,
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    PATCH_OP_SCHEMA,
    USER_SCHEMA,
    encode_query,
    eq_filter,
    resource_path,
)

PATCH = [PATCH_OP_SCHEMA]


@pytest.fixture(scope="module")
def users() -> tuple[GeneratedUser, ...]:
    return generate_population(12, 0, seed=21, edge_cases=True).users


def _ops(body: Any) -> list[dict[str, Any]]:
    assert body["schemas"] == PATCH
    operations: list[dict[str, Any]] = body["Operations"]
    return operations


def test_the_eight_profiles_are_registered() -> None:
    """rfc (the default), five IdPs (Entra in two variants) and naive can be chosen by name."""
    assert list(PROFILES) == [
        "rfc",
        "entra",
        "entra-2020",
        "okta",
        "onelogin",
        "jumpcloud",
        "pingfederate",
        "naive",
    ]
    assert get_profile("okta") is OKTA


def test_unknown_profile_names_the_known_ones() -> None:
    """An unknown name raises ValueError listing the profiles."""
    with pytest.raises(ValueError, match=r"unknown profile 'pingfed'.*rfc, entra"):
        get_profile("pingfed")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("bjensen", '"bjensen"', id="plain"),
        pytest.param('"bob smith"@x', r'"\"bob smith\"@x"', id="double-quote"),
        pytest.param("a\\b", r'"a\\b"', id="backslash"),
        pytest.param("o'brien", '"o\'brien"', id="apostrophe"),
        pytest.param("Zoë", '"Zoë"', id="non-ascii"),
    ],
)
def test_filter_values_are_json_strings(value: str, expected: str) -> None:
    """RFC 7644 §3.4.2.2: the compared value is a JSON string, quotes and backslashes escaped."""
    assert eq_filter("userName", value) == f"userName eq {expected}"


@pytest.mark.parametrize(
    ("spaces", "expected"),
    [
        pytest.param("plus", "filter=userName+eq+%22a%2Bb%40x%22&count=1", id="plus"),
        pytest.param("percent", "filter=userName%20eq%20%22a%2Bb%40x%22&count=1", id="percent"),
    ],
)
def test_query_encoding_of_spaces(spaces: Any, expected: str) -> None:
    """Entra writes spaces as '+', Okta as '%20'; a literal '+' is always '%2B'."""
    params = [("filter", eq_filter("userName", "a+b@x")), ("count", "1")]
    assert encode_query(params, spaces=spaces) == expected


def test_ids_are_escaped_as_one_path_segment() -> None:
    """An id with a slash or space cannot change the path (RFC 3986 §3.3)."""
    assert resource_path("/Users", "a/b c@d") == "/Users/a%2Fb%20c@d"


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        pytest.param(RFC, [("GET", "/ServiceProviderConfig", "")], id="rfc"),
        pytest.param(
            ENTRA,
            [
                ("GET", "/Users", "filter=userName+eq+%22probe-guid%22"),
                (
                    "GET",
                    "/Groups",
                    "excludedAttributes=members&filter=displayName+eq+%22probe-guid%22",
                ),
            ],
            id="entra",
        ),
        pytest.param(OKTA, [("GET", "/Users", "startIndex=1&count=2")], id="okta"),
        pytest.param(NAIVE, [("GET", "/Users", "")], id="naive"),
    ],
)
def test_connection_test_requests(profile: Any, expected: list[tuple[str, str, str]]) -> None:
    """Each client tests the connection its own way, with no body."""
    requests = [p.spec for p in probes.connection_probes(profile, probe="probe-guid")]
    assert [(r.method, r.path, r.query) for r in requests] == expected
    assert all(r.body is None for r in requests)


def test_entra_2020_puts_its_flag_first_in_every_query(users: tuple[GeneratedUser, ...]) -> None:
    """The aadOptscim062020 flag of the tenant URL precedes the filter."""
    request = shapes.lookup_user(ENTRA_2020, users[6])
    assert request.query.startswith("aadOptscim062020&filter=userName+eq+%22")
    assert shapes.delete_user(ENTRA_2020, "u1").query == "aadOptscim062020"


@pytest.mark.parametrize(
    ("profile", "query"),
    [
        pytest.param(RFC, "filter=userName%20eq%20%22tom.baker%2Bprovisioning%40{d}%22", id="rfc"),
        pytest.param(ENTRA, "filter=userName+eq+%22tom.baker%2Bprovisioning%40{d}%22", id="entra"),
        pytest.param(
            OKTA,
            "filter=userName%20eq%20%22tom.baker%2Bprovisioning%40{d}%22&startIndex=1&count=100",
            id="okta",
        ),
    ],
)
def test_user_lookup_query(users: tuple[GeneratedUser, ...], profile: Any, query: str) -> None:
    """A plus-addressed userName is looked up with '+' escaped and the client's extra params."""
    user = next(u for u in users if u.edge_case == "plus-address")
    domain = user.user_name.split("@")[1]
    request = shapes.lookup_user(profile, user)
    assert (request.method, request.path) == ("GET", "/Users")
    assert request.query == query.format(d=domain)


def test_lookup_can_match_on_the_work_email(users: tuple[GeneratedUser, ...]) -> None:
    """Entra's matching attribute is configurable, e.g. emails[type eq "work"].value."""
    profile = replace(ENTRA, user_match_attribute='emails[type eq "work"].value')
    request = shapes.lookup_user(profile, users[6])
    assert request.query.startswith("filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22")


@pytest.mark.parametrize(
    ("profile", "headers"),
    [
        pytest.param(
            RFC,
            {"Accept": "application/scim+json", "User-Agent": "scim-harness-simulated-client/0.1"},
            id="rfc",
        ),
        pytest.param(ENTRA, {}, id="entra"),
        pytest.param(
            OKTA,
            {
                "Accept": "application/scim+json",
                "Content-Type": "application/scim+json; charset=utf-8",
                "User-Agent": "Okta SCIM Client 1.0.0",
            },
            id="okta-even-on-get",
        ),
        pytest.param(
            NAIVE,
            {"Accept": "application/json", "User-Agent": "python-requests/2.31.0"},
            id="naive",
        ),
    ],
)
def test_headers_of_a_get(profile: Any, headers: dict[str, str]) -> None:
    """What each client puts in the headers of a bodiless request."""
    assert dict(shapes.get_user(profile, "u1").headers) == headers


@pytest.mark.parametrize(
    ("profile", "content_type"),
    [
        pytest.param(RFC, "application/scim+json", id="rfc"),
        pytest.param(ENTRA, "application/scim+json; charset=utf-8", id="entra"),
        pytest.param(OKTA, "application/scim+json; charset=utf-8", id="okta"),
        pytest.param(NAIVE, "application/json", id="naive"),
    ],
)
def test_content_type_of_a_create(
    users: tuple[GeneratedUser, ...], profile: Any, content_type: str
) -> None:
    """RFC 7644 §8.1 asks for application/scim+json; the careless client sends application/json."""
    headers = dict(shapes.create_user(profile, users[6]).headers)
    assert headers["Content-Type"] == content_type


def test_rfc_create_is_the_rfc_representation(users: tuple[GeneratedUser, ...]) -> None:
    """The rfc profile POSTs the RFC 7643 body, with the manager inline when known."""
    user = users[6]
    request = shapes.create_user(RFC, user, manager_id="m-1")
    assert (request.method, request.path) == ("POST", "/Users")
    assert request.body == user.scim_body(manager_id="m-1")
    assert request.body[ENTERPRISE_USER_SCHEMA]["manager"] == {"value": "m-1"}


def test_entra_create_matches_its_documented_shape(users: tuple[GeneratedUser, ...]) -> None:
    """Entra: enterprise schema listed, meta.resourceType, roles [], formatted name, no manager."""
    user = users[6]
    body = shapes.create_user(ENTRA, user, manager_id="m-1").body
    assert body["schemas"] == [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]
    assert body["meta"] == {"resourceType": "User"}
    assert body["roles"] == []
    assert body["active"] is True
    assert body["name"]["formatted"] == f"{user.given_name} {user.family_name}"
    assert body["emails"] == [{"value": user.email, "type": "work", "primary": True}]
    assert "manager" not in body[ENTERPRISE_USER_SCHEMA]
    assert "password" not in body


def test_okta_create_uses_the_core_schema_only(users: tuple[GeneratedUser, ...]) -> None:
    """Okta: core schema, 00u externalId, groups [], locale; no enterprise, no title."""
    user = users[6]
    body = shapes.create_user(OKTA, user, manager_id="m-1").body
    assert body["schemas"] == [USER_SCHEMA]
    assert body["externalId"].startswith("00u") and len(body["externalId"]) == 20
    assert body["groups"] == []
    assert body["name"] == {"givenName": user.given_name, "familyName": user.family_name}
    assert set(body) == {
        "schemas", "externalId", "userName", "name", "displayName", "emails", "locale",
        "active", "groups",
    }  # fmt: skip


def test_naive_create_sends_emails_without_type(users: tuple[GeneratedUser, ...]) -> None:
    """The careless client forgets the e-mail type."""
    body = shapes.create_user(NAIVE, users[6]).body
    assert body["emails"] == [{"value": users[6].email, "primary": True}]


def test_entra_sets_the_manager_in_a_separate_add() -> None:
    """Entra's manager PATCH: capitalised Add, full URN path, the id as a string."""
    request = shapes.set_manager(ENTRA, "u1", "m1")
    assert (request.method, request.path) == ("PATCH", "/Users/u1")
    path = f"{ENTERPRISE_USER_SCHEMA}:manager"
    assert _ops(request.body) == [{"op": "Add", "path": path, "value": "m1"}]
    assert _ops(shapes.set_manager(RFC, "u1", "m1").body)[0]["value"] == {"value": "m1"}


@pytest.mark.parametrize(
    ("profile", "active", "operation"),
    [
        pytest.param(RFC, False, {"op": "replace", "path": "active", "value": False}, id="rfc"),
        pytest.param(
            ENTRA, False, {"op": "Replace", "path": "active", "value": "False"}, id="entra"
        ),
        pytest.param(
            ENTRA, True, {"op": "Replace", "path": "active", "value": "True"}, id="entra-on"
        ),
        pytest.param(
            ENTRA_2020, False, {"op": "replace", "path": "active", "value": False}, id="entra-2020"
        ),
        pytest.param(OKTA, False, {"op": "replace", "value": {"active": False}}, id="okta"),
        pytest.param(OKTA, True, {"op": "replace", "value": {"active": True}}, id="okta-on"),
    ],
)
def test_deactivation_shapes(profile: Any, active: bool, operation: dict[str, Any]) -> None:
    """Deactivation as each client sends it: Entra's string "False", Okta's path-less value."""
    request = shapes.set_active(profile, "u1", active)
    assert (request.method, request.path) == ("PATCH", "/Users/u1")
    assert _ops(request.body) == [operation]


def test_deactivation_op_spelling_is_a_setting() -> None:
    """Entra has also been seen deactivating with op "Add"."""
    profile = replace(ENTRA, deactivate_op="add")
    assert _ops(shapes.set_active(profile, "u1", False).body)[0]["op"] == "Add"


def test_naive_has_no_active_false() -> None:
    """The careless client deletes instead of deactivating."""
    with pytest.raises(ValueError, match="DELETE"):
        shapes.set_active(NAIVE, "u1", False)


def _update_pair(users: tuple[GeneratedUser, ...]) -> tuple[GeneratedUser, GeneratedUser]:
    before = users[7]
    after = replace(
        before,
        family_name="Newname",
        display_name=f"{before.given_name} Newname",
        email="new@x.example.com",
        title="Chief Tester",
        department="Legal",
    )
    return before, after


def test_entra_updates_one_capitalised_op_per_attribute(users: tuple[GeneratedUser, ...]) -> None:
    """Entra's default job: one Replace with a path per changed attribute, in one PATCH."""
    before, after = _update_pair(users)
    operations = _ops(shapes.update_user(ENTRA, "u1", before, after).body)
    assert operations == [
        {"op": "Replace", "path": "displayName", "value": after.display_name},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "new@x.example.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Newname"},
        {"op": "Replace", "path": "name.formatted", "value": after.formatted_name},
        {"op": "Replace", "path": "title", "value": "Chief Tester"},
        {"op": "Replace", "path": f"{ENTERPRISE_USER_SCHEMA}:department", "value": "Legal"},
    ]


def test_entra_2020_merges_single_valued_changes_with_dotted_keys(
    users: tuple[GeneratedUser, ...],
) -> None:
    """With aadOptscim062020: the e-mail keeps its path; the rest is one path-less replace."""
    before, after = _update_pair(users)
    operations = _ops(shapes.update_user(ENTRA_2020, "u1", before, after).body)
    assert operations == [
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@x.example.com"},
        {
            "op": "replace",
            "value": {
                "displayName": after.display_name,
                "name.familyName": "Newname",
                "name.formatted": after.formatted_name,
                "title": "Chief Tester",
                f"{ENTERPRISE_USER_SCHEMA}:department": "Legal",
            },
        },
    ]


def test_a_removed_value_becomes_a_remove_with_a_path(users: tuple[GeneratedUser, ...]) -> None:
    """RFC 7644 §3.5.2.2: a value that went away is removed by path."""
    before = replace(users[7], title="Boss")
    after = replace(before, title=None)
    assert _ops(shapes.update_user(RFC, "u1", before, after).body) == [
        {"op": "remove", "path": "title"}
    ]


def test_okta_updates_by_get_then_put(users: tuple[GeneratedUser, ...]) -> None:
    """Okta PUTs the object it read, echoing id, meta and groups, with the changes applied."""
    before, after = _update_pair(users)
    with pytest.raises(ValueError, match="GET then PUT"):
        shapes.update_user(OKTA, "u1", before, after)
    current = {
        "schemas": [USER_SCHEMA],
        "id": "u1",
        "meta": {"resourceType": "User", "version": 'W/"1"'},
        "userName": before.user_name,
        "name": {"givenName": before.given_name, "familyName": before.family_name},
        "emails": [{"value": before.email, "type": "work", "primary": True}],
        "groups": [],
        "active": True,
    }
    request = shapes.put_user(OKTA, "u1", current, after)
    assert (request.method, request.path) == ("PUT", "/Users/u1")
    assert request.body["id"] == "u1"
    assert request.body["meta"] == current["meta"]
    assert request.body["groups"] == []
    assert request.body["name"]["familyName"] == "Newname"
    assert request.body["emails"][0]["value"] == "new@x.example.com"
    assert request.body["active"] is True
    assert current["name"]["familyName"] == before.family_name  # the read copy is untouched


def test_naive_updates_by_put_of_its_own_copy(users: tuple[GeneratedUser, ...]) -> None:
    """The careless client PUTs its local data without reading the server's."""
    before, after = _update_pair(users)
    request = shapes.update_user(NAIVE, "u1", before, after)
    assert (request.method, request.path) == ("PUT", "/Users/u1")
    assert "id" not in request.body
    assert request.body["name"]["familyName"] == "Newname"


def test_entra_group_create_and_lookup() -> None:
    """Entra: ADSCIM schema, externalId, meta, no members; lookup without members."""
    group = generate_population(3, 1, seed=2).groups[0]
    body = shapes.create_group(ENTRA, group).body
    assert body == {
        "schemas": [GROUP_SCHEMA, ADSCIM_GROUP_SCHEMA],
        "externalId": group.external_id,
        "displayName": group.display_name,
        "meta": {"resourceType": "Group"},
    }
    lookup = shapes.lookup_group(ENTRA, 'R&D "X"')
    assert (
        lookup.query == "excludedAttributes=members&filter=displayName+eq+%22R%26D+%5C%22X%5C%22%22"
    )


def test_okta_group_create_has_empty_members_and_no_external_id() -> None:
    """Okta: {schemas, displayName, members: []}."""
    group = generate_population(3, 1, seed=2).groups[0]
    body = shapes.create_group(OKTA, group).body
    assert body == {"schemas": [GROUP_SCHEMA], "displayName": group.display_name, "members": []}


@pytest.mark.parametrize(
    ("profile", "bodies"),
    [
        pytest.param(
            ENTRA,
            [
                [{"op": "Remove", "path": "members", "value": [{"value": "u3"}, {"value": "u4"}]}],
                [
                    {
                        "op": "Add",
                        "path": "members",
                        "value": [{"$ref": None, "value": "u1"}, {"$ref": None, "value": "u2"}],
                    }
                ],
            ],
            id="entra-value-list",
        ),
        pytest.param(
            ENTRA_2020,
            [
                [
                    {"op": "remove", "path": 'members[value eq "u3"]'},
                    {"op": "remove", "path": 'members[value eq "u4"]'},
                ],
                [
                    {
                        "op": "add",
                        "path": "members",
                        "value": [{"$ref": None, "value": "u1"}, {"$ref": None, "value": "u2"}],
                    }
                ],
            ],
            id="entra-2020-filter",
        ),
        pytest.param(
            OKTA,
            [
                [
                    {"op": "remove", "path": 'members[value eq "u3"]'},
                    {"op": "remove", "path": 'members[value eq "u4"]'},
                    {
                        "op": "add",
                        "path": "members",
                        "value": [
                            {"value": "u1", "display": "one"},
                            {"value": "u2", "display": "two"},
                        ],
                    },
                ]
            ],
            id="okta-one-patch",
        ),
        pytest.param(
            RFC,
            [
                [
                    {"op": "remove", "path": 'members[value eq "u3"]'},
                    {"op": "remove", "path": 'members[value eq "u4"]'},
                ],
                [{"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]}],
            ],
            id="rfc",
        ),
    ],
)
def test_membership_change_shapes(profile: Any, bodies: list[list[dict[str, Any]]]) -> None:
    """Adds and removes as each client sends them (removes first)."""
    requests = shapes.change_members(
        profile, "g1", add=[("u1", "one"), ("u2", "two")], remove=["u3", "u4"]
    )
    assert all((r.method, r.path) == ("PATCH", "/Groups/g1") for r in requests)
    assert [_ops(r.body) for r in requests] == bodies


def test_members_per_patch_splits_additions() -> None:
    """A batch size sends the additions in several operations, one PATCH each."""
    profile = replace(RFC, members_per_patch=2)
    requests = shapes.change_members(profile, "g1", add=[(f"u{i}", "") for i in range(5)])
    assert [len(_ops(r.body)[0]["value"]) for r in requests] == [2, 2, 1]


def test_no_change_no_request() -> None:
    """Nothing to add or remove sends nothing."""
    assert shapes.change_members(OKTA, "g1") == []
    assert shapes.change_members(RFC, "g1") == []


@pytest.mark.parametrize(
    ("profile", "operation"),
    [
        pytest.param(RFC, {"op": "replace", "path": "displayName", "value": "New"}, id="rfc"),
        pytest.param(ENTRA, {"op": "Replace", "path": "displayName", "value": "New"}, id="entra"),
        pytest.param(
            ENTRA_2020, {"op": "replace", "value": {"displayName": "New"}}, id="entra-2020"
        ),
        pytest.param(
            OKTA, {"op": "replace", "value": {"id": "g1", "displayName": "New"}}, id="okta-with-id"
        ),
    ],
)
def test_group_rename_shapes(profile: Any, operation: dict[str, Any]) -> None:
    """Renames: a path, a path-less value, or Okta's path-less value echoing the id."""
    assert _ops(shapes.rename_group(profile, "g1", "New").body) == [operation]


def test_deletes_have_no_body() -> None:
    """DELETE /Users/{id} and /Groups/{id} (RFC 7644 §3.6) carry no body."""
    for request in (shapes.delete_user(RFC, "u1"), shapes.delete_group(OKTA, "g1")):
        assert request.method == "DELETE" and request.body is None
