"""Each client check judges hand-built request sequences: caught when broken, passed when not."""

from __future__ import annotations

from typing import Any

import pytest
from broken_clients import scim_record, traffic_of
from scim_harness.conformance.client.suite import Traffic, run_client_suite
from scim_harness.conformance.model import Outcome, Result

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def user(name: str = "bjensen", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [USER],
        "userName": name,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": f"{name}@example.com", "type": "work", "primary": True}],
        "displayName": "Barbara Jensen",
        "active": True,
    }
    body.update(changes)
    return body


def created(rid: str, name: str = "bjensen") -> dict[str, Any]:
    return {"id": rid, **user(name)}


def lookup(
    name: str = "bjensen", endpoint: str = "/Users", attr: str = "userName"
) -> dict[str, Any]:
    empty = {"totalResults": 0, "Resources": []}
    return scim_record("GET", endpoint, query=f"filter={attr}%20eq%20%22{name}%22", response=empty)


def post_user(rid: str = "u1", name: str = "bjensen", **changes: Any) -> dict[str, Any]:
    return scim_record(
        "POST", "/Users", body=user(name, **changes), status=201, response=created(rid, name)
    )


def patch(rel: str, *ops: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return scim_record("PATCH", rel, body={"schemas": [PATCH], "Operations": list(ops)}, **kwargs)


def verdict(traffic: Traffic, check_id: str) -> Result:
    (result,) = run_client_suite(traffic, select=lambda c: c.id == check_id).results
    return result


Case = tuple[str, list[dict[str, Any]], Outcome, str]

CASES = [
    # -- transport ---------------------------------------------------------------------
    pytest.param(
        "CLI-TRN-001",
        [scim_record("POST", "/Users", body=user(), headers={"authorization": "Bearer ***"})],
        Outcome.FAILED,
        "no Content-Type header",
        id="body-without-content-type",
    ),
    pytest.param(
        "CLI-TRN-001",
        [
            scim_record(
                "POST",
                "/Users",
                body=user(),
                headers={"authorization": "Bearer ***", "content-type": "text/plain"},
            )
        ],
        Outcome.FAILED,
        "is not JSON",
        id="body-as-text-plain",
    ),
    pytest.param(
        "CLI-TRN-002",
        [
            scim_record(
                "POST",
                "/Users",
                body=user(),
                headers={"authorization": "Bearer ***", "content-type": "application/json"},
                findings=(("INFO-MEDIA-TYPE", "request body sent as application/json"),),
            )
        ],
        Outcome.FAILED,
        "sent as application/json",
        id="application-json",
    ),
    pytest.param(
        "CLI-TRN-003",
        [scim_record("GET", "/Users", headers={})],
        Outcome.FAILED,
        "no Authorization header",
        id="no-authorization",
    ),
    pytest.param(
        "CLI-TRN-003",
        [scim_record("GET", "/Users", headers={"authorization": "Basic ***"})],
        Outcome.FAILED,
        "is not Bearer",
        id="basic-auth",
    ),
    pytest.param(
        "CLI-TRN-003",
        [scim_record("GET", "/Users", status=401)],
        Outcome.FAILED,
        "refused the bearer token (401)",
        id="refused-token",
    ),
    pytest.param(
        "CLI-TRN-004",
        [scim_record("GET", "/Users", query="access_token=s3cr3t-value", headers={})],
        Outcome.FAILED,
        "access_token carries a credential",
        id="token-in-query",
    ),
    pytest.param(
        "CLI-TRN-005",
        [
            scim_record(
                "GET",
                "/Users",
                query="aadOptscim062020&filter=userName%20eq%20%22x%22",
                findings=(("LENIENT-UNKNOWN-PARAM", "aadOptscim062020 ignored"),),
            )
        ],
        Outcome.FAILED,
        "unknown query parameter aadOptscim062020",
        id="unknown-parameter",
    ),
    pytest.param(
        "CLI-TRN-005",
        [scim_record("GET", "/Users", query="startIndex=1&count=100")],
        Outcome.PASSED,
        "",
        id="paging-parameters",
    ),
    # -- lookups -----------------------------------------------------------------------
    pytest.param(
        "CLI-LOOK-001",
        [lookup("bjensen"), post_user()],
        Outcome.PASSED,
        "",
        id="lookup-then-create",
    ),
    pytest.param(
        "CLI-LOOK-001",
        [
            lookup("bjensen%40example.com", attr="emails%5Btype%20eq%20%22work%22%5D.value"),
            post_user(),
        ],
        Outcome.PASSED,
        "",
        id="lookup-by-work-email",
    ),
    pytest.param(
        "CLI-LOOK-001",
        [lookup("someone-else"), post_user()],
        Outcome.FAILED,
        "no earlier GET /Users?filter=... for userName 'bjensen'",
        id="lookup-of-another-user",
    ),
    pytest.param(
        "CLI-LOOK-002",
        [scim_record("GET", "/Users", query="filter=userName%20eq%20bjensen", status=400)],
        Outcome.FAILED,
        "filter 'userName eq bjensen' is invalid",
        id="unquoted-filter-value",
    ),
    pytest.param(
        "CLI-LOOK-002",
        [
            scim_record(
                "POST",
                "/Users/.search",
                body={"filter": 'userName sw "b" and not (active eq false)'},
            )
        ],
        Outcome.PASSED,
        "",
        id="search-body-filter",
    ),
    pytest.param(
        "CLI-LOOK-003",
        [post_user("u1"), scim_record("GET", "/Users/bjensen", status=404)],
        Outcome.FAILED,
        "'bjensen' is a userName or e-mail; the server's id is 'u1'",
        id="user-addressed-by-userName",
    ),
    pytest.param(
        "CLI-LOOK-003",
        [post_user("u1"), scim_record("GET", "/Users/u1", response=created("u1"))],
        Outcome.PASSED,
        "",
        id="user-addressed-by-id",
    ),
    # -- creates -----------------------------------------------------------------------
    pytest.param(
        "CLI-CRT-004",
        [post_user(emails=[{"value": "b@example.com", "type": "home"}])],
        Outcome.FAILED,
        'no email with type "work" (home)',
        id="home-email-only",
    ),
    pytest.param(
        "CLI-CRT-006",
        [post_user(active=None)],
        Outcome.FAILED,
        "no active",
        id="active-null",
    ),
    pytest.param(
        "CLI-CRT-001",
        [scim_record("PUT", "/Users/u1", body=user(userName=""))],
        Outcome.FAILED,
        "PUT /Users/u1 (seq 1): userName is empty",
        id="replace-with-empty-userName",
    ),
    pytest.param(
        "CLI-CRT-007",
        [
            post_user(
                emails=[
                    {"value": "a@example.com", "type": "work", "primary": True},
                    {"value": "b@example.com", "type": "home", "primary": True},
                ]
            )
        ],
        Outcome.FAILED,
        "emails has 2 values with primary true",
        id="two-primary-emails",
    ),
    pytest.param(
        "CLI-CRT-007",
        [post_user(emails={"value": "a@example.com", "type": "work"})],
        Outcome.FAILED,
        "emails is a single object, not an array",
        id="emails-as-object",
    ),
    pytest.param(
        "CLI-CRT-007",
        [
            patch(
                "/Users/u1",
                {
                    "op": "Add",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                    "value": "u2",
                },
            )
        ],
        Outcome.FAILED,
        "manager is the string 'u2', not an object",
        id="manager-as-bare-id",
    ),
    pytest.param(
        "CLI-CRT-007",
        [patch("/Users/u1", {"op": "add", "path": "emails", "value": [{"value": "c@x.org"}]})],
        Outcome.PASSED,
        "",
        id="emails-added-as-array",
    ),
    pytest.param(
        "CLI-CRT-008",
        [post_user(id="my-own-id")],
        Outcome.FAILED,
        "the body sets id to 'my-own-id'",
        id="client-supplied-id",
    ),
    pytest.param(
        "CLI-CRT-009",
        [post_user(schemas=["urn:ietf:params:scim:schemas:core:1.0:User"])],
        Outcome.FAILED,
        f"schemas does not list {USER}",
        id="scim-1-schema",
    ),
    pytest.param(
        "CLI-CRT-009",
        [post_user(nickName="Babs", favouriteColour="green")],
        Outcome.FAILED,
        "'favouriteColour' is not an attribute of User",
        id="unknown-attribute",
    ),
    pytest.param(
        "CLI-CRT-009",
        [post_user(**{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {}})],
        Outcome.FAILED,
        "is used but not listed in schemas",
        id="unlisted-extension",
    ),
    # -- booleans ----------------------------------------------------------------------
    pytest.param(
        "CLI-BOOL-001",
        [post_user(active="true")],
        Outcome.FAILED,
        "active is 'true' (not a JSON boolean)",
        id="string-active-on-create",
    ),
    pytest.param(
        "CLI-BOOL-001",
        [
            patch(
                "/Users/u1",
                {"op": "replace", "path": 'emails[type eq "work"].primary', "value": "True"},
            )
        ],
        Outcome.FAILED,
        "primary is 'True'",
        id="string-primary-in-patch",
    ),
    pytest.param(
        "CLI-BOOL-001",
        [
            patch(
                "/Users/u1",
                {"op": "replace", "path": "active", "value": "False"},
                status=400,
                findings=(
                    (
                        "REJECTED",
                        "400 invalidValue active: 'False' is a string "
                        "(strict mode; finding LENIENT-STRING-BOOLEAN)",
                    ),
                ),
            )
        ],
        Outcome.FAILED,
        "Operations[0].active is 'False'",
        id="string-refused-in-strict-mode",
    ),
    # -- PATCH -------------------------------------------------------------------------
    pytest.param(
        "CLI-PAT-001",
        [scim_record("PATCH", "/Users/u1", body={"schemas": [PATCH], "Operations": []})],
        Outcome.FAILED,
        "Operations is empty",
        id="no-operations",
    ),
    pytest.param(
        "CLI-PAT-001",
        [
            scim_record(
                "PATCH", "/Users/u1", body={"Operations": [{"op": "remove", "path": "title"}]}
            )
        ],
        Outcome.FAILED,
        f"schemas does not list {PATCH}",
        id="no-patchop-schema",
    ),
    pytest.param(
        "CLI-PAT-002",
        [patch("/Users/u1", {"op": "Replace", "path": "title", "value": "Boss"})],
        Outcome.FAILED,
        "op 'Replace' is not lower case",
        id="capitalised-op",
    ),
    pytest.param(
        "CLI-PAT-002",
        [patch("/Users/u1", {"op": "update", "path": "title", "value": "Boss"})],
        Outcome.FAILED,
        "op 'update' is not add, remove or replace",
        id="unknown-op",
    ),
    pytest.param(
        "CLI-PAT-003",
        [patch("/Users/u1", {"op": "remove", "value": {"title": "Boss"}})],
        Outcome.FAILED,
        "remove without a path",
        id="remove-without-path",
    ),
    pytest.param(
        "CLI-PAT-004",
        [patch("/Users/u1", {"op": "replace", "path": "emails[type eq work].value", "value": "x"})],
        Outcome.FAILED,
        "path 'emails[type eq work].value' is invalid",
        id="invalid-value-path",
    ),
    pytest.param(
        "CLI-PAT-004",
        [patch("/Users/u1", {"op": "replace", "value": {"name.givenName": "Babs"}})],
        Outcome.FAILED,
        "value keys name.givenName are dotted paths",
        id="dotted-keys",
    ),
    pytest.param(
        "CLI-PAT-004",
        [patch("/Users/u1", {"op": "add", "path": "title"})],
        Outcome.FAILED,
        "add without a value",
        id="add-without-value",
    ),
    pytest.param(
        "CLI-PAT-005",
        [patch("/Groups/g1", {"op": "replace", "value": {"id": "g1", "displayName": "Ops"}})],
        Outcome.FAILED,
        "value sets read-only id",
        id="read-only-id-echoed",
    ),
    # -- groups ------------------------------------------------------------------------
    pytest.param(
        "CLI-GRP-001",
        [scim_record("POST", "/Groups", body={"schemas": [GROUP], "members": []}, status=400)],
        Outcome.FAILED,
        "no displayName",
        id="group-without-name",
    ),
    pytest.param(
        "CLI-GRP-002",
        [
            lookup("Ops", endpoint="/Groups", attr="displayName"),
            scim_record("POST", "/Groups", body={"schemas": [GROUP], "displayName": "Ops"}),
        ],
        Outcome.PASSED,
        "",
        id="group-lookup-then-create",
    ),
    pytest.param(
        "CLI-GRP-003",
        [
            post_user("u1"),
            patch("/Groups/g1", {"op": "add", "path": "members", "value": [{"value": "bjensen"}]}),
        ],
        Outcome.FAILED,
        "member value 'bjensen' is a name; its id is 'u1'",
        id="member-by-userName",
    ),
    pytest.param(
        "CLI-GRP-003",
        [
            post_user("u1"),
            patch("/Groups/g1", {"op": "remove", "path": 'members[value eq "u1"]'}),
        ],
        Outcome.PASSED,
        "",
        id="member-filter-by-id",
    ),
    pytest.param(
        "CLI-GRP-003",
        [
            patch(
                "/Groups/g1",
                {"op": "add", "path": "members", "value": [{"value": "x9"}]},
                status=400,
            )
        ],
        Outcome.FAILED,
        "member value 'x9' is no id the server assigned",
        id="unknown-member-refused",
    ),
    pytest.param(
        "CLI-GRP-004",
        [
            patch(
                "/Groups/g1",
                {"op": "remove", "path": "members", "value": [{"value": "u1"}]},
                findings=(("LENIENT-MEMBERS-REMOVE-LIST", "only u1 removed"),),
            )
        ],
        Outcome.FAILED,
        "remove of members with a value list",
        id="remove-members-value-list",
    ),
    # -- lifecycle ---------------------------------------------------------------------
    pytest.param(
        "CLI-DEA-001",
        [post_user("u1"), scim_record("DELETE", "/Users/u1", status=204)],
        Outcome.FAILED,
        "the traffic never deactivates anyone with active=false",
        id="delete-without-any-deactivation",
    ),
    pytest.param(
        "CLI-DEA-001",
        [
            post_user("u1"),
            post_user("u2", "akim"),
            patch("/Users/u2", {"op": "replace", "path": "active", "value": False}),
            scim_record("DELETE", "/Users/u1", status=204),
        ],
        Outcome.PASSED,
        "",
        id="deactivates-some-deletes-others",
    ),
    pytest.param(
        "CLI-DEA-001",
        [
            post_user("u1"),
            post_user("u2", "akim"),
            patch("/Users/u2", {"op": "replace", "value": {"active": False}}),
            scim_record("DELETE", "/Users/u1", status=204),
            post_user("u3"),
        ],
        Outcome.FAILED,
        "then re-created the same userName (POST /Users (seq 5))",
        id="delete-then-recreate",
    ),
    pytest.param(
        "CLI-DEA-002",
        [
            post_user("u1"),
            scim_record("DELETE", "/Users/u1", status=204),
            patch("/Users/u1", {"op": "replace", "path": "title", "value": "x"}, status=404),
        ],
        Outcome.FAILED,
        "after the client deleted u1 (DELETE /Users/u1 (seq 2))",
        id="patch-after-delete",
    ),
    pytest.param(
        "CLI-DEA-002",
        [
            post_user("u1"),
            patch(
                "/Users/u1",
                {"op": "replace", "path": "active", "value": False},
                findings=(("EFFECT-DELETED-ON-DEACTIVATION", "u1 deleted"),),
            ),
            patch("/Users/u1", {"op": "replace", "path": "active", "value": True}, status=404),
            post_user("u2"),
        ],
        Outcome.PASSED,
        "",
        id="one-404-after-server-deletion",
    ),
    pytest.param(
        "CLI-DEA-002",
        [
            post_user("u1"),
            scim_record(
                "PUT",
                "/Users/u1",
                body=user(active=False),
                findings=(("EFFECT-DELETED-ON-DEACTIVATION", "u1 deleted"),),
            ),
            scim_record("GET", "/Users/u1", status=404),
            scim_record("GET", "/Users/u1", status=404),
        ],
        Outcome.FAILED,
        "after the server answered 404 for u1 (GET /Users/u1 (seq 3))",
        id="keeps-asking-after-404",
    ),
    pytest.param(
        "CLI-DEA-003",
        [
            post_user("u1"),
            patch("/Users/u1", {"op": "replace", "path": "active", "value": False}),
            post_user("u2"),
        ],
        Outcome.FAILED,
        "re-creates bjensen while u1 was only deactivated",
        id="recreate-instead-of-reactivate",
    ),
    pytest.param(
        "CLI-DEA-003",
        [
            post_user("u1"),
            scim_record("PUT", "/Users/u1", body=user(active=False)),
            scim_record("PUT", "/Users/u1", body=user(active=True)),
        ],
        Outcome.PASSED,
        "",
        id="reactivate-by-put",
    ),
    # -- after refusals ----------------------------------------------------------------
    pytest.param(
        "CLI-RATE-001",
        [
            scim_record(
                "GET",
                "/Users",
                status=429,
                at=0.0,
                response_headers={"retry-after": "5"},
            ),
            scim_record("GET", "/Users", at=2.0),
        ],
        Outcome.FAILED,
        "Retry-After asked for 5s, but GET /Users (seq 2) came 1.999s after the answer",
        id="retry-too-soon",
    ),
    pytest.param(
        "CLI-RATE-001",
        [
            scim_record(
                "GET",
                "/Users",
                status=429,
                at=0.0,
                elapsed_ms=500.0,
                response_headers={"retry-after": "Mon, 05 Jan 2026 09:00:03 GMT"},
            ),
            scim_record("GET", "/Users", at=3.1),
        ],
        Outcome.PASSED,
        "",
        id="http-date-waited-out",
    ),
    pytest.param(
        "CLI-RATE-001",
        [scim_record("GET", "/Users", status=429, at=0.0), scim_record("GET", "/Users", at=0.1)],
        Outcome.NOT_EXERCISED,
        "none with a readable Retry-After",
        id="429-without-retry-after",
    ),
    pytest.param(
        "CLI-RATE-002",
        [
            scim_record("POST", "/Users", body=user(), status=409),
            scim_record("POST", "/Users", body=user(), status=409),
        ],
        Outcome.FAILED,
        "409 conflict, then POST /Users (seq 2) without a lookup in between",
        id="repost-after-409",
    ),
    pytest.param(
        "CLI-RATE-002",
        [scim_record("POST", "/Users", body=user(), status=409), lookup("bjensen")],
        Outcome.PASSED,
        "",
        id="lookup-after-409",
    ),
    pytest.param(
        "CLI-RATE-003",
        [scim_record("POST", "/Users", body=user(), status=503), post_user("u1")],
        Outcome.FAILED,
        "a 5xx answer, then POST /Users (seq 2) without a lookup in between",
        id="blind-repost-after-503",
    ),
    pytest.param(
        "CLI-RATE-003",
        [scim_record("POST", "/Users", body=user(), status=429), post_user("u1")],
        Outcome.NOT_EXERCISED,
        "no create failed with a 5xx",
        id="repost-after-429-is-fine",
    ),
    # -- discovery ---------------------------------------------------------------------
    pytest.param(
        "CLI-DSC-001",
        [
            scim_record("GET", "/ServiceProviderConfig", response={"patch": {"supported": False}}),
            patch("/Users/u1", {"op": "replace", "path": "title", "value": "x"}, status=501),
        ],
        Outcome.FAILED,
        "uses patch, which GET /ServiceProviderConfig (seq 1) says is not supported",
        id="patch-when-unsupported",
    ),
    pytest.param(
        "CLI-DSC-001",
        [patch("/Users/u1", {"op": "replace", "path": "title", "value": "x"})],
        Outcome.NOT_EXERCISED,
        "never read /ServiceProviderConfig",
        id="no-discovery-read",
    ),
]


@pytest.mark.parametrize(("check_id", "records", "expected", "fragment"), CASES)
def test_check_judges_hand_built_traffic(
    check_id: str, records: list[dict[str, Any]], expected: Outcome, fragment: str
) -> None:
    """The check reaches the expected verdict, and its message says why."""
    result = verdict(traffic_of(*records), check_id)
    assert result.outcome is expected, result.message
    assert fragment in result.message
    if expected is Outcome.FAILED:
        assert result.exchanges
        assert all(e.note.startswith("seq ") for e in result.exchanges)


def test_token_in_query_is_never_repeated_in_the_message() -> None:
    """The verdict on a leaked token names the parameter, not the secret."""
    traffic = traffic_of(scim_record("GET", "/Users", query="access_token=s3cr3t-value"))
    assert "s3cr3t" not in verdict(traffic, "CLI-TRN-004").message


def test_messages_list_a_few_offenders_and_count_the_rest() -> None:
    """Eight bad creates: five are named, the other three counted."""
    traffic = traffic_of(*[post_user(f"u{n}", f"user{n}", displayName="") for n in range(8)])
    result = verdict(traffic, "CLI-CRT-005")
    assert result.message.startswith("8 of 8 user creates and replaces break the rule.")
    assert result.message.endswith("; and 3 more")
    assert len(result.exchanges) == 8
