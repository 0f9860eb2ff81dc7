"""Admin API: directory records (paged) and the request record (paged, filtered, exported)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from platform_support import create_group, create_user, patch_op
from scim_harness.reference_server.serve import Bootstrap


async def test_directory_users_and_groups_are_paged(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient
) -> None:
    """/directory/users pages with startIndex and count like a SCIM list; /groups too."""
    users = [await create_user(scim, f"user.{n}") for n in range(5)]
    await create_group(scim, "Everyone", [u["id"] for u in users])
    page = (
        await admin.get("/apps/demo/directory/users", params={"startIndex": 2, "count": 2})
    ).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [r["username"] for r in page["Resources"]] == ["user.1", "user.2"]
    everyone = (await admin.get("/apps/demo/directory/users")).json()
    assert everyone["itemsPerPage"] == 5
    groups = (await admin.get("/apps/demo/directory/groups")).json()
    assert groups["totalResults"] == 1
    assert groups["Resources"][0]["members"] == [f"user.{n}" for n in range(5)]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        pytest.param({"count": "ten"}, "count must be an integer", id="count"),
        pytest.param({"startindex": "1"}, "unknown query parameter(s) 'startindex'", id="unknown"),
    ],
)
async def test_bad_directory_parameters_are_400(
    admin: httpx.AsyncClient, params: dict[str, str], detail: str
) -> None:
    """A parameter that is not an integer, or not known, is refused."""
    response = await admin.get("/apps/demo/directory/users", params=params)
    assert response.status_code == 400
    assert detail in response.json()["detail"]


async def _traffic(scim: httpx.AsyncClient) -> dict[str, Any]:
    """Good and bad requests: a create, a refused create, a lenient deactivation, a 404, a 401."""
    user = await create_user(scim, "rec.user", password="hunter2-secret")
    bad = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bare"}
    await scim.post("/Users", json=bad)
    entra = patch_op({"op": "Replace", "path": "active", "value": "False"})
    await scim.patch(f"/Users/{user['id']}", json=entra)
    await scim.get("/Users/does-not-exist")
    await scim.get("/Users", headers={"Authorization": "Bearer wrong-token"})
    return user


def _ids(entry: dict[str, Any]) -> set[str]:
    return {f["id"] for f in entry["findings"]}


@pytest.mark.parametrize("app_settings", [{"deleteOnDeactivate": True}])
async def test_the_request_record_holds_each_request_with_its_findings(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient, boot: Bootstrap
) -> None:
    """Every request, 401 included, is recorded with status, bodies and what the server found."""
    user = await _traffic(scim)
    entries = (await admin.get("/apps/demo/requests")).json()["requests"]
    assert [(e["method"], e["status"]) for e in entries] == [
        ("POST", 201),
        ("POST", 400),
        ("PATCH", 204),
        ("GET", 404),
        ("GET", 401),
    ]
    create, refused, deactivate, missing, unauthorized = entries
    assert "EFFECT-DIRECTORY-WRITTEN" in _ids(create)
    assert create["response"]["id"] == user["id"]
    assert "REJECTED" in _ids(refused)
    assert "is required (mapped to platform attribute" in refused["response"]["detail"]
    assert {"LENIENT-OP-CASE", "LENIENT-STRING-BOOLEAN", "EFFECT-DELETED-ON-DEACTIVATION"} <= _ids(
        deactivate
    )
    assert "REJECTED" in _ids(missing)
    assert unauthorized["findings"] == [
        {"id": "REJECTED", "detail": unauthorized["findings"][0]["detail"]}
    ]
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert entries[0]["path"] == "/apps/demo/scim/v2/Users"


async def test_secrets_are_masked(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient, boot: Bootstrap
) -> None:
    """Authorization values, passwords in bodies and PATCH values, and query tokens are masked."""
    user = await create_user(scim, "masked.user", password="hunter2-secret")
    change = patch_op(
        {"op": "replace", "path": "password", "value": "second-secret"},
        {"op": "replace", "value": {"password": "third-secret"}},
    )
    await scim.patch(f"/Users/{user['id']}", json=change)
    await scim.get("/Users", params={"access_token": "query-secret", "count": "1"})
    export = (await admin.get("/apps/demo/requests.jsonl")).text
    for secret in (boot.token, "hunter2-secret", "second-secret", "third-secret", "query-secret"):
        assert secret not in export
    create, patch, listing = [json.loads(line) for line in export.splitlines()]
    assert create["headers"]["authorization"] == "Bearer ***"
    assert create["body"]["password"] == "***"
    assert [op.get("value") for op in patch["body"]["Operations"]] == ["***", {"password": "***"}]
    assert "access_token=%2A%2A%2A" in listing["query"]
    assert "count=1" in listing["query"]


async def test_filters_by_finding_and_time(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient
) -> None:
    """finding= keeps the requests with that finding; since/until bound the time."""
    await _traffic(scim)
    rejected = (await admin.get("/apps/demo/requests", params={"finding": "REJECTED"})).json()
    assert [e["status"] for e in rejected["requests"]] == [400, 404, 401]
    lenient = (
        await admin.get("/apps/demo/requests", params={"finding": "LENIENT-STRING-BOOLEAN"})
    ).json()
    assert [e["method"] for e in lenient["requests"]] == ["PATCH"]
    everything = (await admin.get("/apps/demo/requests")).json()["requests"]
    third = everything[2]["at"]
    since = (await admin.get("/apps/demo/requests", params={"since": third})).json()["requests"]
    assert [e["seq"] for e in since] == [e["seq"] for e in everything if e["at"] >= third]
    until = (await admin.get("/apps/demo/requests", params={"until": third})).json()["requests"]
    assert [e["seq"] for e in until] == [e["seq"] for e in everything if e["at"] <= third]
    future = (await admin.get("/apps/demo/requests", params={"since": "2999-01-01"})).json()
    assert future["requests"] == []
    offset = (
        await admin.get("/apps/demo/requests", params={"until": "2000-01-01T01:00:00+01:00"})
    ).json()
    assert offset["requests"] == []


async def test_paging_by_after_and_limit(admin: httpx.AsyncClient, scim: httpx.AsyncClient) -> None:
    """limit bounds a page; nextAfter leads to the next one and is null on the last."""
    await _traffic(scim)
    seen: list[int] = []
    after = 0
    while True:
        page = (await admin.get("/apps/demo/requests", params={"after": after, "limit": 2})).json()
        assert len(page["requests"]) <= 2
        seen += [e["seq"] for e in page["requests"]]
        if page["nextAfter"] is None:
            break
        after = page["nextAfter"]
    everything = (await admin.get("/apps/demo/requests")).json()["requests"]
    assert seen == [e["seq"] for e in everything]
    assert len(seen) == 5


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        pytest.param({"since": "yesterday"}, "since must be an ISO 8601 date-time", id="since"),
        pytest.param({"until": "2026-13-01"}, "until must be an ISO 8601 date-time", id="until"),
        pytest.param({"finding": "NOPE"}, "unknown finding 'NOPE'", id="finding"),
        pytest.param({"limit": "x"}, "limit must be an integer", id="limit"),
        pytest.param({"after": "1.5"}, "after must be an integer", id="after"),
        pytest.param({"page": "2"}, "unknown query parameter(s) 'page'", id="unknown"),
    ],
)
async def test_bad_request_record_parameters_are_400(
    admin: httpx.AsyncClient, params: dict[str, str], detail: str
) -> None:
    """Bad filters are refused with a clear 400, on the list and on the export."""
    for path in ("/apps/demo/requests", "/apps/demo/requests.jsonl"):
        if path.endswith(".jsonl") and "limit" in params:
            continue
        response = await admin.get(path, params=params)
        assert response.status_code == 400, path
        assert detail in response.json()["detail"]


async def test_export_is_json_lines_with_the_same_filters(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient
) -> None:
    """requests.jsonl streams one JSON object per line, oldest first, filter applied."""
    await _traffic(scim)
    response = await admin.get("/apps/demo/requests.jsonl", params={"finding": "REJECTED"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert "demo-requests.jsonl" in response.headers["content-disposition"]
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [e["status"] for e in lines] == [400, 404, 401]


async def test_retention_drops_the_oldest_first(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient
) -> None:
    """With retention 3, the record keeps the three newest requests."""
    await admin.patch("/apps/demo/settings", json={"retention": 3})
    for n in range(6):
        await scim.get("/Users", params={"count": n})
    kept = (await admin.get("/apps/demo/requests")).json()["requests"]
    assert [e["query"] for e in kept] == ["count=3", "count=4", "count=5"]
    export = (await admin.get("/apps/demo/requests.jsonl")).text.splitlines()
    assert len(export) == 3


async def test_the_admin_api_itself_is_not_recorded(
    admin: httpx.AsyncClient, scim: httpx.AsyncClient
) -> None:
    """Only the app's SCIM endpoints are recorded."""
    await admin.get("/apps/demo/settings")
    await scim.get("/Users")
    assert len((await admin.get("/apps/demo/requests")).json()["requests"]) == 1
