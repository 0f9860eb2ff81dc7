"""Inlining $refs changes how fast a schema validates, never what it accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from scim_harness.reference_server.protocol import jsonschemas
from scim_harness.reference_server.protocol.jsonschema_inline import inline_refs

from scim_harness import fixtures

SAMPLES = sorted(p.name for p in fixtures.path("samples").glob("*.json"))


def plain_messages(name: str, instance: Any) -> list[str]:
    """jsonschema's own messages from the schema file as written, $refs and all."""
    plain = Draft202012Validator(jsonschemas.schema(name), registry=jsonschemas.registry())
    return sorted(f"{list(e.absolute_path)} {e.message}" for e in plain.iter_errors(instance))


def inlined_messages(name: str, instance: Any) -> list[str]:
    errors = jsonschemas.validator(name).iter_errors(instance)
    return sorted(f"{list(e.absolute_path)} {e.message}" for e in errors)


@pytest.mark.parametrize("file_name", SAMPLES)
@pytest.mark.parametrize("name", ["user", "group", "patch-op", "bulk-request", "bulk-response"])
def test_inlined_schema_finds_the_same_errors_as_the_file(name: str, file_name: str) -> None:
    """Every sample, against several schemas, meets the same errors inlined or not."""
    instance = fixtures.load_json("samples", file_name)
    assert inlined_messages(name, instance) == plain_messages(name, instance)


def test_cross_file_references_are_inlined() -> None:
    """The compiled User schema carries no $ref: the enterprise extension is copied in."""
    compiled = jsonschemas.validator("user").schema
    assert '"$ref": "' not in json.dumps(compiled)
    extension = compiled["properties"]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert "$id" not in extension
    assert "manager" in extension["properties"]


def test_recursive_references_stay_absolute_references() -> None:
    """A SCIM attribute's subAttributes refer back to the attribute definition by absolute URI."""
    compiled = jsonschemas.validator("schema").schema
    attribute = compiled["properties"]["attributes"]["items"]
    assert attribute["properties"]["subAttributes"]["items"] == {
        "$ref": "https://scim-harness.dev/schemas/schema.schema.json#/$defs/attribute"
    }


def test_recursive_references_still_validate_nested_attributes() -> None:
    """A bad sub-sub-attribute is still found through the kept reference."""
    bad = {
        "id": "urn:example:x",
        "attributes": [
            {
                "name": "a",
                "type": "complex",
                "subAttributes": [
                    {"name": "b", "type": "complex", "subAttributes": [{"name": "c", "type": "?"}]}
                ],
            }
        ],
    }
    [message] = jsonschemas.validation_errors("schema", bad)
    assert message.startswith('attributes[0].subAttributes[0].subAttributes[0].type: "?" is not')


def test_sibling_keywords_of_a_ref_are_kept_beside_it() -> None:
    """{"$ref": X, "contains": Y} becomes {"contains": Y, "allOf": [X]}."""
    registry = jsonschemas.registry()
    base = "https://scim-harness.dev/schemas/t.schema.json"
    schema = {
        "$ref": "https://scim-harness.dev/schemas/common.schema.json#/$defs/httpStatus",
        "minLength": 3,
    }
    inlined = inline_refs({"properties": {"status": schema}}, base, registry)
    assert inlined["properties"]["status"] == {
        "minLength": 3,
        "allOf": [jsonschemas.schema("common")["$defs"]["httpStatus"]],
    }
