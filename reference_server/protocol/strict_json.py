"""Request bodies parsed strictly: UTF-8 text, JSON the server can store, within bounds.

RFC 8259 §8.1: JSON exchanged between systems is UTF-8; §8.2: a string holding an unpaired
UTF-16 surrogate (``"\\ud800"``) has no Unicode meaning; §6: numbers beyond what an
implementation can hold are a limit it may set. Each of these is refused here with 400, so
nothing later (validation, the error answer, the request record, SQLite) meets a value it
cannot handle:

- not UTF-8 (UTF-16 and UTF-32 included): ``invalidSyntax``;
- malformed JSON, ``NaN``/``Infinity``, nesting deeper than ``MAX_DEPTH``: ``invalidSyntax``;
- an unpaired surrogate or a NUL character in any string or member name: ``invalidSyntax``
  (the filter language refuses both too, so such a value could never be found again);
- an integer outside the signed 64-bit range, or a number that overflows a double:
  ``invalidValue``. The message never repeats the number (it may be a password).
"""

from __future__ import annotations

import json
import math
from typing import Any

from scim_harness.reference_server.protocol.errors import InvalidSyntax, InvalidValue, ScimError

__all__ = ["INT64", "MAX_DEPTH", "check_value", "parse_body"]

MAX_DEPTH = 32
"""Nesting of objects and arrays in a body; SCIM's deepest (a PatchOp in a Bulk) is about 10."""
INT64 = range(-(2**63), 2**63)
_MAX_DIGITS = 19


class _Refused(Exception):
    def __init__(self, error: ScimError) -> None:
        super().__init__(error.detail)
        self.error = error


def _int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) <= _MAX_DIGITS:
        value = int(text)
        if value in INT64:
            return value
    msg = (
        f"an integer of {len(digits)} digits is beyond the 64-bit range this server "
        "stores (-2^63 to 2^63-1)"
    )
    raise _Refused(InvalidValue(msg))


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        msg = "a number in the body is too large for a double-precision float"
        raise _Refused(InvalidValue(msg))
    return value


def _constant(name: str) -> Any:
    msg = f"{name} is not JSON (RFC 8259 §6: numbers are finite)"
    raise _Refused(InvalidSyntax(msg))


def parse_body(body: bytes) -> Any:
    """The JSON value of a request body, or the ScimError that refuses it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        msg = "request body is not UTF-8 text (RFC 8259 §8.1: JSON is exchanged as UTF-8)"
        raise InvalidSyntax(msg) from None
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Refused as refused:
        raise refused.error from None
    except json.JSONDecodeError as exc:
        msg = f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise InvalidSyntax(msg) from None
    except RecursionError:
        msg = f"malformed JSON: nested deeper than {MAX_DEPTH} levels"
        raise InvalidSyntax(msg) from None
    check_value(value, escapes="\\u" in text or "\\U" in text)
    return value


def check_value(value: Any, *, escapes: bool = True) -> None:
    """Refuse nesting past ``MAX_DEPTH`` and, when escapes may hide them, bad characters.

    Without a ``\\u`` escape in the text neither a surrogate nor a NUL can be in a string
    (raw ones are not UTF-8 or not JSON), so only the depth is walked then.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > MAX_DEPTH:
                raise _too_deep()
            for key, member in item.items():
                if escapes:
                    _check_text(key)
                if isinstance(member, dict | list):
                    stack.append((member, depth + 1))
                elif escapes and isinstance(member, str):
                    _check_text(member)
        elif isinstance(item, list):
            if depth > MAX_DEPTH:
                raise _too_deep()
            for member in item:
                if isinstance(member, dict | list):
                    stack.append((member, depth + 1))
                elif escapes and isinstance(member, str):
                    _check_text(member)
        elif escapes and isinstance(item, str):
            _check_text(item)


def _too_deep() -> InvalidSyntax:
    return InvalidSyntax(f"JSON nested deeper than {MAX_DEPTH} levels")


def _check_text(text: str) -> None:
    if text.isascii():
        if "\x00" in text:
            msg = "a string holds a NUL character (\\u0000), which no SCIM value may contain"
            raise InvalidSyntax(msg)
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        msg = "a string holds an unpaired UTF-16 surrogate escape: it is not Unicode text"
        raise InvalidSyntax(msg) from None
    if "\x00" in text:
        msg = "a string holds a NUL character (\\u0000), which no SCIM value may contain"
        raise InvalidSyntax(msg)
