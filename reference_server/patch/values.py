"""Values inside a PATCH: comparison, type checks, merging, and the ``primary`` rule.

The PATCH engine (``patch.engine``) works on canonical resources (normalised by
``protocol.normalize``); this module holds the value-level rules it applies: when two
values are "the same" (``caseExact`` honoured), which JSON type an attribute takes, how a
complex value is merged sub-attribute by sub-attribute, and that ``primary: true`` appears
at most once in a multi-valued attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scim_harness.reference_server.protocol.errors import InvalidValue, Mutability
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import Attribute, fold

__all__ = [
    "add_elements",
    "check_type",
    "enforce_primary",
    "merge_complex",
    "same_element",
    "same_value",
    "writable_part",
]

# RFC 7643 §2.3: the JSON type each SCIM data type is carried in.
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "reference": (str,),
    "binary": (str,),
    "dateTime": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "decimal": (int, float),
}
_JSON_NAMES = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
}


def same_value(attr: Attribute | None, a: Any, b: Any) -> bool:
    """Whether two values of ``attr`` are equal under its ``caseExact`` rule (RFC 7643 §2.2).

    Complex values compare sub-attribute by sub-attribute (a null sub-attribute is the same as
    an absent one, RFC 7643 §2.5); arrays compare as multisets (their order carries no meaning).
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, str) and isinstance(b, str):
        folds = attr is not None and not attr.case_exact and attr.type in ("string", "reference")
        return fold(a) == fold(b) if folds else a == b
    if isinstance(a, dict) and isinstance(b, dict):
        keys = {k for k, v in a.items() if v is not None} | {
            k for k, v in b.items() if v is not None
        }
        return all(same_value(attr.sub(k) if attr else None, a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        remaining = list(b)
        for item in a:
            for i, other in enumerate(remaining):
                if same_value(attr, item, other):
                    del remaining[i]
                    break
            else:
                return False
        return True
    return bool(type(a) is type(b) and a == b)


def same_element(attr: Attribute, new: Any, old: Any) -> bool:
    """Whether ``new``, added to multi-valued ``attr``, is a value ``old`` already holds.

    RFC 7644 §3.5.2.1: adding a value the attribute already contains changes nothing. A member
    is identified by its immutable ``value`` (the member's id); any other complex value is
    already there when every sub-attribute it gives, ``primary`` aside, equals the stored one.
    """
    if not (isinstance(new, dict) and isinstance(old, dict)):
        return same_value(attr, new, old)
    value_sub = attr.sub("value")
    if value_sub is not None and value_sub.mutability == "immutable":
        return same_value(value_sub, new.get("value"), old.get("value"))
    return all(
        same_value(attr.sub(key), item, old.get(key))
        for key, item in new.items()
        if key != "primary" and item is not None
    )


def check_type(attr: Attribute, value: Any, where: str) -> None:
    """Refuse a value whose JSON type does not fit ``attr`` (RFC 7643 §2.3) with invalidValue."""
    if value is None:
        return
    if attr.multi_valued:
        if not isinstance(value, list):
            msg = f"{where}: {attr.name} is multi-valued; send an array, not {_json_name(value)}"
            raise InvalidValue(msg)
        for i, item in enumerate(value):
            _check_single(attr, item, f"{where}[{i}]")
        return
    _check_single(attr, value, where)


def _check_single(attr: Attribute, value: Any, where: str) -> None:
    if value is None:
        return
    if attr.is_complex:
        if not isinstance(value, dict):
            msg = (
                f"{where}: {attr.name} is complex; send an object of its sub-attributes, "
                f"not {_json_name(value)}"
            )
            raise InvalidValue(msg)
        for key, item in value.items():
            sub = attr.sub(key)
            if sub is not None:
                check_type(sub, item, f"{where}.{sub.name}")
        return
    expected = _JSON_TYPES.get(attr.type)
    if expected is None:
        return
    numeric = attr.type in ("integer", "decimal")
    if not isinstance(value, expected) or (numeric and isinstance(value, bool)):
        msg = f"{where}: {attr.name} takes a {attr.type}, not {_json_name(value)}"
        raise InvalidValue(msg)


def _json_name(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def writable_part(
    attr: Attribute, value: Mapping[str, Any], where: str, findings: Findings
) -> dict[str, Any]:
    """A complex value without its readOnly sub-attributes (e.g. ``members[].display``).

    RFC 7643 §2.2: values given for a readOnly attribute SHALL be ignored; each one ignored is
    noted, so the record shows what the client sent and the server did not take.
    """
    out: dict[str, Any] = {}
    for key, item in value.items():
        sub = attr.sub(key)
        if sub is not None and sub.mutability == "readOnly":
            if item is not None:
                findings.note("INFO-READONLY-IGNORED", f"{where}.{sub.name}: read-only, ignored")
            continue
        out[key] = item
    return out


def merge_complex(
    attr: Attribute, current: dict[str, Any], given: Mapping[str, Any], where: str
) -> None:
    """Merge ``given`` into the complex value ``current`` (modified in place).

    RFC 7644 §3.5.2.3: sub-attributes in the value replace existing ones or are added;
    sub-attributes not specified are left unchanged; a null one becomes unassigned (RFC 7643
    §2.5). RFC 7644 §3.5.2: an immutable sub-attribute may be set only while it has no value.
    """
    for key, item in given.items():
        sub = attr.sub(key)
        old = current.get(key)
        if (
            sub is not None
            and sub.mutability == "immutable"
            and old is not None
            and not same_value(sub, item, old)
        ):
            msg = f"{where}: {attr.name}.{sub.name} is immutable; it has a value and cannot change"
            raise Mutability(msg)
        if item is None:
            current.pop(key, None)
        else:
            current[key] = item


def _id_key(attr: Attribute, value: Any) -> Any:
    """The identity of a member-like value, as :func:`same_element` compares it."""
    sub = attr.sub("value")
    if isinstance(value, str) and sub is not None and not sub.case_exact:
        return ("s", fold(value))
    if isinstance(value, str):
        return ("s", value)
    return ("o", repr(value))


def _elements_by_id(attr: Attribute, elements: list[Any]) -> dict[Any, Any] | None:
    """Elements keyed by their immutable ``value``, when that is what identifies them."""
    value_sub = attr.sub("value")
    if value_sub is None or value_sub.mutability != "immutable":
        return None
    index: dict[Any, Any] = {}
    for element in elements:
        if isinstance(element, dict):
            index.setdefault(_id_key(attr, element.get("value")), element)
    return index


def add_elements(attr: Attribute, elements: list[Any], items: list[Any]) -> list[Any]:
    """Append ``items`` to ``elements`` (in place), skipping values already there.

    RFC 7644 §3.5.2.1: a multi-valued ``add`` adds new values; a value the attribute already
    contains is not added twice. A matched value takes the ``primary`` flag given with it and
    any sub-attribute it lacked. Returns the elements now standing for ``items``.
    """
    chosen: list[Any] = []
    by_id = _elements_by_id(attr, elements)
    for item in items:
        if item is None:
            continue
        if by_id is not None and isinstance(item, dict):
            # Identified by an immutable value (members): one dict lookup, not a scan.
            match = by_id.get(_id_key(attr, item.get("value")))
        else:
            match = next((e for e in elements if same_element(attr, item, e)), None)
        if match is None:
            elements.append(item)
            chosen.append(item)
            if by_id is not None and isinstance(item, dict):
                by_id.setdefault(_id_key(attr, item.get("value")), item)
            continue
        if isinstance(match, dict) and isinstance(item, dict):
            for key, sub_value in item.items():
                if key == "primary" or key not in match:
                    match[key] = sub_value
        chosen.append(match)
    return chosen


def enforce_primary(attr: Attribute, elements: list[Any], chosen: list[Any], where: str) -> None:
    """Keep ``primary: true`` on at most one value (RFC 7643 §2.4).

    When the operation made one of ``chosen`` primary, the flag is cleared on every other
    value; an operation asking for two primary values is refused with invalidValue.
    """
    if attr.sub("primary") is None:
        return
    new = [c for c in chosen if isinstance(c, dict) and c.get("primary") is True]
    unique = [c for i, c in enumerate(new) if all(c is not d for d in new[:i])]
    if not unique:
        return
    if len(unique) > 1:
        msg = f"{where}: more than one {attr.name} value marked primary (RFC 7643 §2.4)"
        raise InvalidValue(msg)
    for element in elements:
        if isinstance(element, dict) and element is not unique[0] and element.get("primary"):
            element["primary"] = False
