"""Mappings: loading, validation naming the row, SCIM path evaluation and transforms."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from scim_harness.reference_server.platform.mapping import (
    default_mapping,
    load_mapping_file,
    mapping_for,
    validate_mapping,
)
from scim_harness.reference_server.platform.mapping_rows import compile_path
from scim_harness.reference_server.protocol.discovery import RequiredPath
from scim_harness.reference_server.protocol.errors import InvalidValue
from scim_harness.reference_server.protocol.schema import (
    CORE_GROUP,
    CORE_USER,
    ENTERPRISE_USER,
    resource_type,
)

from scim_harness import fixtures

USER = resource_type("User")


def _default() -> dict[str, Any]:
    data: dict[str, Any] = fixtures.load_json("mappings", "default.json")
    return data


def _with_user_row(row: dict[str, Any]) -> dict[str, Any]:
    data = _default()
    data["users"].append(row)
    return data


def _refusal(data: Any) -> str:
    with pytest.raises(InvalidValue) as caught:
        validate_mapping(data)
    return caught.value.detail


@pytest.mark.parametrize("name", ["default.json", "example-extended.json"])
def test_shipped_mappings_validate(name: str) -> None:
    """Every mapping in fixtures/mappings loads."""
    mapping = validate_mapping(fixtures.load_json("mappings", name))
    assert [r.platform for r in mapping.users[:6]] == [
        "username",
        "firstName",
        "lastName",
        "email",
        "displayName",
        "status",
    ]
    assert [r.platform for r in mapping.groups] == ["groupName"]


def test_default_mapping_requires_the_six_user_attributes_and_group_display_name() -> None:
    """The default mapping's required paths are the six user attributes and displayName."""
    assert default_mapping().required_paths() == [
        RequiredPath(CORE_USER, "userName"),
        RequiredPath(CORE_USER, "name", "givenName"),
        RequiredPath(CORE_USER, "name", "familyName"),
        RequiredPath(CORE_USER, "emails", "value"),
        RequiredPath(CORE_USER, "displayName"),
        RequiredPath(CORE_USER, "active"),
        RequiredPath(CORE_GROUP, "displayName"),
    ]


def test_mapping_for_none_is_the_default_and_parses_once_per_content() -> None:
    """None means the default; equal content (in any key order) gives the same parsed object."""
    assert mapping_for(None) is default_mapping()
    data = fixtures.load_json("mappings", "example-extended.json")
    reordered = json.loads(json.dumps(data, sort_keys=True))
    assert mapping_for(data) is mapping_for(reordered)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        pytest.param(
            {"platform": "mobile", "scim": 'phoneNumbers[type eq "mobile"', "required": False},
            'users[6] (platform "mobile"): invalid SCIM path \'phoneNumbers[type eq "mobile"\'',
            id="unparsable-path",
        ),
        pytest.param(
            {"platform": "shoe", "scim": "shoeSize", "required": False},
            "users[6] (platform \"shoe\"): 'shoeSize' is not an attribute of the User",
            id="unknown-attribute",
        ),
        pytest.param(
            {
                "platform": "mobile",
                "scim": 'phoneNumbers[typo eq "mobile"].value',
                "required": False,
            },
            "users[6] (platform \"mobile\"): phoneNumbers has no sub-attribute 'typo' to filter on",
            id="unknown-filter-attribute",
        ),
        pytest.param(
            {"platform": "mobile", "scim": 'phoneNumbers[type eq "mobile"]', "required": False},
            'users[6] (platform "mobile"): \'phoneNumbers[type eq "mobile"]\' names whole',
            id="filter-without-sub-attribute",
        ),
        pytest.param(
            {"platform": "name", "scim": "name", "required": False},
            "users[6] (platform \"name\"): 'name' is a complex attribute",
            id="complex",
        ),
        pytest.param(
            {"platform": "secret", "scim": "password", "required": False},
            "users[6] (platform \"secret\"): 'password' is write-only",
            id="write-only",
        ),
        pytest.param(
            {"platform": "groups", "scim": "groups.display", "required": False},
            "users[6] (platform \"groups\"): 'groups.display' is read-only",
            id="read-only",
        ),
        pytest.param(
            {"platform": "email", "scim": "title", "required": True},
            'users[6] (platform "email"): platform attribute repeats users[3]',
            id="repeated-platform-name",
        ),
        pytest.param(
            {"platform": "id", "scim": "externalId", "required": False},
            "users[6] (platform \"id\"): 'id' is set by the server",
            id="reserved-platform-name",
        ),
        pytest.param(
            {"platform": "x", "scim": "title", "required": False, "transform": "activeToStatus"},
            "users[6] (platform \"x\"): transform 'activeToStatus' applies to boolean attributes",
            id="transform-wrong-type",
        ),
        pytest.param(
            {"platform": "x", "scim": "title", "required": "no"},
            'users[6] (platform "x"): required: "no" is not of type \'boolean\'',
            id="json-schema",
        ),
    ],
)
def test_a_bad_row_is_refused_naming_the_row(row: dict[str, Any], expected: str) -> None:
    """Each kind of unusable row is refused with a message that starts with the row's label."""
    detail = _refusal(_with_user_row(row))
    assert detail.startswith("invalid mapping: " + expected), detail


def test_every_problem_is_listed() -> None:
    """Two bad rows give two messages, joined by '; '."""
    data = _default()
    data["users"][3]["scim"] = "emails[type eq"
    data["users"][1]["transform"] = "activeToStatus"
    detail = _refusal(data)
    assert detail.count("; ") == 1
    assert 'users[1] (platform "firstName")' in detail
    assert 'users[3] (platform "email")' in detail


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            lambda d: d["users"].pop(3),
            'users: no row for the required platform attribute "email"',
            id="required-row-missing",
        ),
        pytest.param(
            lambda d: d["users"][3].update(required=False),
            'users[3] (platform "email"): the platform requires this attribute',
            id="required-row-optional",
        ),
        pytest.param(
            lambda d: d["users"][5].pop("transform"),
            'users[5] (platform "status"): needs "transform": "activeToStatus"',
            id="status-without-transform",
        ),
        pytest.param(
            lambda d: d["users"][0].update(scim="active"),
            'users[0] (platform "username"): the platform attribute takes a string',
            id="username-from-a-boolean",
        ),
        pytest.param(
            lambda d: d.update(groups=[]),
            'groups: no row for the required platform attribute "groupName"',
            id="no-group-name",
        ),
        pytest.param(
            lambda d: d.pop("options"),
            "options: required attribute is missing",
            id="no-options",
        ),
    ],
)
def test_the_platform_rows_are_required(change: Any, expected: str) -> None:
    """A mapping that cannot fill the directory record's required attributes is refused."""
    data = _default()
    change(data)
    assert expected in _refusal(data)


def test_not_an_object_is_refused() -> None:
    """A JSON array is no mapping."""
    assert _refusal([]) == "invalid mapping: mapping: [] is not of type 'object'"


def test_mapping_file_errors_name_the_file(tmp_path: Path) -> None:
    """load_mapping_file names the file for malformed JSON and for a bad row."""
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(InvalidValue, match=r"mapping file .*broken\.json: malformed JSON"):
        load_mapping_file(broken)
    bad = tmp_path / "bad.json"
    data = _default()
    data["users"][3]["scim"] = "emails[type eq"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        InvalidValue, match=r'bad\.json: invalid mapping: users\[3\] \(platform "email"\)'
    ):
        load_mapping_file(bad)


# -- evaluating a row's path on a resource ---------------------------------------------------

RESOURCE: dict[str, Any] = {
    "id": "u1",
    "userName": "bjensen",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [
        {"value": "home@example.com", "type": "home", "primary": True},
        {"value": "first-work@example.com", "type": "work"},
        {"value": "primary-work@example.com", "type": "work", "primary": True},
    ],
    "phoneNumbers": [{"value": "", "type": "mobile"}, {"value": "+1 555 0100", "type": "mobile"}],
    "active": False,
    ENTERPRISE_USER: {"department": "Tour Operations", "manager": {"value": "m1"}},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("userName", "bjensen", id="simple"),
        pytest.param("USERNAME", "bjensen", id="case-insensitive-name"),
        pytest.param("name.familyName", "Jensen", id="sub-attribute"),
        pytest.param(
            'emails[type eq "work"].value', "primary-work@example.com", id="filter-primary"
        ),
        pytest.param('emails[type eq "home"].value', "home@example.com", id="filter-one-match"),
        pytest.param('emails[type eq "other"].value', None, id="filter-no-match"),
        pytest.param("emails.value", "home@example.com", id="multi-valued-primary"),
        pytest.param('phoneNumbers[type eq "mobile"].value', "+1 555 0100", id="skips-blank"),
        pytest.param(f"{ENTERPRISE_USER}:department", "Tour Operations", id="extension"),
        pytest.param(f"{ENTERPRISE_USER}:manager.value", "m1", id="extension-sub"),
        pytest.param(f"{ENTERPRISE_USER}:costCenter", None, id="extension-absent"),
        pytest.param("nickName", None, id="absent"),
        pytest.param("active", False, id="false-is-a-value"),
    ],
)
def test_a_path_reads_its_value(path: str, expected: Any) -> None:
    """A row's SCIM path picks the value: the primary of the matching ones, else the first."""
    assert compile_path(path, USER).value(RESOURCE) == expected


def test_value_filter_takes_the_first_match_without_a_primary() -> None:
    """Without a primary value among the matches, the first matching value wins."""
    resource = copy.deepcopy(RESOURCE)
    resource["emails"][2].pop("primary")
    path = compile_path('emails[type eq "work"].value', USER)
    assert path.value(resource) == "first-work@example.com"


@pytest.mark.parametrize(
    ("path", "transform", "expected"),
    [
        pytest.param("userName", "upper", "BJENSEN", id="upper"),
        pytest.param(
            'emails[type eq "work"].value', "lower", "primary-work@example.com", id="lower"
        ),
        pytest.param("active", "activeToStatus", "inactive", id="active-to-status"),
    ],
)
def test_transforms(path: str, transform: str, expected: str) -> None:
    """lower, upper and activeToStatus change the value the platform gets."""
    assert compile_path(path, USER, transform).value(RESOURCE) == expected


def test_trim_and_lower() -> None:
    """trim strips padding; lower folds case."""
    resource = {"userName": "  BJensen  ", "active": True}
    assert compile_path("userName", USER, "trim").value(resource) == "BJensen"
    assert compile_path("userName", USER, "lower").value(resource) == "  bjensen  "
    assert compile_path("active", USER, "activeToStatus").value(resource) == "active"
