"""What a PATCH the suite sent means for the resource: the expected state after it.

The read-back compares every write with what it meant, so a PatchOp is applied here to the
state the suite expects (what it created, then wrote), by RFC 7644 §3.5.2 alone and without
any of the reference server's code. Only the forms whose outcome the RFC settles are
modelled: lower-case ``add``/``replace``/``remove``; paths ``attr``, ``attr.sub``,
``urn:...:attr`` and ``attr[sub eq "v" (and ...)][.sub]``; path-less values without dotted
keys. Anything else (a filter matching nothing on ``add``/``replace``, a sub-attribute of a
multi-valued attribute without a filter, a read-only target, the vendor shapes) returns None:
the outcome is the server's choice, so the resource is no longer compared until it is
replaced as a whole.

Where the RFC allows two readings the model expects less: a ``replace`` of filtered values
expects only the sub-attributes sent (whether the server merges or replaces the values), and
a value added as ``primary`` clears the expectation on the others' ``primary``.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["apply_operations", "same_state"]

_CORE = "urn:ietf:params:scim:schemas:core:2.0:"
_PATH = re.compile(
    r"^(?P<attr>[A-Za-z$][\w$-]*)(?:\[(?P<filter>[^\[\]]*)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$"
)
_CONDITION = re.compile(
    r'^\s*(?P<sub>[A-Za-z$][\w$-]*)\s+eq\s+(?P<value>"(?:[^"\\]|\\.)*"|true|false)\s*$',
    re.IGNORECASE,
)
_READ_ONLY = {"id", "meta", "groups", "schemas"}


class _Unknown(Exception):
    """The operation's outcome is the server's choice: stop modelling this resource."""


def same_state(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def apply_operations(state: dict[str, Any], operations: Any) -> dict[str, Any] | None:
    """The state after ``operations`` (a PatchOp's ``Operations``), or None when unknown."""
    if not isinstance(operations, list):
        return None
    work: dict[str, Any] = json.loads(json.dumps(state))
    try:
        for operation in operations:
            _apply(work, operation)
    except _Unknown:
        return None
    return work


def _key(container: dict[str, Any], name: str) -> str:
    """The key ``name`` has in ``container`` (names are case-insensitive), or ``name``."""
    return next((k for k in container if k.lower() == name.lower()), name)


def _apply(work: dict[str, Any], operation: Any) -> None:
    if not isinstance(operation, dict):
        raise _Unknown
    op, path, value = operation.get("op"), operation.get("path"), operation.get("value")
    if op not in ("add", "replace", "remove"):
        raise _Unknown  # other spellings ("Replace") are a server's choice to accept
    if path is None:
        if op == "remove" or not isinstance(value, dict):
            raise _Unknown
        for key, item in value.items():
            name = str(key)
            if name.lower().startswith("urn:") and isinstance(item, dict):
                extension = work.setdefault(_key(work, name), {})
                for sub, sub_value in item.items():
                    _set(extension, str(sub), sub_value, op)
            elif "." in name or name.lower().startswith("urn:"):
                raise _Unknown  # dotted keys: not RFC 7644 §3.5.2
            else:
                _set(work, name, value=item, op=op)
        return
    if not isinstance(path, str):
        raise _Unknown
    container, rest = _container(work, path, create=op != "remove")
    if container is None:
        return  # remove inside an extension the resource does not have: nothing to do
    found = _PATH.match(rest)
    if found is None or found["attr"].lower() in _READ_ONLY:
        raise _Unknown
    attr, condition, sub = found["attr"], found["filter"], found["sub"]
    if condition is None:
        _at_attribute(container, attr, sub, value, op)
    else:
        _at_filter(container, attr, _conditions(condition), sub, value, op)


def _container(work: dict[str, Any], path: str, *, create: bool) -> tuple[Any, str]:
    """The object holding the path's attribute (the resource or an extension) and the rest."""
    head = path.split("[", 1)[0]
    if not head.lower().startswith("urn:"):
        return work, path
    urn, _, attr = head.rpartition(":")
    rest = attr + path[len(head) :]
    if urn.lower().startswith(_CORE.lower()):
        return work, rest
    key = _key(work, urn)
    if key not in work:
        if not create:
            return None, rest
        work[key] = {}
    return work[key], rest


def _conditions(text: str) -> list[tuple[str, Any]]:
    parts = re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE)
    out: list[tuple[str, Any]] = []
    for part in parts:
        found = _CONDITION.match(part)
        if found is None:
            raise _Unknown  # or, not, other operators: not modelled
        raw = found["value"]
        wanted: Any = json.loads(raw) if raw.startswith('"') else raw.lower() == "true"
        out.append((found["sub"], wanted))
    return out


def _matches(item: Any, conditions: list[tuple[str, Any]]) -> bool:
    if not isinstance(item, dict):
        return False
    for sub, wanted in conditions:
        got = item.get(_key(item, sub))
        if isinstance(wanted, str) and isinstance(got, str):
            if wanted.casefold() != got.casefold():
                return False
        elif got != wanted:
            return False
    return True


def _at_attribute(
    container: dict[str, Any], attr: str, sub: str | None, value: Any, op: str
) -> None:
    key = _key(container, attr)
    if sub is None:
        if op == "remove":
            container.pop(key, None)
        else:
            _set(container, attr, value, op)
        return
    current = container.get(key)
    if isinstance(current, list):
        raise _Unknown  # "emails.value" without a filter: which values is the server's reading
    if op == "remove":
        if isinstance(current, dict):
            current.pop(_key(current, sub), None)
            if not current:
                container.pop(key, None)
        return
    if isinstance(value, dict | list):
        raise _Unknown
    target = current if isinstance(current, dict) else container.setdefault(key, {})
    target[_key(target, sub)] = value


def _at_filter(
    container: dict[str, Any],
    attr: str,
    conditions: list[tuple[str, Any]],
    sub: str | None,
    value: Any,
    op: str,
) -> None:
    key = _key(container, attr)
    items = container.get(key)
    items = items if isinstance(items, list) else []
    matched = [i for i in items if _matches(i, conditions)]
    if op == "remove":
        if sub is None:
            kept = [i for i in items if all(i is not m for m in matched)]
        else:
            for item in matched:
                item.pop(_key(item, sub), None)
            kept = [i for i in items if i != {}]
        if kept:
            container[key] = kept
        else:
            container.pop(key, None)
        return
    if not matched:
        raise _Unknown  # noTarget, or (lenient servers) a new value: the server's choice
    for item in matched:
        if sub is not None:
            if isinstance(value, dict | list):
                raise _Unknown
            item[_key(item, sub)] = value
        elif isinstance(value, dict):
            item.clear()
            item.update(value)  # expect only what was sent (merge or replace both pass)
        else:
            raise _Unknown


def _same_item(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict) and "value" in a and "value" in b:
        return bool(a["value"] == b["value"])
    return same_state(a, b)


def _set(container: dict[str, Any], name: str, value: Any, op: str) -> None:
    """``add``/``replace`` of a whole attribute (RFC 7644 §3.5.2.1, §3.5.2.3)."""
    if name.lower() in _READ_ONLY:
        raise _Unknown
    key = _key(container, name)
    current = container.get(key)
    if value is None:
        if op == "replace":
            container.pop(key, None)
        return
    if isinstance(value, list) or isinstance(current, list):
        new = value if isinstance(value, list) else [value]
        if op == "replace" or not isinstance(current, list):
            container[key] = list(new)
            return
        added = [v for v in new if not any(_same_item(v, c) for c in current)]
        if any(isinstance(v, dict) and v.get("primary") is True for v in added):
            for old in current:
                if isinstance(old, dict):
                    old.pop("primary", None)  # RFC 7643 §2.4: only one primary remains
        container[key] = [*current, *added]
        return
    if isinstance(value, dict) and isinstance(current, dict):
        current.update(value)  # sub-attributes not sent are left unchanged (§3.5.2.3)
        return
    if isinstance(value, str) and name.lower() == "active":
        raise _Unknown  # "False": a server's choice to accept
    container[key] = value
