"""Bodies no client should send are 400 with a SCIM error, never a 500, and still recorded.

Each case is one of the inputs that answered 500 (or slipped past the UTF-8 check) in the
hostile-input campaign of issue 13.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from platform_support import patch_op
from scim_harness.reference_server.protocol.strict_json import MAX_DEPTH, parse_body
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import SCIM, user_body

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def _last_record(store: SqliteStore) -> dict[str, Any]:
    return store.requests("demo", limit=10_000)[-1]


def _refused(response: httpx.Response, scim_type: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert body["schemas"] == [ERROR]
    assert body["scimType"] == scim_type
    return body


def _nested(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


BODIES = [
    pytest.param(b'{"userName": "\\ud800"}', "invalidSyntax", "surrogate", id="lone-surrogate"),
    pytest.param(
        b'{"userName": "a", "name": {"givenName": "\\uDC00x"}}',
        "invalidSyntax",
        "surrogate",
        id="lone-low-surrogate-nested",
    ),
    pytest.param(b'{"\\ud83d": 1}', "invalidSyntax", "surrogate", id="surrogate-in-a-key"),
    pytest.param(
        b'{"userName": ' + b"9" * 5000 + b"}", "invalidValue", "5000 digits", id="int-5000-digits"
    ),
    pytest.param(b'{"userName": 9223372036854775808}', "invalidValue", "64-bit", id="int-2-to-63"),
    pytest.param(
        b'{"userName": -9223372036854775809}', "invalidValue", "64-bit", id="int-below-int64"
    ),
    pytest.param(b'{"userName": 1e400}', "invalidValue", "too large", id="float-overflow"),
    pytest.param(b'{"userName": NaN}', "invalidSyntax", "NaN is not JSON", id="nan"),
    pytest.param(b'{"userName": -Infinity}', "invalidSyntax", "-Infinity", id="infinity"),
    pytest.param(_nested(MAX_DEPTH + 1).encode(), "invalidSyntax", "nested deeper", id="depth-33"),
    pytest.param(_nested(900).encode(), "invalidSyntax", "nested deeper", id="depth-900"),
    pytest.param(b"[" * 100_000, "invalidSyntax", "nested deeper", id="depth-100000"),
    pytest.param(
        json.dumps(user_body("utf.sixteen")).encode("utf-16"), "invalidSyntax", "UTF-8", id="utf-16"
    ),
    pytest.param(
        json.dumps(user_body("utf.sixteen")).encode("utf-16-le"),
        "invalidSyntax",
        "malformed JSON",
        id="utf-16-le-no-bom",
    ),
    pytest.param(
        json.dumps(user_body("utf.thirtytwo")).encode("utf-32"),
        "invalidSyntax",
        "UTF-8",
        id="utf-32",
    ),
    pytest.param(b"\xff\xfe{}", "invalidSyntax", "UTF-8", id="invalid-utf-8"),
    pytest.param(
        json.dumps(user_body("nul\u0000name")).encode(),
        "invalidSyntax",
        "NUL",
        id="nul-in-username",
    ),
]


@pytest.mark.parametrize(("body", "scim_type", "detail"), BODIES)
async def test_a_hostile_user_body_is_400_and_recorded(
    scim: httpx.AsyncClient, store: SqliteStore, body: bytes, scim_type: str, detail: str
) -> None:
    """POST /Users with the body: 400 with its scimType, the request in the record."""
    response = await scim.post("/Users", content=body, headers={"Content-Type": SCIM})
    assert detail in _refused(response, scim_type)["detail"]
    record = _last_record(store)
    assert (record["method"], record["path"], record["status"]) == (
        "POST",
        "/apps/demo/scim/v2/Users",
        400,
    )
    assert record["response"]["scimType"] == scim_type


@pytest.mark.parametrize(("body", "scim_type", "detail"), BODIES)
def test_parse_body_refuses_what_the_endpoints_refuse(
    body: bytes, scim_type: str, detail: str
) -> None:
    """The one parser every endpoint uses raises the same refusal."""
    with pytest.raises(Exception) as caught:
        parse_body(body)
    assert getattr(caught.value, "scim_type", None) == scim_type
    assert detail in str(caught.value)


def test_what_real_clients_send_still_parses() -> None:
    """Paired surrogates, escapes, int64 bounds and 32 levels of nesting are all accepted."""
    assert parse_body(b'{"a": "\\ud83d\\ude00 \\u00e9"}') == {"a": "\U0001f600 \u00e9"}
    assert parse_body(b"[9223372036854775807, -9223372036854775808, 1.5e300]") == [
        2**63 - 1,
        -(2**63),
        1.5e300,
    ]
    assert parse_body(_nested(MAX_DEPTH - 1).encode()) is not None
    assert parse_body('{"name": "Zoë"}'.encode()) == {"name": "Zoë"}


async def test_a_surrogate_in_a_patch_is_400(
    scim: httpx.AsyncClient, created_user: dict[str, Any]
) -> None:
    """PATCH with a lone surrogate in a value: 400 invalidSyntax, the user unchanged."""
    body = json.dumps(patch_op({"op": "replace", "path": "title", "value": "x"})).replace(
        '"x"', '"\\udfff"'
    )
    response = await scim.patch(
        f"/Users/{created_user['id']}", content=body, headers={"Content-Type": SCIM}
    )
    _refused(response, "invalidSyntax")
    assert "title" not in (await scim.get(f"/Users/{created_user['id']}")).json()


async def test_a_deep_bulk_body_is_refused_whole_not_answered_500_per_operation(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """A Bulk operation whose data nests 600 levels: the request is 400 and recorded."""
    data = json.loads(_nested(30))
    operation = {"method": "POST", "path": "/Users", "bulkId": "a", "data": data}
    text = json.dumps({"schemas": [BULK], "Operations": [operation]})
    text = text.replace('"a": 1', _nested(600)[1:-1], 1)
    response = await scim.post("/Bulk", content=text, headers={"Content-Type": SCIM})
    _refused(response, "invalidSyntax")
    assert _last_record(store)["status"] == 400


@pytest.mark.parametrize(
    "search",
    [
        pytest.param({"startIndex": 1e300}, id="startIndex-1e300"),
        pytest.param({"count": 1e300}, id="count-1e300"),
        pytest.param({"startIndex": 2**62, "count": 2**62}, id="both-2-to-62"),
    ],
)
async def test_huge_paging_values_in_search_are_clamped(
    scim: httpx.AsyncClient, created_user: dict[str, Any], search: dict[str, Any]
) -> None:
    """RFC 7644 §3.4.2.4 in .search: clamped into range, answered 200, never an overflow."""
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], **search}
    response = await scim.post("/Users/.search", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 1


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"startIndex": "9" * 30}, id="startIndex-30-digits"),
        pytest.param({"count": "9" * 30}, id="count-30-digits"),
        pytest.param({"startIndex": "-" + "9" * 30}, id="startIndex-minus-30-digits"),
    ],
)
async def test_huge_paging_values_in_a_query_are_clamped(
    scim: httpx.AsyncClient, created_user: dict[str, Any], params: dict[str, str]
) -> None:
    """startIndex/count beyond 64 bits in a query are clamped (RFC 7644 §3.4.2.4), not a 500."""
    response = await scim.get("/Users", params=params)
    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 1


async def test_a_5000_digit_paging_value_is_400(scim: httpx.AsyncClient) -> None:
    """Past Python's int-string limit the value is refused as not an integer, not a 500."""
    response = await scim.get("/Users", params={"startIndex": "9" * 5000})
    assert "startIndex must be an integer" in _refused(response, "invalidValue")["detail"]


@pytest.mark.parametrize(
    ("params", "scim_type"),
    [
        pytest.param({"filter": "title eq " + "9" * 5000}, "invalidFilter", id="filter"),
        pytest.param({"filter": f"title eq {2**64}"}, "invalidFilter", id="filter-2-to-64"),
        pytest.param({"sortBy": "9" * 5000}, "invalidValue", id="sortBy"),
    ],
)
async def test_huge_integers_in_filter_and_sort_are_400(
    scim: httpx.AsyncClient, params: dict[str, str], scim_type: str
) -> None:
    """Integer literals past 64 bits are refused by the lexer, not converted and crashed on."""
    response = await scim.get("/Users", params=params)
    assert "out of range" in _refused(response, scim_type)["detail"]


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("after=" + "9" * 30, id="after-30-digits"),
        pytest.param("after=" + "9" * 5000, id="after-5000-digits"),
        pytest.param("limit=-" + "9" * 30, id="limit-minus-30-digits"),
    ],
)
async def test_admin_record_paging_never_overflows(admin: httpx.AsyncClient, query: str) -> None:
    """?after= and ?limit= of any size are clamped or 400, never a 500."""
    response = await admin.get(f"/apps/demo/requests?{query}")
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["schemas"] == [ERROR]


async def test_admin_bodies_are_parsed_strictly_too(admin: httpx.AsyncClient) -> None:
    """The admin API refuses a lone surrogate and a 5000-digit number like SCIM does."""
    for body in (
        b'{"name": "\\ud800"}',
        b'{"name": "x", "settings": {"retention": ' + b"9" * 5000 + b"}}",
    ):
        response = await admin.post(
            "/apps", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.json()["schemas"] == [ERROR]
