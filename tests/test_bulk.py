"""POST /Bulk (RFC 7644 §3.7): operations, bulkId references, failures and the request record."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from bulk_support import op, patch_op, resource_id, run_bulk, total
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette
from support import group_body, user_body

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


async def test_bulk_creates_a_user_and_a_group_that_references_it(
    scim: httpx.AsyncClient,
) -> None:
    """A group POST whose member is "bulkId:qwerty" gets the user created by that POST."""
    group = group_body("Tour Guides")
    group["members"] = [{"type": "User", "value": "bulkId:qwerty"}]
    results = await run_bulk(
        scim,
        op("POST", "/Users", user_body("alice.smith"), bulk_id="qwerty"),
        op("POST", "/Groups", group, bulk_id="ytrewq"),
    )
    assert [(r["method"], r["bulkId"], r["status"]) for r in results] == [
        ("POST", "qwerty", "201"),
        ("POST", "ytrewq", "201"),
    ]
    user_id = resource_id(results[0])
    stored = (await scim.get(f"/Groups/{resource_id(results[1])}")).json()
    assert [m["value"] for m in stored["members"]] == [user_id]
    user = (await scim.get(f"/Users/{user_id}")).json()
    assert results[0]["version"] == user["meta"]["version"]
    assert results[0]["location"] == user["meta"]["location"]
    assert [g["display"] for g in user["groups"]] == ["Tour Guides"]


async def test_a_post_runs_before_an_earlier_operation_that_references_it(
    scim: httpx.AsyncClient,
) -> None:
    """A forward reference is resolved: the referenced POST runs first; results keep request order."""
    group = group_body("Forward")
    group["members"] = [{"value": "bulkId:later"}]
    results = await run_bulk(
        scim,
        op("POST", "/Groups", group, bulk_id="g"),
        op("POST", "/Users", user_body("later.user"), bulk_id="later"),
    )
    assert [r["bulkId"] for r in results] == ["g", "later"]
    assert [r["status"] for r in results] == ["201", "201"]
    stored = (await scim.get(f"/Groups/{resource_id(results[0])}")).json()
    assert stored["members"][0]["value"] == resource_id(results[1])


async def test_bulk_id_in_a_path_names_the_created_resource(scim: httpx.AsyncClient) -> None:
    """PUT and PATCH on /Users/bulkId:q act on the user that POST q created."""
    put = user_body("carol.jones", displayName="Carol Put")
    results = await run_bulk(
        scim,
        op("POST", "/Users", user_body("carol.jones"), bulk_id="q"),
        op("PUT", "/Users/bulkId:q", put),
        op(
            "PATCH",
            "/Users/bulkId:q",
            patch_op({"op": "replace", "path": "nickName", "value": "Caz"}),
        ),
    )
    assert [r["status"] for r in results] == ["201", "200", "200"]
    user_id = resource_id(results[0])
    assert {resource_id(r) for r in results} == {user_id}
    user = (await scim.get(f"/Users/{user_id}")).json()
    assert (user["displayName"], user["nickName"]) == ("Carol Put", "Caz")
    assert results[2]["version"] == user["meta"]["version"]


async def test_bulk_id_anywhere_in_data_is_replaced(scim: httpx.AsyncClient) -> None:
    """References are replaced at any depth: the enterprise manager and a PATCH value filter."""
    report = user_body("dave.report")
    report["schemas"] = [*report["schemas"], ENTERPRISE]
    report[ENTERPRISE] = {"manager": {"value": "bulkId:boss"}}
    results = await run_bulk(
        scim,
        op("POST", "/Users", user_body("erin.boss"), bulk_id="boss"),
        op("POST", "/Users", report, bulk_id="report"),
        op("POST", "/Groups", group_body("Managers"), bulk_id="grp"),
        op(
            "PATCH",
            "/Groups/bulkId:grp",
            patch_op({"op": "add", "path": "members", "value": [{"value": "bulkId:boss"}]}),
        ),
        op(
            "PATCH",
            "/Groups/bulkId:grp",
            patch_op({"op": "remove", "path": 'members[value eq "bulkId:boss"]'}),
        ),
    )
    assert [r["status"] for r in results] == ["201", "201", "201", "200", "200"]
    boss_id = resource_id(results[0])
    report_user = (await scim.get(f"/Users/{resource_id(results[1])}")).json()
    assert report_user[ENTERPRISE]["manager"]["value"] == boss_id
    group = (await scim.get(f"/Groups/{resource_id(results[2])}")).json()
    assert "members" not in group


async def test_patch_and_delete_operations_act_on_existing_resources(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """PATCH answers 200 with the new version; DELETE answers 204 and the user is gone."""
    other = (await scim.post("/Users", json=user_body("gone.user"))).json()
    results = await run_bulk(
        scim,
        op(
            "PATCH",
            f"/Users/{created_user['id']}",
            patch_op({"op": "replace", "path": "active", "value": False}),
        ),
        op("DELETE", f"/Users/{other['id']}"),
    )
    patched = (await scim.get(f"/Users/{created_user['id']}")).json()
    assert patched["active"] is False
    assert results[0] == {
        "method": "PATCH",
        "location": created_user["meta"]["location"],
        "version": patched["meta"]["version"],
        "status": "200",
    }
    assert results[1] == {
        "method": "DELETE",
        "location": other["meta"]["location"],
        "status": "204",
    }
    assert (await scim.get(f"/Users/{other['id']}")).status_code == 404


@pytest.mark.parametrize("app_settings", [{"groupPatchStatus": 204}], ids=["group-204"])
async def test_patch_status_follows_the_apps_setting(scim: httpx.AsyncClient) -> None:
    """A group PATCH reports the status the single PATCH would answer (here 204)."""
    results = await run_bulk(
        scim,
        op("POST", "/Groups", group_body("Renamed"), bulk_id="g"),
        op(
            "PATCH",
            "/Groups/bulkId:g",
            patch_op({"op": "replace", "path": "displayName", "value": "New"}),
        ),
    )
    assert results[1]["status"] == "204"


async def test_version_is_the_if_match_of_an_operation(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """A stale version answers 412 for that operation; the current one applies."""
    path = f"/Users/{created_user['id']}"
    current = created_user["meta"]["version"]
    results = await run_bulk(
        scim,
        op("PATCH", path, patch_op({"op": "add", "path": "title", "value": "A"}), version=current),
        op("PATCH", path, patch_op({"op": "add", "path": "title", "value": "B"}), version=current),
    )
    assert [r["status"] for r in results] == ["200", "412"]
    assert (await scim.get(path)).json()["title"] == "A"


async def test_a_failed_operation_changes_nothing_and_earlier_ones_stay(
    scim: httpx.AsyncClient,
) -> None:
    """A PatchOp failing on its second op leaves the user as it was; other operations apply."""
    results = await run_bulk(
        scim,
        op("POST", "/Users", user_body("frank.first"), bulk_id="a"),
        op(
            "PATCH",
            "/Users/bulkId:a",
            patch_op(
                {"op": "replace", "path": "displayName", "value": "Changed"},
                {"op": "replace", "path": "noSuchAttribute", "value": "x"},
            ),
        ),
        op("POST", "/Users", user_body("frank.first"), bulk_id="dup"),
        op("POST", "/Users", user_body("grace.last"), bulk_id="b"),
    )
    assert [r["status"] for r in results] == ["201", "400", "409", "201"]
    assert results[1]["response"]["scimType"] == "invalidPath"
    assert results[1]["location"].endswith(f"/Users/{resource_id(results[0])}")
    assert results[2]["response"]["scimType"] == "uniqueness"
    assert "location" not in results[2]
    first = (await scim.get(f"/Users/{resource_id(results[0])}")).json()
    assert first["displayName"] == "Frank First"
    assert first["meta"]["version"] == results[0]["version"]
    assert await total(scim, "/Users") == 2


async def test_without_fail_on_errors_every_operation_is_processed(
    scim: httpx.AsyncClient,
) -> None:
    """RFC 7644 §3.7.3: the server performs as many changes as it can."""
    results = await run_bulk(
        scim,
        op("DELETE", "/Users/missing-1"),
        op("DELETE", "/Users/missing-2"),
        op("POST", "/Users", user_body("henry.after"), bulk_id="h"),
    )
    assert [r["status"] for r in results] == ["404", "404", "201"]


@pytest.mark.parametrize(
    ("fail_on_errors", "processed"),
    [pytest.param(1, 2, id="stop-after-1"), pytest.param(2, 3, id="stop-after-2")],
)
async def test_fail_on_errors_stops_after_that_many_errors(
    scim: httpx.AsyncClient, fail_on_errors: int, processed: int
) -> None:
    """After failOnErrors errors the rest is neither processed nor reported."""
    results = await run_bulk(
        scim,
        op("POST", "/Users", user_body("ivy.one"), bulk_id="one"),
        op("DELETE", "/Users/missing-1"),
        op("DELETE", "/Users/missing-2"),
        op("POST", "/Users", user_body("ivy.four"), bulk_id="four"),
        fail_on_errors=fail_on_errors,
    )
    assert len(results) == processed
    assert [r["status"] for r in results] == ["201", "404", "404"][:processed]
    assert await total(scim, "/Users") == 1


async def test_an_unresolvable_bulk_id_is_a_409_for_that_operation(
    scim: httpx.AsyncClient,
) -> None:
    """A reference no POST defines, or to a POST that failed, answers 409 (RFC 7644 §3.7.2)."""
    bad = user_body("jack.bad", active="not a boolean")
    group = group_body("Orphans")
    group["members"] = [{"value": "bulkId:nobody"}]
    failed_ref = group_body("Failed Ref")
    failed_ref["members"] = [{"value": "bulkId:bad"}]
    results = await run_bulk(
        scim,
        op("POST", "/Groups", group, bulk_id="g1"),
        op("POST", "/Users", bad, bulk_id="bad"),
        op("POST", "/Groups", failed_ref, bulk_id="g2"),
        op("DELETE", "/Users/bulkId:nobody"),
    )
    assert [r["status"] for r in results] == ["409", "400", "409", "409"]
    assert "'nobody' cannot be resolved" in results[0]["response"]["detail"]
    assert "Operations[1]" in results[2]["response"]["detail"]
    assert results[3]["location"].endswith("/Users/bulkId:nobody")
    assert await total(scim, "/Groups") == 0


async def test_circular_references_are_refused_with_409(scim: httpx.AsyncClient) -> None:
    """Two groups naming each other, and a group naming itself, are 409 (RFC 7644 §3.7.1)."""
    a = group_body("A")
    a["members"] = [{"value": "bulkId:b"}]
    b = group_body("B")
    b["members"] = [{"value": "bulkId:a"}]
    me = group_body("Me")
    me["members"] = [{"value": "bulkId:me"}]
    results = await run_bulk(
        scim,
        op("POST", "/Groups", a, bulk_id="a"),
        op("POST", "/Groups", b, bulk_id="b"),
        op("POST", "/Groups", me, bulk_id="me"),
        op("POST", "/Groups", group_body("Fine"), bulk_id="fine"),
    )
    assert [r["status"] for r in results] == ["409", "409", "409", "201"]
    assert "circular" in results[0]["response"]["detail"]
    assert await total(scim, "/Groups") == 1


@pytest.mark.parametrize(
    ("method", "path", "status", "scim_type"),
    [
        pytest.param("POST", "/Widgets", "404", None, id="unknown-endpoint"),
        pytest.param("DELETE", "/Widgets/1", "404", None, id="unknown-endpoint-id"),
        pytest.param("DELETE", "/Users/no-such-id", "404", None, id="unknown-id"),
        pytest.param("POST", "/Users/some-id", "400", "invalidPath", id="post-to-a-resource"),
        pytest.param("DELETE", "/Users", "400", "invalidPath", id="delete-an-endpoint"),
        pytest.param("DELETE", "Users/x", "400", "invalidPath", id="relative"),
        pytest.param("DELETE", "/Users/x/y", "400", "invalidPath", id="too-deep"),
    ],
)
async def test_bad_paths_fail_their_operation(
    scim: httpx.AsyncClient, method: str, path: str, status: str, scim_type: str | None
) -> None:
    """An unknown endpoint or id is 404, a malformed path 400 invalidPath; the next op runs."""
    data = user_body("kim.path") if method == "POST" else None
    results = await run_bulk(
        scim,
        op(method, path, data, bulk_id="x" if method == "POST" else None),
        op("POST", "/Users", user_body("kim.next"), bulk_id="next"),
    )
    assert results[0]["status"] == status
    assert results[0]["response"].get("scimType") == scim_type
    assert results[1]["status"] == "201"
    assert await total(scim, "/Users") == 1


async def test_bulk_request_is_recorded_once_with_per_operation_findings(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """The record holds one /Bulk entry whose findings name the operation they came from."""
    echoed = user_body("liam.echo", id="client-chosen-id")
    await run_bulk(
        scim,
        op("POST", "/Users", echoed, bulk_id="e"),
        op("DELETE", "/Users/missing"),
    )
    records = store.requests("demo")
    assert [(r["method"], r["path"]) for r in records] == [("POST", "/apps/demo/scim/v2/Bulk")]
    record = records[0]
    assert record["status"] == 200
    details = {(f["id"], f["detail"]) for f in record["findings"]}
    assert ("INFO-READONLY-IGNORED", "Operations[0]: id in the body ignored") in details
    rejected = [d for i, d in details if i == "REJECTED"]
    assert rejected == ["Operations[1]: 404 User 'missing' not found"]


@pytest.mark.parametrize("app_settings", [{"lenient": False}], ids=["strict"])
async def test_operations_follow_the_apps_strict_mode(scim: httpx.AsyncClient) -> None:
    """In strict mode a tolerated shape fails its operation, with the strict finding's detail."""
    results = await run_bulk(
        scim,
        op("POST", "/Users", user_body("mia.strict", active="True"), bulk_id="s"),
        op("POST", "/Users", user_body("mia.fine"), bulk_id="f"),
    )
    assert [r["status"] for r in results] == ["400", "201"]
    assert "strict mode" in results[0]["response"]["detail"]


async def test_an_unexpected_error_fails_only_its_operation(
    scim: httpx.AsyncClient, asgi_app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash inside one operation is a 500 for it, without a traceback; the others run."""

    def crash(*args: object, **kwargs: object) -> None:
        msg = "secret internals"
        raise RuntimeError(msg)

    monkeypatch.setattr(asgi_app.state.server.resources, "delete", crash)
    results = await run_bulk(
        scim,
        op("DELETE", "/Users/anyone"),
        op("POST", "/Users", user_body("olga.after"), bulk_id="after"),
    )
    assert [r["status"] for r in results] == ["500", "201"]
    assert "secret internals" not in json.dumps(results)
