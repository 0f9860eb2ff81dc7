"""Directory user records: written from the mapping on every write, valid against their schema."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from platform_support import create_user, mapping, patch_op, valid_directory
from scim_harness.reference_server.platform import mapping as mapping_module
from scim_harness.reference_server.protocol import jsonschemas
from scim_harness.reference_server.protocol.schema import ENTERPRISE_USER, resource_type
from scim_harness.reference_server.store.sqlite import SqliteStore
from support import user_body


def _without_time(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "updatedAt"}


async def test_a_created_user_gets_a_valid_directory_record(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """With the six attributes present, the record holds them under the platform's names."""
    user = await create_user(scim, "barbara.jensen")
    record = valid_directory(store, "User", user["id"])
    assert _without_time(record) == {
        "id": user["id"],
        "username": "barbara.jensen",
        "firstName": "Barbara",
        "lastName": "Jensen",
        "email": "barbara.jensen@example.com",
        "displayName": "Barbara Jensen",
        "status": "active",
        "attributes": {},
    }
    assert record["updatedAt"].endswith("Z")


async def test_writing_the_record_is_a_finding(scim: httpx.AsyncClient, store: SqliteStore) -> None:
    """The request record notes EFFECT-DIRECTORY-WRITTEN on an accepted create."""
    await create_user(scim, "noted.user")
    [entry] = store.requests("demo")
    assert "EFFECT-DIRECTORY-WRITTEN" in [f["id"] for f in entry["findings"]]


async def test_the_work_email_is_mapped_not_the_primary_one(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """email comes from emails[type eq "work"], even when a home email is primary."""
    emails = [
        {"value": "home@example.org", "type": "home", "primary": True},
        {"value": "work@example.com", "type": "work"},
    ]
    user = await create_user(scim, "two.mails", emails=emails)
    assert valid_directory(store, "User", user["id"])["email"] == "work@example.com"


async def test_put_and_patch_update_the_record(scim: httpx.AsyncClient, store: SqliteStore) -> None:
    """A PUT and a PATCH each rewrite the directory record."""
    user = await create_user(scim, "ada.lovelace")
    body = user_body("ada.lovelace", displayName="Countess Ada")
    assert (await scim.put(f"/Users/{user['id']}", json=body)).status_code == 200
    assert valid_directory(store, "User", user["id"])["displayName"] == "Countess Ada"
    change = patch_op({"op": "replace", "path": "name.familyName", "value": "King"})
    assert (await scim.patch(f"/Users/{user['id']}", json=change)).status_code == 200
    record = valid_directory(store, "User", user["id"])
    assert (record["displayName"], record["lastName"]) == ("Countess Ada", "King")


@pytest.fixture
def extended(store: SqliteStore, boot: object) -> None:
    """App 'demo' uses fixtures/mappings/example-extended.json."""
    store.update_app("demo", mapping=mapping("example-extended"))


@pytest.mark.usefixtures("extended")
async def test_custom_rows_fill_attributes(scim: httpx.AsyncClient, store: SqliteStore) -> None:
    """Mobile phone, enterprise department and title rows appear in the record's attributes."""
    user = await create_user(
        scim,
        "grace.hopper",
        schemas=["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER],
        phoneNumbers=[
            {"value": "+1 555 0100", "type": "work"},
            {"value": "+1 555 0199", "type": "mobile"},
        ],
        title="Rear Admiral",
        **{ENTERPRISE_USER: {"department": "Navy"}},
    )
    record = valid_directory(store, "User", user["id"])
    assert record["attributes"] == {
        "mobile": "+1 555 0199",
        "department": "Navy",
        "title": "Rear Admiral",
    }


@pytest.mark.usefixtures("extended")
async def test_absent_optional_rows_are_left_out(
    scim: httpx.AsyncClient, store: SqliteStore
) -> None:
    """Optional rows without a value are not required and not in the record."""
    user = await create_user(scim, "plain.user")
    assert valid_directory(store, "User", user["id"])["attributes"] == {}


async def test_a_required_custom_row_is_enforced(
    scim: httpx.AsyncClient, store: SqliteStore, boot: object
) -> None:
    """A mapping that requires the enterprise department refuses a user without one."""
    data = mapping("default")
    path = f"{ENTERPRISE_USER}:department"
    data["users"].append({"platform": "department", "scim": path, "required": True})
    store.update_app("demo", mapping=data)
    response = await scim.post("/Users", json=user_body("no.department"))
    assert response.status_code == 400
    expected = f'{path} is required (mapped to platform attribute "department")'
    assert response.json()["detail"] == expected


async def test_a_transform_is_applied(
    scim: httpx.AsyncClient, store: SqliteStore, boot: object
) -> None:
    """A lower transform on email stores the address in lower case."""
    data = mapping("default")
    data["users"][3]["transform"] = "lower"
    store.update_app("demo", mapping=data)
    emails = [{"value": "Grace.Hopper@Example.COM", "type": "work"}]
    user = await create_user(scim, "grace.h", emails=emails)
    assert valid_directory(store, "User", user["id"])["email"] == "grace.hopper@example.com"


async def test_a_record_that_breaks_its_schema_is_a_500_and_never_stored(
    scim: httpx.AsyncClient, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory record failing its JSON Schema is a server bug: 500, nothing stored."""
    broken = SimpleNamespace(schema=jsonschemas.schema, validation_errors=lambda *_: ["broken"])
    monkeypatch.setattr(mapping_module, "jsonschemas", broken)
    response = await scim.post("/Users", json=user_body("never.stored"))
    assert response.status_code == 500
    assert "traceback" not in response.text.lower()
    monkeypatch.undo()
    assert (await scim.get("/Users")).json()["totalResults"] == 0


async def test_a_stored_mapping_that_does_not_validate_is_a_500(
    scim: httpx.AsyncClient, store: SqliteStore, boot: object
) -> None:
    """An app whose stored mapping was damaged answers 500 and stores nothing."""
    store.update_app("demo", mapping={"name": "damaged"})
    response = await scim.post("/Users", json=user_body("damaged.map"))
    assert response.status_code == 500
    assert store.search("demo", resource_type("User"), None).total == 0
