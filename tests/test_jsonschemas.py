"""The JSON Schemas in fixtures/schemas/json, the samples and mappings, and their messages."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from scim_harness.reference_server.protocol import jsonschemas
from scim_harness.reference_server.protocol.errors import InvalidSyntax, InvalidValue
from scim_harness.reference_server.protocol.jsonschemas import (
    SCHEMA_NAMES,
    check,
    validation_errors,
    validator,
)

from scim_harness import fixtures

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

VALID_SAMPLES = [
    ("rfc7643-8.1-user-minimal.json", "user"),
    ("rfc7643-8.2-user-full.json", "user"),
    ("rfc7643-8.3-enterprise-user.json", "user"),
    ("rfc7643-8.4-group.json", "group"),
    ("rfc7643-8.5-service-provider-config.json", "service-provider-config"),
    ("rfc7643-8.6-resource-type-user.json", "resource-type"),
    ("rfc7643-8.6-resource-type-group.json", "resource-type"),
    ("rfc7644-3.4.2-list-response.json", "list-response"),
    ("rfc7644-3.4.3-search-request.json", "search-request"),
    ("rfc7644-3.5.2-patch-add-member.json", "patch-op"),
    ("rfc7644-3.5.2-patch-remove-member.json", "patch-op"),
    ("rfc7644-3.5.2-patch-replace-emails.json", "patch-op"),
    ("rfc7644-3.7-bulk-request.json", "bulk-request"),
    ("rfc7644-3.7-bulk-response.json", "bulk-response"),
    ("rfc7644-3.7-bulk-response-error.json", "bulk-response"),
    ("rfc7644-3.12-error-uniqueness.json", "error"),
    ("rfc7644-3.12-error-not-found.json", "error"),
    ("rfc7644-3.12-error-mutability.json", "error"),
]

INVALID_SAMPLES = [
    ("invalid-user-missing-username.json", "user", ["userName: required attribute is missing"]),
    (
        "invalid-user-wrong-types.json",
        "user",
        [
            "active: \"True\" is not of type 'boolean'",
            "emails[0].value: 42 is not of type 'string'",
        ],
    ),
    (
        "invalid-user-two-primary-emails.json",
        "user",
        ["emails: more than 1 value(s) marked primary"],
    ),
    (
        "invalid-patch-bad-op.json",
        "patch-op",
        ['Operations[0].op: "merge" is not one of "add", "remove", "replace"'],
    ),
    (
        "invalid-patch-remove-without-path.json",
        "patch-op",
        ["Operations[0].path: required attribute is missing"],
    ),
    (
        "invalid-group-member-without-value.json",
        "group",
        ["members[0].value: required attribute is missing"],
    ),
]

DIRECTORY_USER: dict[str, Any] = {
    "id": "2819c223-7f76-453a-919d-413861904646",
    "username": "bjensen@example.com",
    "firstName": "Barbara",
    "lastName": "Jensen",
    "email": "bjensen@example.com",
    "displayName": "Babs Jensen",
    "status": "active",
    "attributes": {"department": "Tour Operations", "floor": 3, "remote": False, "badge": None},
    "updatedAt": "2011-05-13T04:42:34Z",
}
DIRECTORY_GROUP: dict[str, Any] = {
    "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
    "groupName": "Tour Guides",
    "members": ["bjensen@example.com"],
    "attributes": {},
    "updatedAt": "2011-05-13T04:42:34Z",
}


def sample(file_name: str) -> Any:
    return fixtures.load_json("samples", file_name)


def refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` string anywhere in a schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


# --- the schema files -------------------------------------------------------------------


def test_schema_names_are_exactly_the_files_on_disk() -> None:
    """SCHEMA_NAMES lists every file in fixtures/schemas/json, sorted, and nothing else."""
    on_disk = sorted(
        p.name.removesuffix(".schema.json")
        for p in fixtures.path("schemas", "json").glob("*.schema.json")
    )
    assert list(SCHEMA_NAMES) == on_disk


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    """Each schema passes the draft 2020-12 metaschema and declares that dialect."""
    schema = jsonschemas.schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_id_is_its_published_file_url(name: str) -> None:
    """Each $id is https://scim-harness.dev/schemas/<file name>."""
    assert jsonschemas.schema(name)["$id"] == f"https://scim-harness.dev/schemas/{name}.schema.json"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_ref_resolves_through_the_registry(name: str) -> None:
    """Every $ref in a schema resolves, relative to that schema's $id."""
    base = jsonschemas.schema(name)["$id"]
    resolver = jsonschemas.registry().resolver(base)
    found = list(refs(jsonschemas.schema(name)))
    for ref in found:
        resolver.lookup(ref)  # raises referencing.exceptions.Unresolvable if it does not
    if name == "user":
        assert "https://scim-harness.dev/schemas/enterprise-user.schema.json" in found


def test_unknown_schema_name_is_refused() -> None:
    """Asking for a schema that does not exist names the known ones."""
    with pytest.raises(KeyError, match="patch-op"):
        validator("patchop")


def test_validators_are_built_once() -> None:
    """The same compiled validator comes back on every call."""
    assert validator("user") is validator("user")


# --- samples ----------------------------------------------------------------------------


def test_every_sample_is_covered_by_a_test() -> None:
    """Each file in fixtures/samples is listed as a valid or an invalid sample."""
    listed = {f for f, _ in VALID_SAMPLES} | {f for f, _, _ in INVALID_SAMPLES}
    on_disk = {p.name for p in fixtures.path("samples").glob("*.json")}
    assert on_disk == listed


@pytest.mark.parametrize(("file_name", "name"), VALID_SAMPLES, ids=[f for f, _ in VALID_SAMPLES])
def test_rfc_sample_is_valid(file_name: str, name: str) -> None:
    """Each RFC example validates against its schema."""
    assert validation_errors(name, sample(file_name)) == []


@pytest.mark.parametrize(
    ("file_name", "name", "expected"), INVALID_SAMPLES, ids=[f for f, _, _ in INVALID_SAMPLES]
)
def test_invalid_sample_is_rejected_with_a_message_naming_the_path(
    file_name: str, name: str, expected: list[str]
) -> None:
    """Each invalid sample breaks exactly the rule it was written to break."""
    assert validation_errors(name, sample(file_name)) == expected


@pytest.mark.parametrize(
    "file_name",
    [
        "rfc7643-8.7.1-user.json",
        "rfc7643-8.7.1-group.json",
        "rfc7643-8.7.1-enterprise-user.json",
    ],
)
def test_schema_representations_validate_against_the_schema_schema(file_name: str) -> None:
    """The /Schemas representations in fixtures/schemas/definitions are well-formed (§7)."""
    assert (
        validation_errors("schema", fixtures.load_json("schemas", "definitions", file_name)) == []
    )


# --- SCIM resources ---------------------------------------------------------------------


def test_null_means_unassigned_for_optional_attributes() -> None:
    """RFC 7643 §2.5: null is accepted for optional attributes, and Entra's "$ref": null too."""
    user = {"schemas": [CORE_USER], "userName": "a", "displayName": None, "emails": None}
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "g",
        "members": [{"$ref": None, "value": "2819c223"}],
    }
    assert validation_errors("user", user) == []
    assert validation_errors("group", group) == []


def test_required_attributes_do_not_accept_null() -> None:
    """userName null is a type error, not an unassigned value."""
    assert validation_errors("user", {"schemas": [CORE_USER], "userName": None}) == [
        "userName: null is not of type 'string'"
    ]


def test_unknown_top_level_attributes_are_left_to_other_layers() -> None:
    """A User with an attribute no schema defines still validates."""
    user = {"schemas": [CORE_USER, "urn:example:custom"], "userName": "a", "costume": "pirate"}
    assert validation_errors("user", user) == []


def test_schemas_must_name_the_core_user_schema() -> None:
    """RFC 7643 §3: a User's schemas lists the core User URN."""
    assert validation_errors("user", {"schemas": [ENTERPRISE], "userName": "a"}) == [
        f'schemas: must contain "{CORE_USER}"'
    ]


def test_empty_user_name_is_rejected() -> None:
    """userName is a non-empty string."""
    assert validation_errors("user", {"schemas": [CORE_USER], "userName": ""}) == [
        "userName: must not be empty"
    ]


def test_extension_attribute_paths_use_scim_urn_notation() -> None:
    """RFC 7644 §3.10: an extension attribute's path is the URN, ':', then the attribute."""
    user = {
        "schemas": [CORE_USER, ENTERPRISE],
        "userName": "a",
        ENTERPRISE: {"manager": {"value": 7}},
    }
    assert validation_errors("user", user) == [
        f"{ENTERPRISE}:manager.value: 7 is not of type 'string'"
    ]


def test_a_body_that_is_not_an_object_is_reported_at_the_root() -> None:
    """A JSON array where a resource belongs is reported at (root)."""
    assert validation_errors("user", []) == ["(root): [] is not of type 'object'"]


def test_messages_are_sorted_by_path() -> None:
    """Several problems come back in path order, whatever order jsonschema found them in."""
    user = {
        "schemas": [CORE_USER],
        "userName": "a",
        "title": 1,
        "emails": [{"value": 1}, {"value": "x", "primary": "yes"}],
        "active": "no",
    }
    assert validation_errors("user", user) == [
        "active: \"no\" is not of type 'boolean'",
        "emails[0].value: 1 is not of type 'string'",
        "emails[1].primary: \"yes\" is not of type 'boolean'",
        "title: 1 is not of type 'string'",
    ]


def test_group_member_type_is_user_or_group() -> None:
    """RFC 7643 §4.2: a member's type is "User" or "Group"."""
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "g",
        "members": [{"value": "1", "type": "user"}],
    }
    assert validation_errors("group", group) == [
        'members[0].type: "user" is not one of "User", "Group"'
    ]


# --- protocol messages ------------------------------------------------------------------


def test_patch_op_is_matched_in_lower_case_only() -> None:
    """ "Add" is rejected: the server lower-cases op (recording a finding) before validating."""
    body = sample("rfc7644-3.5.2-patch-add-member.json")
    body["Operations"][0]["op"] = "Add"
    assert validation_errors("patch-op", body) == [
        'Operations[0].op: "Add" is not one of "add", "remove", "replace"'
    ]


def test_patch_needs_at_least_one_operation() -> None:
    """RFC 7644 §3.5.2: Operations is a non-empty array."""
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}
    assert validation_errors("patch-op", body) == ["Operations: must not be empty"]


@pytest.mark.parametrize("op", ["add", "replace"])
def test_patch_add_and_replace_carry_a_value(op: str) -> None:
    """RFC 7644 §3.5.2.1, §3.5.2.3: add and replace need a value."""
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": op, "path": "displayName"}],
    }
    assert validation_errors("patch-op", body) == [
        "Operations[0].value: required attribute is missing"
    ]


def test_list_response_with_results_needs_resources() -> None:
    """RFC 7644 §3.4.2: Resources is required when totalResults is non-zero."""
    listing = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 1}
    assert validation_errors("list-response", listing) == [
        "Resources: required attribute is missing"
    ]
    listing["totalResults"] = 0
    assert validation_errors("list-response", listing) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("startIndex", 0, "startIndex: 0 is less than the minimum of 1", id="start-0"),
        pytest.param("count", -1, "count: -1 is less than the minimum of 0", id="count-negative"),
        pytest.param(
            "sortOrder",
            "up",
            'sortOrder: "up" is not one of "ascending", "descending"',
            id="sort-order",
        ),
        pytest.param(
            "attributes", "userName", "attributes: \"userName\" is not of type 'array'", id="attrs"
        ),
    ],
)
def test_search_request_parameters_are_checked(field: str, value: Any, message: str) -> None:
    """RFC 7644 §3.4.3: the search parameters have their types and ranges."""
    body = sample("rfc7644-3.4.3-search-request.json")
    body[field] = value
    assert validation_errors("search-request", body) == [message]


def test_error_status_is_a_string() -> None:
    """RFC 7644 §3.12: status is the HTTP code as a JSON string."""
    body = sample("rfc7644-3.12-error-uniqueness.json")
    body["status"] = 409
    assert validation_errors("error", body) == ["status: 409 is not of type 'string'"]


def test_error_scim_type_is_one_of_the_rfc_values() -> None:
    """RFC 7644 §3.12 Table 9: scimType comes from a closed list."""
    body = sample("rfc7644-3.12-error-uniqueness.json")
    body["scimType"] = "conflict"
    [message] = validation_errors("error", body)
    assert message.startswith('scimType: "conflict" is not one of "invalidFilter"')


def test_bulk_post_needs_a_bulk_id_and_data() -> None:
    """RFC 7644 §3.7: a POST operation carries bulkId and data."""
    body = sample("rfc7644-3.7-bulk-request.json")
    del body["Operations"][0]["bulkId"]
    del body["Operations"][0]["data"]
    assert validation_errors("bulk-request", body) == [
        "Operations[0].bulkId: required attribute is missing",
        "Operations[0].data: required attribute is missing",
    ]


def test_bulk_response_failure_carries_an_error_body() -> None:
    """RFC 7644 §3.7: an operation that failed includes its error response."""
    body = sample("rfc7644-3.7-bulk-response-error.json")
    body["Operations"][0]["response"]["status"] = 400
    assert validation_errors("bulk-response", body) == [
        "Operations[0].response.status: 400 is not of type 'string'"
    ]
    del body["Operations"][0]["response"]
    assert validation_errors("bulk-response", body) == [
        "Operations[0].response: required attribute is missing"
    ]


def test_bulk_response_success_carries_a_location() -> None:
    """RFC 7644 §3.7: location is required except for a failed POST."""
    body = sample("rfc7644-3.7-bulk-response.json")
    del body["Operations"][1]["location"]
    assert validation_errors("bulk-response", body) == [
        "Operations[1].location: required attribute is missing"
    ]


# --- platform records and mappings ------------------------------------------------------


def test_directory_user_record_is_valid() -> None:
    """A complete platform user record validates."""
    assert validation_errors("directory-user", DIRECTORY_USER) == []


@pytest.mark.parametrize(
    "attribute", ["id", "username", "firstName", "lastName", "email", "displayName", "status"]
)
def test_directory_user_without_a_required_attribute_is_rejected(attribute: str) -> None:
    """Each of the record's required attributes is required."""
    record = copy.deepcopy(DIRECTORY_USER)
    del record[attribute]
    assert validation_errors("directory-user", record) == [
        f"{attribute}: required attribute is missing"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"nickname": "Babs"}, "nickname: attribute is not allowed here", id="extra"),
        pytest.param(
            {"status": "disabled"},
            'status: "disabled" is not one of "active", "inactive"',
            id="status",
        ),
        pytest.param(
            {"attributes": {"tags": ["a"]}},
            "attributes.tags: [\"a\"] is not of type 'string', 'number', 'boolean', 'null'",
            id="attribute-list",
        ),
    ],
)
def test_directory_user_shape_is_closed(change: dict[str, Any], message: str) -> None:
    """The platform record allows no extra attributes and only scalar mapped values."""
    assert validation_errors("directory-user", {**DIRECTORY_USER, **change}) == [message]


def test_directory_group_record_is_valid() -> None:
    """A complete platform group record validates."""
    assert validation_errors("directory-group", DIRECTORY_GROUP) == []


@pytest.mark.parametrize("attribute", ["id", "groupName", "members"])
def test_directory_group_without_a_required_attribute_is_rejected(attribute: str) -> None:
    """Each of the group record's required attributes is required."""
    record = copy.deepcopy(DIRECTORY_GROUP)
    del record[attribute]
    assert validation_errors("directory-group", record) == [
        f"{attribute}: required attribute is missing"
    ]


def test_directory_group_name_is_not_empty() -> None:
    """A group needs a name."""
    assert validation_errors("directory-group", {**DIRECTORY_GROUP, "groupName": ""}) == [
        "groupName: must not be empty"
    ]


@pytest.mark.parametrize("file_name", ["default.json", "example-extended.json"])
def test_shipped_mappings_are_valid(file_name: str) -> None:
    """The mappings in fixtures/mappings validate against mapping.schema.json."""
    assert validation_errors("mapping", fixtures.load_json("mappings", file_name)) == []


def test_default_mapping_requires_the_six_platform_attributes() -> None:
    """The default mapping fills the six required user attributes and the group name."""
    mapping = fixtures.load_json("mappings", "default.json")
    users = {row["platform"]: row for row in mapping["users"]}
    assert sorted(users) == sorted(
        ["username", "firstName", "lastName", "email", "displayName", "status"]
    )
    assert all(row["required"] for row in users.values())
    assert users["status"] == {
        "platform": "status",
        "scim": "active",
        "required": True,
        "transform": "activeToStatus",
    }
    assert mapping["groups"] == [{"platform": "groupName", "scim": "displayName", "required": True}]
    assert mapping["options"] == {"deleteOnDeactivate": False}


def test_mapping_row_rejects_unknown_keys_and_transforms() -> None:
    """A typo in a mapping row is caught, not ignored."""
    mapping = fixtures.load_json("mappings", "default.json")
    mapping["users"][0]["requried"] = True
    mapping["users"][1]["transform"] = "capitalize"
    assert validation_errors("mapping", mapping) == [
        "users[0].requried: attribute is not allowed here",
        'users[1].transform: "capitalize" is not one of "lower", "upper", "trim", "activeToStatus"',
    ]


# --- check() ----------------------------------------------------------------------------


def test_check_accepts_a_valid_body() -> None:
    """check() returns quietly for a valid instance."""
    check("user", sample("rfc7643-8.1-user-minimal.json"))


def test_check_raises_invalid_value_with_every_message() -> None:
    """By default a broken resource is an invalidValue naming each problem."""
    with pytest.raises(InvalidValue) as caught:
        check("user", sample("invalid-user-wrong-types.json"))
    assert caught.value.detail == (
        "active: \"True\" is not of type 'boolean'; emails[0].value: 42 is not of type 'string'"
    )
    assert caught.value.body()["scimType"] == "invalidValue"


def test_check_raises_the_error_class_it_is_given() -> None:
    """A protocol message can be refused as invalidSyntax instead."""
    with pytest.raises(InvalidSyntax, match=r"Operations\[0\]\.op"):
        check("patch-op", sample("invalid-patch-bad-op.json"), InvalidSyntax)


def test_check_caps_the_number_of_messages() -> None:
    """A body with very many problems gets the first twenty and a count of the rest."""
    user = {"schemas": [CORE_USER], "userName": "a", "emails": [{"value": i} for i in range(25)]}
    with pytest.raises(InvalidValue) as caught:
        check("user", user)
    parts = caught.value.detail.split("; ")
    assert len(parts) == 21
    assert parts[-1] == "... and 5 more"
