"""Compare what the suite wrote with what the target returns, attribute by attribute.

Every attribute that was sent is looked for in the resource that came back: simple values
(strings case-insensitively unless the target declares the attribute ``caseExact``), complex
values sub-attribute by sub-attribute, multi-valued attributes value by value (each value
sent must come back with the sub-attributes it was sent with, and no value may appear that
was not sent), and extension objects attribute by attribute. Nothing the target may
legitimately leave out is asserted: ``id``, ``meta`` and ``schemas`` (checked elsewhere), the
read-only and never-returned attributes (``groups``, ``password``, and whatever the target's
``/Schemas`` marks ``readOnly``, ``writeOnly``, ``returned: never`` or ``request``), and,
when ``/Schemas`` was readable, attributes it does not declare (the target does not claim to
store them). Sub-attributes the server adds (a member's ``display``, ``$ref``) are not
differences; ``primary: false`` and an absent ``primary`` are the same.
"""

from __future__ import annotations

import json
from typing import Any

from scim_harness.conformance.server.target import SchemaIndex

__all__ = ["CORE_SCHEMAS", "differences_from", "show", "writable"]

CORE_SCHEMAS = {
    "/Users": "urn:ietf:params:scim:schemas:core:2.0:User",
    "/Groups": "urn:ietf:params:scim:schemas:core:2.0:Group",
}
_NOT_COMPARED = {"id", "meta", "schemas", "groups", "password"}
"""RFC 7643 §3.1, §4.1.2, §4.1.1: assigned by the server, read-only, or never returned."""
_COMMON = {"externalid"}
"""RFC 7643 §3.1 common attributes: part of every resource, in no schema's attribute list."""
_SHOWN = 120


def show(value: Any) -> str:
    """A value as JSON, cut to a readable length."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _lower(obj: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in obj.items()} if isinstance(obj, dict) else {}


def _sub_definition(definition: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    if not definition:
        return None
    for sub in definition.get("subAttributes") or []:
        if isinstance(sub, dict) and str(sub.get("name", "")).lower() == name.lower():
            return sub
    return None


def _skipped(definition: dict[str, Any] | None) -> bool:
    """Declared read-only, write-only or not returned by default: not asserted."""
    if not definition:
        return False
    return definition.get("mutability") in ("readOnly", "writeOnly") or definition.get(
        "returned"
    ) in ("never", "request")


def writable(resource: Any, schemas: SchemaIndex | None = None, endpoint: str = "/Users") -> Any:
    """What of ``resource`` a client may write and expect back (see the module docstring)."""
    if not isinstance(resource, dict):
        return None
    core = CORE_SCHEMAS.get(endpoint, "")
    out: dict[str, Any] = {}
    for key, value in resource.items():
        name = str(key)
        if name.lower() in _NOT_COMPARED or value is None:
            continue
        if name.lower().startswith("urn:") and isinstance(value, dict):
            kept = {
                k: v
                for k, v in value.items()
                if v is not None
                and not _skipped(schemas.attribute(name, str(k)) if schemas else None)
            }
            if kept:
                out[name] = kept
            continue
        if schemas is not None and _skipped(schemas.attribute(core, name)):
            continue
        out[name] = value
    return out


def differences_from(
    expected: dict[str, Any],
    got: Any,
    schemas: SchemaIndex | None = None,
    endpoint: str = "/Users",
) -> list[str]:
    """One sentence per attribute of ``expected`` that ``got`` does not hold."""
    have = _lower(got)
    core = CORE_SCHEMAS.get(endpoint, "")
    problems: list[str] = []
    for key, want in expected.items():
        name = str(key)
        if name.lower().startswith("urn:") and isinstance(want, dict):
            if schemas is not None and not schemas.declares(name):
                continue
            problems += _extension(name, want, have.get(name.lower()), schemas)
            continue
        definition = schemas.attribute(core, name) if schemas else None
        undeclared = schemas is not None and schemas.declares(core) and definition is None
        if undeclared and name.lower() not in _COMMON:
            continue  # the target does not declare it: not asserted
        problems += _value(name, want, have.get(name.lower()), definition)
    return problems


def _extension(urn: str, want: dict[str, Any], have: Any, schemas: SchemaIndex | None) -> list[str]:
    if not isinstance(have, dict):
        return [f"{urn}: sent {show(want)}, got {show(have)}"]
    found = _lower(have)
    problems: list[str] = []
    for key, value in want.items():
        definition = schemas.attribute(urn, str(key)) if schemas else None
        if schemas is not None and definition is None:
            continue
        problems += _value(f"{urn}:{key}", value, found.get(str(key).lower()), definition)
    return problems


def _value(path: str, want: Any, have: Any, definition: dict[str, Any] | None) -> list[str]:
    if want is None or _skipped(definition):
        return []
    if isinstance(want, list):
        return _multi(path, want, have, definition)
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return [f"{path}: sent {show(want)}, got {show(have)}"]
        found = _lower(have)
        problems: list[str] = []
        for key, value in want.items():
            sub = _sub_definition(definition, str(key))
            problems += _value(f"{path}.{key}", value, found.get(str(key).lower()), sub)
        return problems
    if have is None:
        return [f"{path}: sent {show(want)}, not returned"]
    if not same_scalar(want, have, definition):
        return [f"{path}: sent {show(want)}, got {show(have)}"]
    return []


def same_scalar(want: Any, have: Any, definition: dict[str, Any] | None = None) -> bool:
    """Equal as SCIM values: strings ignore case unless ``caseExact``; no bool/int mix-ups."""
    if isinstance(want, bool) or isinstance(have, bool):
        return isinstance(want, bool) and isinstance(have, bool) and want == have
    if isinstance(want, str) and isinstance(have, str):
        exact = bool(definition and definition.get("caseExact") is True)
        return want == have if exact else want.casefold() == have.casefold()
    return bool(want == have)


def _item_matches(want: Any, have: Any, definition: dict[str, Any] | None) -> bool:
    if not isinstance(want, dict):
        return not isinstance(have, dict | list) and same_scalar(want, have, definition)
    if not isinstance(have, dict):
        return False
    found = _lower(have)
    for key, value in want.items():
        sub = _sub_definition(definition, str(key))
        got = found.get(str(key).lower())
        if str(key).lower() == "primary" and value is not True:
            if got is True:
                return False
            continue  # RFC 7643 §2.4: primary false and an absent primary are the same
        if value is None or _skipped(sub):
            continue
        if got is None or isinstance(got, dict | list) or not same_scalar(value, got, sub):
            return False
    return True


def _multi(path: str, want: list[Any], have: Any, definition: dict[str, Any] | None) -> list[str]:
    items = [w for w in want if w is not None]
    if not items:
        return []
    if not isinstance(have, list):
        return [f"{path}: sent {show(items)}, got {show(have)}"]
    problems: list[str] = []
    used: set[int] = set()
    for item in items:
        match = next(
            (
                i
                for i, candidate in enumerate(have)
                if i not in used and _item_matches(item, candidate, definition)
            ),
            None,
        )
        if match is None:
            problems.append(f"{path}: the value {show(item)} sent is not among {show(have)}")
        else:
            used.add(match)
    extra = [h for i, h in enumerate(have) if i not in used]
    if extra and not problems:
        problems.append(f"{path}: holds {show(extra)}, which was never sent")
    return problems
