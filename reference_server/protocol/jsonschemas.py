"""JSON Schema validation of SCIM bodies and platform records (draft 2020-12).

The schemas live in ``fixtures/schemas/json``, one file each, and refer to one another by their
``$id`` (``https://scim-harness.dev/schemas/<file name>``). They are loaded into one
``referencing.Registry`` and each validator is compiled once, so a check costs only the walk
over the instance.

The server validates a request body *after* attribute names have been normalised to their
canonical case (RFC 7643 §2.1); the conformance suite validates server responses against the
same schemas. Messages name the JSON path of the offending attribute in SCIM notation, e.g.
``emails[0].value: 42 is not of type 'string'``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import jsonschema_rs
import referencing
import referencing.jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from scim_harness.reference_server.protocol.errors import InvalidValue, ScimError
from scim_harness.reference_server.protocol.jsonschema_inline import inline_refs
from scim_harness.reference_server.protocol.masking import is_password_name, mask_body

from scim_harness import fixtures

__all__ = [
    "BASE_URI",
    "SCHEMA_NAMES",
    "check",
    "is_valid",
    "registry",
    "schema",
    "validation_errors",
    "validator",
]

BASE_URI = "https://scim-harness.dev/schemas/"
"""Every schema's ``$id`` is this followed by its file name."""

SCHEMA_NAMES: tuple[str, ...] = (
    "bulk-request",
    "bulk-response",
    "common",
    "directory-group",
    "directory-user",
    "enterprise-user",
    "error",
    "expected-state",
    "group",
    "list-response",
    "mapping",
    "patch-op",
    "resource-type",
    "schema",
    "search-request",
    "service-provider-config",
    "user",
)
"""The schemas in ``fixtures/schemas/json``, by file name without ``.schema.json``."""

_SUFFIX = ".schema.json"
_MAX_MESSAGES = 20
_MAX_VALUE_CHARS = 60


def _file_name(name: str) -> str:
    return f"{name}{_SUFFIX}"


@cache
def schema(name: str) -> dict[str, Any]:
    """The parsed JSON Schema called ``name`` (e.g. ``"user"``, ``"patch-op"``)."""
    if name not in SCHEMA_NAMES:
        msg = f"No JSON Schema called {name!r}; known: {', '.join(SCHEMA_NAMES)}"
        raise KeyError(msg)
    loaded: dict[str, Any] = fixtures.load_json("schemas", "json", _file_name(name))
    return loaded


@cache
def registry() -> referencing.Registry[Any]:
    """Every schema, registered under its ``$id``."""
    resources = [
        (
            BASE_URI + _file_name(name),
            referencing.jsonschema.DRAFT202012.create_resource(schema(name)),
        )
        for name in SCHEMA_NAMES
    ]
    return referencing.Registry().with_resources(resources).crawl()


@cache
def _fast(name: str) -> jsonschema_rs.Validator:
    """The same schema compiled by jsonschema-rs: answers "valid?" in microseconds.

    Valid instances (nearly every request) never reach the Python validator; an invalid one
    is walked again by :func:`validator` for messages that name the attribute. The tests
    hold both to the same verdict on every sample and on generated instances.
    """
    resources = [(BASE_URI + _file_name(n), schema(n)) for n in SCHEMA_NAMES]
    return jsonschema_rs.validator_for(schema(name), registry=jsonschema_rs.Registry(resources))


def is_valid(name: str, instance: object) -> bool:
    """Whether ``instance`` satisfies schema ``name`` (the fast path of every check)."""
    return bool(_fast(name).is_valid(instance))


@cache
def validator(name: str) -> Validator:
    """The compiled draft 2020-12 validator of schema ``name``, built once.

    It validates against a copy of the schema whose ``$ref``s are inlined (see
    ``jsonschema_inline``): same meaning, without a registry lookup per reference per call.
    """
    inlined = inline_refs(schema(name), BASE_URI + _file_name(name), registry())
    compiled: Validator = Draft202012Validator(inlined, registry=registry())
    return compiled


def validation_errors(name: str, instance: object) -> list[str]:
    """Every way ``instance`` breaks schema ``name``, one message each, sorted by path.

    An empty list means the instance is valid.
    """
    if is_valid(name, instance):
        return []
    found: dict[str, tuple[tuple[tuple[int, int | str], ...], str]] = {}
    payload: Any = instance
    for error in validator(name).iter_errors(payload):
        for path, text in _describe(error):
            message = f"{_render_path(path)}: {text}"
            found.setdefault(message, (_sort_key(path), message))
    return [message for _, message in sorted(found.values())]


def check(name: str, instance: object, error: type[ScimError] = InvalidValue) -> None:
    """Raise ``error`` naming every problem when ``instance`` breaks schema ``name``.

    The default is ``invalidValue``: RFC 7644 §3.12 uses it for "a required value was
    missing, or the value specified was not compatible with the ... attribute type". Callers
    validating a protocol message (PatchOp, BulkRequest, SearchRequest) pass ``InvalidSyntax``,
    the scimType for a body that "did not conform to the request schema".
    """
    messages = validation_errors(name, instance)
    if not messages:
        return
    shown = messages[:_MAX_MESSAGES]
    if len(messages) > _MAX_MESSAGES:
        shown.append(f"... and {len(messages) - _MAX_MESSAGES} more")
    raise error("; ".join(shown))


# --- messages ---------------------------------------------------------------------------


def _describe(error: ValidationError) -> Iterable[tuple[Sequence[int | str], str]]:
    """(instance path, text) pairs for one jsonschema error; some errors name several paths."""
    path = list(error.absolute_path)
    keyword = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    if keyword == "required" and isinstance(instance, dict):
        missing = [key for key in value if key not in instance]
        return [([*path, key], "required attribute is missing") for key in missing]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(key for key in instance if key not in known)
        return [([*path, key], "attribute is not allowed here") for key in extra]
    if any(is_password_name(part) for part in path):
        # A password is never repeated, not even in an error (RFC 7643 §4.1.1: writeOnly).
        return [(path, _secret_text(error))]
    return [(path, _text(error))]


def _secret_text(error: ValidationError) -> str:
    if error.validator == "type":
        return f"the value is not of type {_types(error.validator_value)}"
    return f"the value does not satisfy '{error.validator}'"


def _text(error: ValidationError) -> str:
    keyword = error.validator
    value: Any = error.validator_value
    shown = _show(error.instance)
    if keyword == "type":
        return f"{shown} is not of type {_types(value)}"
    if keyword == "enum":
        allowed = ", ".join(_show(v) for v in value if v is not None)
        return f"{shown} is not one of {allowed}"
    if keyword == "const":
        return f"{shown} must be {_show(value)}"
    if keyword == "contains" and isinstance(value, dict) and "const" in value:
        return f"must contain {_show(value['const'])}"
    if keyword == "contains":
        return "contains no matching item"
    if keyword == "maxContains":
        if "primary" in json.dumps(error.schema):
            # RFC 7643 §2.4: "primary" is true for at most one value of a multi-valued attribute.
            return f"more than {value} value(s) marked primary"
        return f"more than {value} item(s) match"
    if keyword == "minLength":
        return "must not be empty" if value == 1 else f"must be at least {value} characters"
    if keyword == "minItems":
        return "must not be empty" if value == 1 else f"must have at least {value} items"
    if keyword == "minimum":
        return f"{shown} is less than the minimum of {value}"
    if keyword == "pattern":
        return f"{shown} does not match the pattern {value!r}"
    if keyword == "uniqueItems":
        return "has repeated items"
    if isinstance(error.instance, dict | list):
        return f"{shown} does not satisfy '{keyword}'"  # the message would repr it unmasked
    fallback: str = error.message
    return fallback


def _types(value: Any) -> str:
    names = [value] if isinstance(value, str) else list(value)
    # RFC 7643 §2.5: null only means "unassigned", so "string or null" reads as 'string'.
    if len(names) == 2 and "null" in names:
        names = [n for n in names if n != "null"]
    return ", ".join(f"'{n}'" for n in names)


def _show(value: Any) -> str:
    """The value as JSON (passwords masked), shortened for long strings and big objects."""
    text = json.dumps(mask_body(value), ensure_ascii=False, sort_keys=True)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


def _render_path(path: Sequence[int | str]) -> str:
    """SCIM-style path: ``emails[0].value``; an extension URN joins with ':' (RFC 7644 §3.10)."""
    if not path:
        return "(root)"
    rendered = ""
    for position, part in enumerate(path):
        if isinstance(part, int):
            rendered += f"[{part}]"
        elif position == 0:
            rendered = part
        elif position == 1 and isinstance(path[0], str) and path[0].lower().startswith("urn:"):
            rendered += f":{part}"
        else:
            rendered += f".{part}"
    return rendered


def _sort_key(path: Sequence[int | str]) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in path)
