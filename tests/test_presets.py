"""Target presets: platforms' published inbound limits, each rule with its source, enforced
with SCIM errors and the PRESET-RULE finding, and advertised in discovery."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from broken_clients import record_client
from platform_support import create_group, create_user, patch_op
from scim_harness.reference_server.platform import preset_rules
from scim_harness.reference_server.platform.presets import (
    known_presets,
    load_preset,
    parse_preset,
)
from scim_harness.reference_server.protocol.errors import InvalidValue, ScimError
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.simulated_client.profiles.catalogue import get_profile
from support import user_body

from scim_harness import fixtures

SOURCE = "https://example.com/limits"


def test_every_preset_file_loads_and_every_rule_cites_its_source() -> None:
    """Each fixtures/presets file parses, is named as its file, and each rule has an https
    source and a 'says'."""
    assert known_presets() == ("aws-iam-identity-center", "google-cloud-identity")
    for name in known_presets():
        preset = load_preset(name)
        assert preset.name == name
        assert preset.rules
        for rule in preset.rules:
            assert rule.source.startswith("https://docs.")
            assert rule.says
        assert fixtures.load_json("presets", f"{name}.json")["rules"] == [
            r.as_json() for r in preset.rules
        ]


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        pytest.param({"rule": "nope", "source": SOURCE, "says": "x"}, "unknown rule", id="kind"),
        pytest.param({"rule": "maxResults", "limit": 5, "says": "x"}, "public source", id="source"),
        pytest.param({"rule": "maxResults", "limit": 5, "source": SOURCE}, "'says'", id="says"),
        pytest.param(
            {"rule": "maxResults", "limit": -1, "source": SOURCE, "says": "x"}, "limit", id="limit"
        ),
        pytest.param(
            {"rule": "maxResults", "limit": 1, "max": 2, "source": SOURCE, "says": "x"},
            "'max'",
            id="member",
        ),
    ],
)
def test_a_bad_preset_rule_is_refused_naming_it(rule: dict[str, Any], says: str) -> None:
    """A preset whose rule has no source, an unknown kind or member, or a bad limit is refused."""
    with pytest.raises(InvalidValue, match="rules\\[0\\]") as caught:
        parse_preset({"name": "x", "rules": [rule]}, "preset x")
    assert says in caught.value.detail


def _preset(*rules: dict[str, Any]) -> Any:
    full = [{"source": SOURCE, "says": "the platform says so", **r} for r in rules]
    return parse_preset({"name": "t", "title": "Test", "rules": full}, "test")


def _refusal(preset: Any, method: str, endpoint: str, body: Any = None, **query: str) -> str | None:
    target = preset_rules.Target(method, endpoint, "g1" if method in ("PUT", "PATCH") else None)
    findings = Findings()
    try:
        preset_rules.enforce(preset, target, body, query, findings)
    except ScimError as error:
        assert [f.id for f in findings.items] == ["PRESET-RULE"]
        assert SOURCE in findings.items[0].detail
        return f"{error.status} {error.scim_type or ''} {error.detail}"
    assert findings.items == []
    return None


def _members(n: int) -> list[dict[str, str]]:
    return [{"value": f"u{i}"} for i in range(n)]


def test_membership_changes_are_counted_across_operations() -> None:
    """maxMembershipChanges 2: adds by list, removes by filter and path-less members add up."""
    preset = _preset({"rule": "maxMembershipChanges", "limit": 2})
    two = patch_op({"op": "add", "path": "members", "value": _members(2)})
    assert _refusal(preset, "PATCH", "Groups", two) is None
    three = patch_op(
        {"op": "add", "path": "members", "value": _members(1)},
        {"op": "remove", "path": 'members[value eq "u9"]'},
        {"op": "add", "value": {"members": _members(1)}},
    )
    refused = _refusal(preset, "PATCH", "Groups", three)
    assert refused is not None and refused.startswith("400 invalidValue 3 membership changes")
    assert _refusal(preset, "PATCH", "Users", three) is None  # a Group rule


def test_whole_member_list_changes_are_refused() -> None:
    """noWholeMembersChange: replace of members and value-less remove are 400; with
    removeNeedsFilter, Entra's remove with a value list too."""
    plain = _preset({"rule": "noWholeMembersChange"})
    strict = _preset({"rule": "noWholeMembersChange", "removeNeedsFilter": True})
    replace_all = patch_op({"op": "replace", "path": "members", "value": _members(1)})
    remove_all = patch_op({"op": "Remove", "path": "members"})
    remove_list = patch_op({"op": "remove", "path": "members", "value": _members(1)})
    by_filter = patch_op({"op": "remove", "path": 'members[value eq "u1"]'})
    assert "replaces the whole member list" in (
        _refusal(plain, "PATCH", "Groups", replace_all) or ""
    )
    assert "removes every member" in (_refusal(plain, "PATCH", "Groups", remove_all) or "")
    assert _refusal(plain, "PATCH", "Groups", remove_list) is None
    assert "without a value filter" in (_refusal(strict, "PATCH", "Groups", remove_list) or "")
    assert _refusal(strict, "PATCH", "Groups", by_filter) is None


def test_filter_operators_outside_the_allowed_set_are_invalid_filter() -> None:
    """filterOperators [eq, and]: co, or and value filters are 400 invalidFilter."""
    preset = _preset({"rule": "filterOperators", "allowed": ["eq", "and"]})
    assert _refusal(preset, "GET", "Users", filter='userName eq "a" and active eq true') is None
    assert "co" in (_refusal(preset, "GET", "Users", filter='userName co "a"') or "")
    assert "or" in (
        _refusal(preset, "GET", "Users", filter='userName eq "a" or userName eq "b"') or ""
    )
    assert "400 invalidFilter" in (
        _refusal(preset, "GET", "Users", filter='emails[type eq "work"]') or ""
    )
    assert _refusal(preset, "GET", "Users", filter="userName eq") is None  # the handler's 400


def test_operation_counts_attributes_and_single_values() -> None:
    """maxPatchOperations, patchAttributes and singleValued each refuse what they name."""
    ops = _preset({"rule": "maxPatchOperations", "resourceType": "User", "limit": 1})
    two = patch_op(
        {"op": "add", "path": "title", "value": "a"},
        {"op": "add", "path": "nickName", "value": "b"},
    )
    assert "2 operations" in (_refusal(ops, "PATCH", "Users", two) or "")
    attrs = _preset(
        {"rule": "patchAttributes", "resourceType": "Group", "replace": ["displayName"]}
    )
    rename = patch_op({"op": "replace", "value": {"id": "g1", "displayName": "New"}})
    assert _refusal(attrs, "PATCH", "Groups", rename) is None  # the echoed id is not counted
    external = patch_op({"op": "replace", "path": "externalId", "value": "x"})
    assert "'externalid' not supported" in (_refusal(attrs, "PATCH", "Groups", external) or "")
    single = _preset({"rule": "singleValued", "attributes": ["emails"]})
    two_emails = user_body("a.b", emails=[{"value": "a@x.example"}, {"value": "b@x.example"}])
    assert "emails takes a single value here, not 2" in (
        _refusal(single, "POST", "Users", two_emails) or ""
    )
    assert _refusal(single, "POST", "Users", user_body("a.b")) is None


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"preset": "aws-iam-identity-center"}


async def test_aws_preset_over_http(scim: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    """AWS IAM Identity Center: 101 members in one PATCH, /Bulk and .search are refused with
    SCIM errors citing the guide; 100 members pass; pages stop at 100; discovery says so."""
    ids = [(await create_user(scim, f"user.n{i}"))["id"] for i in range(101)]
    group = await create_group(scim, "Big")
    add = patch_op({"op": "add", "path": "members", "value": [{"value": i} for i in ids]})
    refused = await scim.patch(f"/Groups/{group['id']}", json=add)
    assert refused.status_code == 400
    body = refused.json()
    assert body["scimType"] == "invalidValue"
    assert "101 membership changes" in body["detail"]
    assert (
        "docs.aws.amazon.com/singlesignon/latest/developerguide/patchgroup.html" in body["detail"]
    )
    fits = patch_op({"op": "add", "path": "members", "value": [{"value": i} for i in ids[:100]]})
    assert (await scim.patch(f"/Groups/{group['id']}", json=fits)).status_code in (200, 204)
    assert (await scim.post("/Bulk", json={"Operations": []})).status_code == 501
    assert (await scim.post("/Users/.search", json={})).status_code == 501
    page = (await scim.get("/Users", params={"count": 500})).json()
    assert (page["itemsPerPage"], page["totalResults"]) == (100, 101)
    spc = (await scim.get("/ServiceProviderConfig")).json()
    assert spc["bulk"]["supported"] is False
    assert spc["filter"]["maxResults"] == 100
    records = (await admin.get("/apps/demo/requests", params={"finding": "PRESET-RULE"})).json()
    assert len(records["requests"]) == 3


async def test_an_unknown_preset_is_400_listing_the_known(admin: httpx.AsyncClient) -> None:
    """The preset setting takes a known name or null."""
    answer = await admin.patch("/apps/demo/settings", json={"preset": "okta"})
    assert answer.status_code == 400
    assert "aws-iam-identity-center, google-cloud-identity" in answer.json()["detail"]
    cleared = await admin.patch("/apps/demo/settings", json={"preset": None})
    assert cleared.json()["preset"] is None


@pytest.mark.parametrize("app_settings", [{"preset": "google-cloud-identity"}])
async def test_google_preset_over_http(scim: httpx.AsyncClient) -> None:
    """Google Cloud Identity: no PUT (501), one member per group PATCH, remove by filter."""
    user = await create_user(scim, "ann.lee")
    other = await create_user(scim, "bob.ray")
    group = await create_group(scim, "Team")
    put = await scim.put(f"/Users/{user['id']}", json=user_body("ann.lee"))
    assert put.status_code == 501
    both = patch_op(
        {"op": "add", "path": "members", "value": [{"value": user["id"]}, {"value": other["id"]}]}
    )
    assert (await scim.patch(f"/Groups/{group['id']}", json=both)).status_code == 400
    one = patch_op({"op": "add", "path": "members", "value": [{"value": user["id"]}]})
    assert (await scim.patch(f"/Groups/{group['id']}", json=one)).status_code in (200, 204)
    by_list = patch_op({"op": "remove", "path": "members", "value": [{"value": user["id"]}]})
    assert (await scim.patch(f"/Groups/{group['id']}", json=by_list)).status_code == 400
    by_filter = patch_op({"op": "remove", "path": f'members[value eq "{user["id"]}"]'})
    assert (await scim.patch(f"/Groups/{group['id']}", json=by_filter)).status_code in (200, 204)


@pytest.mark.parametrize(
    ("profile", "preset", "rules"),
    [
        pytest.param(
            "okta",
            "google-cloud-identity",
            {"unsupportedMethod", "maxMembershipChanges"},
            id="okta-google",
        ),
        pytest.param(
            "entra",
            "google-cloud-identity",
            {"noWholeMembersChange", "maxMembershipChanges"},
            id="entra-google",
        ),
        pytest.param("rfc", "aws-iam-identity-center", {"singleValued"}, id="rfc-aws"),
    ],
)
async def test_a_pushed_population_meets_the_platform_limits_it_breaks(
    profile: str, preset: str, rules: set[str]
) -> None:
    """Real client shapes run into the published limits: Okta's PUT and group PATCHes of
    several members at Google, Entra's remove-by-value-list there, a second email at AWS."""
    traffic = await record_client(
        get_profile(profile), "lifecycle", app_settings={"preset": preset}
    )
    hit = {d.split(": ")[1] for r in traffic for f, d in r.findings if f == "PRESET-RULE"}
    assert hit == rules
    refused = [r for r in traffic if "PRESET-RULE" in r.finding_ids]
    assert all(r.status in (400, 501) for r in refused)


async def test_the_admin_api_lists_the_presets_with_their_sources(
    admin: httpx.AsyncClient,
) -> None:
    """GET /admin/presets shows each preset as its file has it."""
    listed = (await admin.get("/presets")).json()["presets"]
    assert [p["name"] for p in listed] == list(known_presets())
    assert listed[0] == load_preset(listed[0]["name"]).as_json()
    assert all(r["source"].startswith("https://") for p in listed for r in p["rules"])
