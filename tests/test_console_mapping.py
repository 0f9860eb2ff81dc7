"""The Attribute mapping tab: the same rules and messages as the admin API, shown on the row."""

from __future__ import annotations

import html
import json
from typing import Any

import httpx
import pytest
from console_support import ConsoleClient, console, console_app, stub_runner
from scim_harness.reference_server.platform.mapping import default_mapping
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette
from support import user_body

__all__ = ["console", "console_app", "stub_runner"]


def _form(mapping: dict[str, Any]) -> dict[str, str]:
    """The editor's fields for a mapping, as the browser would post them."""
    form = {"name": mapping["name"], "description": mapping.get("description", "")}
    for kind in ("users", "groups"):
        for i, row in enumerate(mapping[kind]):
            form[f"{kind}-{i}-platform"] = row["platform"]
            form[f"{kind}-{i}-scim"] = row["scim"]
            form[f"{kind}-{i}-transform"] = row.get("transform", "")
            if row["required"]:
                form[f"{kind}-{i}-required"] = "on"
    return form


def _default() -> dict[str, Any]:
    return json.loads(json.dumps(default_mapping().data))


async def _admin_detail(app: Starlette, admin_token: str, mapping: dict[str, Any]) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.put(
            "/admin/apps/demo/mapping",
            json=mapping,
            headers={"Authorization": f"Bearer {admin_token}"},
        )
    assert response.status_code == 400
    detail: str = response.json()["detail"]
    return detail


async def test_the_editor_shows_the_required_rows_locked(console: ConsoleClient) -> None:
    """The six user rows and Group Name are read-only, required, and have no Remove button."""
    page = (await console.get("/console/apps/demo/mapping")).text
    for kind, count in (("users", 6), ("groups", 1)):
        for i in range(count):
            assert f'name="{kind}-{i}-platform" type="text"' in page
            assert f'<input type="hidden" name="{kind}-{i}-required" value="on">' in page
    assert page.count("platform requires it") == 7


BAD_ROWS = [
    pytest.param(
        {
            "platform": "nickname",
            "scim": "nickName",
            "required": False,
            "transform": "activeToStatus",
        },
        id="transform",
    ),
    pytest.param(
        {"platform": "mobile", "scim": 'phoneNumbers[type eq "mobile"]', "required": False},
        id="whole-values",
    ),
    pytest.param({"platform": "shoe", "scim": "shoeSize", "required": False}, id="unknown"),
    pytest.param({"platform": "email", "scim": "title", "required": False}, id="repeat"),
    pytest.param({"platform": "id", "scim": "title", "required": False}, id="reserved"),
]


@pytest.mark.parametrize("row", BAD_ROWS)
async def test_a_bad_row_shows_the_admin_apis_message_on_that_row(
    console: ConsoleClient,
    console_app: Starlette,
    boot: Bootstrap,
    store: SqliteStore,
    row: dict[str, Any],
) -> None:
    """The row's error is word for word a part of the admin API's 400 for the same mapping."""
    mapping = _default()
    mapping["users"].append(row)
    response = await console.post("/console/apps/demo/mapping", _form(mapping))
    assert response.status_code == 400
    start = response.text.index('id="users-6-errors"')
    shown = response.text[start : response.text.index("</ul>", start)]
    message = html.unescape(shown.split("<li>")[1].split("</li>")[0])
    assert message.startswith("users[6]")
    assert message in await _admin_detail(console_app, boot.admin_token, mapping)
    assert store.get_app("demo").mapping is None  # type: ignore[union-attr]


@pytest.mark.parametrize("change", ["drop", "optional"])
async def test_a_required_row_cannot_be_dropped_or_made_optional(
    console: ConsoleClient, console_app: Starlette, boot: Bootstrap, change: str
) -> None:
    """Without the email row, or with it optional: refused with the admin API's message."""
    mapping = _default()
    if change == "drop":
        del mapping["users"][3]
    else:
        mapping["users"][3]["required"] = False
    response = await console.post("/console/apps/demo/mapping", _form(mapping))
    assert response.status_code == 400
    detail = await _admin_detail(console_app, boot.admin_token, mapping)
    expected = (
        'users: no row for the required platform attribute "email"'
        if change == "drop"
        else 'users[3] (platform "email"): the platform requires this attribute: set "required": true'
    )
    assert expected in detail
    assert expected in html.unescape(response.text)


async def test_a_saved_mapping_fills_the_directory_records(
    console: ConsoleClient, scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """An optional title row saved in the editor appears in the next user's directory record."""
    mapping = _default()
    mapping["users"].append({"platform": "title", "scim": "title", "required": False})
    response = await console.post("/console/apps/demo/mapping", _form(mapping))
    assert response.headers["location"] == "/console/apps/demo/mapping?done=saved"
    created = await scim.post("/Users", json={**user_body("ada"), "title": "Engineer"})
    assert created.status_code == 201
    _, records = store.directory_records("demo", "User", 0, 10)
    assert records[0]["attributes"] == {"title": "Engineer"}


async def test_blank_rows_are_ignored(console: ConsoleClient, store: SqliteStore) -> None:
    """The editor's empty trailing rows are not rows of the mapping."""
    form = {
        **_form(_default()),
        "users-6-platform": "",
        "users-6-scim": "",
        "groups-1-platform": "",
    }
    response = await console.post("/console/apps/demo/mapping", form)
    assert response.status_code == 303
    row = store.get_app("demo")
    assert row is not None and row.mapping is not None
    assert len(row.mapping["users"]) == 6


async def test_export_then_import_gives_the_same_mapping(
    console: ConsoleClient, store: SqliteStore
) -> None:
    """The exported JSON imports back; its option becomes the app's deletion setting."""
    exported = await console.get("/console/apps/demo/mapping.json")
    assert exported.headers["content-disposition"] == 'attachment; filename="demo-mapping.json"'
    data = exported.json()
    data["options"]["deleteOnDeactivate"] = True
    data["users"].append({"platform": "title", "scim": "title", "required": False})
    response = await console.post("/console/apps/demo/mapping/import", {"json": json.dumps(data)})
    assert response.headers["location"] == "/console/apps/demo/mapping?done=imported"
    row = store.get_app("demo")
    assert row is not None
    assert row.mapping == data
    assert row.settings["deleteOnDeactivate"] is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("{not json", "not JSON: Expecting property name", id="not-json"),
        pytest.param("[]", "invalid mapping: mapping:", id="not-an-object"),
    ],
)
async def test_a_bad_import_says_why_and_stores_nothing(
    console: ConsoleClient, store: SqliteStore, text: str, message: str
) -> None:
    """Not JSON, or not a mapping: 400 with the reason, the mapping unchanged."""
    response = await console.post("/console/apps/demo/mapping/import", {"json": text})
    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert store.get_app("demo").mapping is None  # type: ignore[union-attr]
