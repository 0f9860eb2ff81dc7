"""The read-back's two halves: what a write means (PATCH model) and what counts as a difference."""

from __future__ import annotations

from typing import Any

import pytest
from scim_harness.conformance.server.compare import differences_from, writable
from scim_harness.conformance.server.patch_model import apply_operations
from scim_harness.conformance.server.target import SchemaIndex

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def user(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [CORE_USER, ENTERPRISE],
        "externalId": "ext-1",
        "userName": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "b@work.example", "type": "work", "primary": True},
            {"value": "b@home.example", "type": "home"},
        ],
        "active": True,
        ENTERPRISE: {"department": "Tours", "employeeNumber": "42"},
    }
    body.update(extra)
    return body


def op(name: str, path: str | None = None, value: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"op": name}
    if path is not None:
        out["path"] = path
    if value is not None:
        out["value"] = value
    return out


# -- what a PATCH means ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "check"),
    [
        pytest.param(
            op("replace", "name.givenName", "Babs"),
            lambda r: r["name"] == {"givenName": "Babs", "familyName": "Jensen"},
            id="sub-attribute",
        ),
        pytest.param(
            op("replace", 'emails[type eq "work"].value', "new@work.example"),
            lambda r: r["emails"][0]["value"] == "new@work.example" and len(r["emails"]) == 2,
            id="value-filter-sub-attribute",
        ),
        pytest.param(
            op("remove", 'emails[type eq "home"]'),
            lambda r: [e["type"] for e in r["emails"]] == ["work"],
            id="remove-by-filter",
        ),
        pytest.param(
            op("remove", 'emails[type eq "pager"]'),
            lambda r: len(r["emails"]) == 2,
            id="remove-matching-nothing",
        ),
        pytest.param(
            op("add", f"{ENTERPRISE}:department", "Research"),
            lambda r: r[ENTERPRISE] == {"department": "Research", "employeeNumber": "42"},
            id="extension-urn-path",
        ),
        pytest.param(
            op("replace", value={"active": False, "title": "Guide"}),
            lambda r: r["active"] is False and r["title"] == "Guide",
            id="path-less",
        ),
        pytest.param(
            op("add", "emails", [{"value": "c@work.example", "type": "other", "primary": True}]),
            lambda r: len(r["emails"]) == 3 and "primary" not in r["emails"][0],
            id="add-new-primary-clears-the-old-expectation",
        ),
    ],
)
def test_rfc_patch_forms_are_modelled(operation: dict[str, Any], check: Any) -> None:
    """Each RFC 7644 §3.5.2 form the suite sends gives the state the RFC defines."""
    after = apply_operations(user(), [operation])
    assert after is not None
    assert check(after)


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(op("Replace", "title", "x"), id="op-not-lower-case"),
        pytest.param(op("replace", value={"name.givenName": "x"}), id="dotted-key"),
        pytest.param(op("replace", 'emails[type eq "pager"].value', "x"), id="filter-no-match"),
        pytest.param(op("replace", "emails.value", "x"), id="multi-valued-sub-without-filter"),
        pytest.param(op("replace", "active", "False"), id="string-boolean"),
        pytest.param(op("replace", "id", "x"), id="read-only"),
        pytest.param(op("remove", 'emails[type co "w"]'), id="operator-not-modelled"),
    ],
)
def test_forms_whose_outcome_is_the_servers_choice_are_not_modelled(
    operation: dict[str, Any],
) -> None:
    """Where the RFC leaves the outcome open, the model says it does not know (None)."""
    assert apply_operations(user(), [operation]) is None


def test_the_model_never_changes_the_state_it_is_given() -> None:
    """The expected state before the PATCH stays as it was."""
    before = user()
    apply_operations(before, [op("remove", "emails")])
    assert before == user()


# -- what counts as a difference ------------------------------------------------------------


def test_what_came_back_as_sent_has_no_difference() -> None:
    """Extra server data (id, meta, display, $ref, groups, primary false) is no difference."""
    got = user(id="1", meta={"created": "x"}, groups=[{"value": "g"}])
    got["emails"][1]["primary"] = False
    got["emails"][0]["display"] = "Barbara"
    assert differences_from(writable(user()), got) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        pytest.param(lambda u: u.pop("externalId"), "externalId", id="externalId"),
        pytest.param(lambda u: u["emails"][0].pop("primary"), "emails", id="sub-attribute"),
        pytest.param(lambda u: u["emails"].pop(), "emails", id="a-value-lost"),
        pytest.param(
            lambda u: u["emails"].append({"value": "z@x"}), "was never sent", id="a-value-added"
        ),
        pytest.param(lambda u: u.pop(ENTERPRISE), ENTERPRISE, id="extension"),
        pytest.param(
            lambda u: u[ENTERPRISE].update(department="Other"), "department", id="extension-attr"
        ),
        pytest.param(lambda u: u.update(active="true"), "active", id="boolean-as-string"),
    ],
)
def test_a_lost_or_changed_attribute_is_named(change: Any, named: str) -> None:
    """Each kind of loss gives a sentence naming the attribute."""
    got = user()
    change(got)
    problems = differences_from(writable(user()), got)
    assert problems and named in " ".join(problems)


def test_case_is_ignored_unless_the_target_declares_case_exact() -> None:
    """userName is caseExact false (RFC 7643 §4.1.1); a caseExact attribute must match exactly."""
    loose = SchemaIndex({CORE_USER: {"username": {"name": "userName", "caseExact": False}}})
    exact = SchemaIndex({CORE_USER: {"username": {"name": "userName", "caseExact": True}}})
    sent, got = {"userName": "bjensen"}, {"userName": "BJensen"}
    assert differences_from(sent, got, loose) == []
    assert differences_from(sent, got, exact) != []


def test_attributes_the_target_does_not_declare_or_return_are_not_asserted() -> None:
    """Undeclared, read-only and returned-never attributes are left out; externalId never is."""
    schemas = SchemaIndex(
        {
            CORE_USER: {
                "username": {"name": "userName"},
                "title": {"name": "title", "returned": "never"},
                "nickname": {"name": "nickName", "mutability": "readOnly"},
            }
        }
    )
    sent = writable({"userName": "b", "title": "t", "nickName": "n", "locale": "x"}, schemas)
    sent["externalId"] = "e"
    problems = differences_from(sent, {"userName": "b"}, schemas)
    assert problems == ['externalId: sent "e", not returned']
