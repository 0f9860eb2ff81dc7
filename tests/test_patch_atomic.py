"""The PatchOp as a whole: its shape, atomicity, and what the outcome reports."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from patch_support import (
    ALICE,
    BOB,
    PATCH_OP,
    apply_raw,
    group,
    member_ids,
    op,
    patch_body,
    run,
    user,
)
from scim_harness.reference_server.patch.engine import apply_patch
from scim_harness.reference_server.protocol.errors import (
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    Mutability,
    NoTarget,
    ScimError,
)
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import ENTERPRISE_USER, resource_type

# --- Atomicity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failing", "error"),
    [
        pytest.param(op("replace", "id", "x"), Mutability, id="mutability"),
        pytest.param(op("replace", 'emails[type eq "other"].value', "x"), NoTarget, id="no-target"),
        pytest.param(op("add", "favouriteColour", "blue"), InvalidPath, id="invalid-path"),
        pytest.param(op("replace", "active", 3), InvalidValue, id="invalid-value"),
    ],
)
def test_a_failing_second_operation_leaves_the_resource_untouched(
    failing: dict[str, Any], error: type[ScimError]
) -> None:
    """RFC 7644 §3.5.2: the PatchOp is atomic; the first op's changes are not applied anywhere."""
    stored = user()
    before = copy.deepcopy(stored)
    body = patch_body(
        op("replace", "displayName", "Changed"),
        op("add", f"{ENTERPRISE_USER}:department", "Changed"),
        failing,
    )
    with pytest.raises(error, match=r"^Operations\[2\]"):
        apply_patch(resource_type("User"), stored, body, Findings())
    assert stored == before


def test_a_failing_membership_operation_keeps_every_member() -> None:
    """A remove that succeeds followed by one that fails leaves the group as stored."""
    stored = group((ALICE, "Alice"), (BOB, "Bob"))
    before = copy.deepcopy(stored)
    body = patch_body(
        op("remove", f'members[value eq "{ALICE}"]'),
        op("remove", f'members[value eq "{BOB}"].value'),
    )
    with pytest.raises(Mutability, match=r"^Operations\[1\]"):
        apply_patch(resource_type("Group"), stored, body, Findings())
    assert stored == before


def test_success_never_modifies_the_stored_mapping() -> None:
    """The outcome is a new resource; nested objects are not shared with the stored one."""
    stored = user()
    before = copy.deepcopy(stored)
    outcome = apply_raw(stored, patch_body(op("replace", "name.givenName", "B")))
    outcome.resource["emails"][0]["value"] = "mutated@example.com"
    assert stored == before


def test_operations_apply_in_order() -> None:
    """A later operation sees the result of an earlier one."""
    result = run(
        user(),
        op("add", "emails", [{"value": "b@other.example", "type": "other"}]),
        op("replace", 'emails[type eq "other"].display', "Other"),
    )
    assert result.resource["emails"][2] == {
        "value": "b@other.example",
        "type": "other",
        "display": "Other",
    }


def test_operations_that_cancel_out_report_no_change() -> None:
    """``changed`` compares the final resource with the stored one."""
    stored = group((ALICE, "Alice"))
    result = run(
        stored,
        op("add", "members", [{"value": BOB}]),
        op("remove", f'members[value eq "{BOB}"]'),
    )
    assert not result.outcome.changed
    assert result.outcome.added_members == result.outcome.removed_members == []
    assert member_ids(result.resource) == [ALICE]


# --- PatchOp shape ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error", "where"),
    [
        pytest.param([op("add", "title", "x")], InvalidSyntax, "PatchOp", id="not-an-object"),
        pytest.param(
            {"Operations": [op("add", "title", "x")]}, InvalidSyntax, "schemas", id="no-schemas"
        ),
        pytest.param(
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": []},
            InvalidSyntax,
            "schemas",
            id="wrong-schema",
        ),
        pytest.param({"schemas": [PATCH_OP]}, InvalidSyntax, "Operations", id="no-operations"),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": []}, InvalidSyntax, "Operations", id="empty"
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": op("add", "title", "x")},
            InvalidSyntax,
            "Operations",
            id="operations-not-an-array",
        ),
        pytest.param(
            patch_body(op("add", "title", "x"), "remove title"),  # type: ignore[arg-type]
            InvalidSyntax,
            "Operations[1]",
            id="operation-not-an-object",
        ),
        pytest.param(patch_body({"path": "title"}), InvalidSyntax, "Operations[0]", id="no-op"),
        pytest.param(
            patch_body(op("move", "title", "x")), InvalidSyntax, "Operations[0]", id="unknown-op"
        ),
        pytest.param(
            patch_body(op("add", "title")), InvalidValue, "Operations[0]", id="add-without-value"
        ),
        pytest.param(
            patch_body(op("add", "title", "x"), op("replace", "title")),
            InvalidValue,
            "Operations[1]",
            id="replace-without-value",
        ),
        pytest.param(
            patch_body({"op": "add", "path": 7, "value": "x"}),
            InvalidPath,
            "Operations[0]",
            id="path-not-a-string",
        ),
        pytest.param(
            patch_body(op("add", 'emails[type eq "work"', "x")),
            InvalidPath,
            "Operations[0]",
            id="malformed-path",
        ),
        pytest.param(patch_body(op("add", "", "x")), InvalidPath, "Operations[0]", id="empty-path"),
    ],
)
def test_malformed_patchop_is_refused_naming_where(
    body: Any, error: type[ScimError], where: str
) -> None:
    """RFC 7644 §3.5.2: a PatchOp of the wrong shape is refused, the detail naming the part."""
    with pytest.raises(error) as caught:
        apply_raw(user(), body)
    assert where in caught.value.detail


def test_patchop_member_names_are_case_insensitive() -> None:
    """RFC 7643 §2.1: ``operations``, ``OP``, ``Path`` and ``VALUE`` read like their RFC case."""
    body = {
        "SCHEMAS": [PATCH_OP.upper()],
        "operations": [{"OP": "replace", "Path": "title", "VALUE": "Guide"}],
    }
    outcome = apply_raw(user(), body, lenient=False)
    assert outcome.resource["title"] == "Guide"
