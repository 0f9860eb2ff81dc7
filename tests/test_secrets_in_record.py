"""No password and no token reaches the request record, an error detail or a finding.

Issue 13 found a password kept raw in the record when the body did not parse, echoed in a
400 detail when it had the wrong type, and tokens unmasked under odd query spellings and
header names. Each case sends a recognisable secret and searches everything written for it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from platform_support import patch_op
from scim_harness.reference_server.protocol import masking
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import SCIM, user_body

SECRET = "Hunter2-Sekrit-7731"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def _everything(store: SqliteStore) -> str:
    """Every recorded request, as stored (JSON text)."""
    store.flush_requests()
    rows = store.execute("SELECT record, findings FROM requests").fetchall()
    return "\n".join(r[0] + r[1] for r in rows)


def _assert_nowhere(store: SqliteStore, response: httpx.Response, *secrets: str) -> None:
    written = _everything(store)
    assert written, "the request must be recorded"
    for secret in secrets:
        assert secret not in response.text
        assert secret not in written


UNPARSEABLE = [
    pytest.param(f'{{"userName": "x", "password": "{SECRET}"', id="truncated-json"),
    pytest.param(f'{{"password": "{SECRET}",}}', id="trailing-comma"),
    pytest.param(f"password={SECRET}&userName=x", id="form-encoded"),
    pytest.param(f'{{"p\\u0061ssword": "{SECRET}" oops}}', id="escaped-name"),
    pytest.param(f'{{"PASSWORD": "{SECRET}", "n": NaN}}', id="nan"),
    pytest.param(f'{{"password": "{SECRET}", "n": {"9" * 5000}}}', id="huge-int"),
]


@pytest.mark.parametrize("body", UNPARSEABLE)
async def test_an_unparseable_body_with_a_password_is_recorded_as_a_stand_in(
    scim: httpx.AsyncClient, store: SqliteStore, body: str
) -> None:
    """The record keeps the request and a stand-in for its body, never the password."""
    response = await scim.post("/Users", content=body, headers={"Content-Type": SCIM})
    assert response.status_code == 400
    _assert_nowhere(store, response, SECRET)
    [record] = store.requests("demo")
    assert record["body"]["unparsed"].startswith("*** (")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("utf-16", id="utf-16"),
        pytest.param("utf-32", id="utf-32"),
        pytest.param("utf-16-le", id="utf-16-le-no-bom"),
    ],
)
async def test_a_password_in_another_encoding_is_not_recorded(
    scim: httpx.AsyncClient, store: SqliteStore, body: str
) -> None:
    """A UTF-16/32 body is 400, and the record cannot read the password out of it either."""
    content = json.dumps(user_body("enc.user", password=SECRET)).encode(body)
    response = await scim.post("/Users", content=content, headers={"Content-Type": SCIM})
    assert response.status_code == 400
    store.flush_requests()
    for (record,) in store.execute("SELECT record FROM requests"):
        assert SECRET not in record
        assert SECRET not in json.loads(record)["body"]["unparsed"].replace("\x00", "")


async def test_an_unparseable_body_without_a_password_is_kept_as_text(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """A client's malformed JSON stays readable in the record when it holds no secret."""
    await scim.post("/Users", content='{"userName": "x",}', headers={"Content-Type": SCIM})
    [record] = store.requests("demo")
    assert record["body"] == {"unparsed": '{"userName": "x",}'}


WRONG_TYPES = [
    pytest.param(77310042, id="integer"),
    pytest.param(77310042.5, id="float"),
    pytest.param({"value": SECRET}, id="object"),
    pytest.param([SECRET, "second"], id="array"),
    pytest.param(SECRET * 2000, id="long-string"),
]


@pytest.mark.parametrize("password", WRONG_TYPES)
async def test_a_password_of_the_wrong_type_is_not_echoed(
    scim: httpx.AsyncClient, store: SqliteStore, password: Any
) -> None:
    """POST with a password that is not a string: 400 naming the attribute, not the value."""
    response = await scim.post("/Users", json=user_body("typed.user", password=password))
    if response.status_code == 400:
        assert "password" in response.json()["detail"]
    secret = SECRET if not isinstance(password, int | float) else str(password)
    _assert_nowhere(store, response, secret)


@pytest.mark.parametrize("password", WRONG_TYPES)
async def test_a_patched_password_of_the_wrong_type_is_not_echoed(
    scim: httpx.AsyncClient, store: SqliteStore, created_user: dict[str, Any], password: Any
) -> None:
    """PATCH replace of the password with any value: nothing of it in answer or record."""
    for op in (
        {"op": "replace", "path": "password", "value": password},
        {
            "op": "Replace",
            "path": "urn:ietf:params:scim:schemas:core:2.0:User:password",
            "value": password,
        },
        {"op": "replace", "value": {"password": password}},
        {"op": "add", "path": "password ", "value": password},
    ):
        response = await scim.patch(f"/Users/{created_user['id']}", json=patch_op(op))
        secret = SECRET if not isinstance(password, int | float) else str(password)
        _assert_nowhere(store, response, secret)


async def test_a_password_in_a_failed_bulk_operation_is_not_echoed(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """A Bulk operation refused for its password: the BulkResponse and record keep no trace."""
    operation = {
        "method": "POST",
        "path": "/Users",
        "bulkId": "u",
        "data": user_body("bulk.user", password={"nested": [SECRET]}),
    }
    response = await scim.post("/Bulk", json={"schemas": [BULK], "Operations": [operation]})
    assert response.status_code == 200
    assert response.json()["Operations"][0]["status"] == "400"
    _assert_nowhere(store, response, SECRET)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(f"access_token={SECRET}", id="access_token"),
        pytest.param(f"access_t%6Fken={SECRET}", id="percent-encoded-name"),
        pytest.param(f"ACCESS_TOKEN={SECRET}", id="upper-case"),
        pytest.param(f"access+token={SECRET}", id="plus-for-underscore"),
        pytest.param(f"api_key={SECRET}", id="api_key"),
        pytest.param(f"x=Bearer%20{SECRET}", id="bearer-value"),
        pytest.param(f"filter=password%20eq%20%22{SECRET}%22", id="filter-on-password"),
        pytest.param(f"count=1&Token={SECRET}&startIndex=1", id="among-others"),
    ],
)
async def test_a_token_in_the_query_is_masked_however_it_is_spelled(
    scim: httpx.AsyncClient, store: SqliteStore, query: str
) -> None:
    """The recorded query has *** where the credential was."""
    response = await scim.get(f"/Users?{query}")
    _assert_nowhere(store, response, SECRET)
    [record] = store.requests("demo")
    assert "=%2A%2A%2A" in record["query"]


@pytest.mark.parametrize(
    "header",
    [
        "X-Auth-Token",
        "X-API-Key",
        "Api-Key",
        "Cookie",
        "Proxy-Authorization",
        "X-Amz-Security-Token",
        "X-Session-Id",
        "X-Client-Secret",
    ],
)
async def test_a_credential_header_is_masked(
    scim: httpx.AsyncClient, store: SqliteStore, header: str
) -> None:
    """Headers that carry credentials are recorded as ***, whatever their name."""
    response = await scim.get("/Users", headers={header: SECRET})
    _assert_nowhere(store, response, SECRET)


async def test_a_bearer_value_under_any_header_name_is_masked(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """A value that names an auth scheme is a credential, whatever header carries it."""
    response = await scim.get("/Users", headers={"X-Forwarded-For-Real": f"Bearer {SECRET}"})
    _assert_nowhere(store, response, SECRET)
    [record] = store.requests("demo")
    assert record["headers"]["x-forwarded-for-real"] == "Bearer ***"


async def test_the_authorization_scheme_stays_readable(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """The client suite reads the scheme: 'Bearer ***', the token itself gone."""
    await scim.get("/Users")
    [record] = store.requests("demo")
    assert record["headers"]["authorization"] == "Bearer ***"


def test_secret_values_cover_every_form_a_message_can_take() -> None:
    """Strings, their JSON escapes, numbers and nested values of password members."""
    body = {
        "password": 'q"uo\u00e9te',
        "Operations": [{"op": "replace", "path": "PASSWORD", "value": {"x": [12345678]}}],
        "other": "visible",
    }
    forms = masking.secret_values(body)
    assert 'q"uo\u00e9te' in forms and 'q\\"uo\\u00e9te' in forms and "12345678" in forms
    assert "visible" not in forms
    text = masking.scrub("detail: 'q\"uo\u00e9te' and 12345678", forms)
    assert text == "detail: '***' and ***"
