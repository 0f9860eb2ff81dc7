"""Tokens of the RFC 7644 §3.4.2.2 filter language (also used for §3.10 PATCH paths).

Positions are 0-based character offsets into the text, reported in every error message as
"at position N" so a client can find its mistake.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from scim_harness.reference_server.protocol.errors import ScimError

__all__ = ["Token", "tokenize"]

_WHITESPACE = " \t\r\n"
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# ATTRNAME = ALPHA *(nameChar), with a URN prefix ("urn:...:2.0:User:") and "$ref" allowed.
_WORD = re.compile(r"[A-Za-z$][A-Za-z0-9_$:.\-]*")
_DOT_NAME = re.compile(r"\.[A-Za-z$][A-Za-z0-9_$\-]*")
_WORD_CHAR = re.compile(r"[A-Za-z0-9_$:.\-]")
_INT64 = range(-(2**63), 2**63)


@dataclass(frozen=True)
class Token:
    """kind: one of ( ) [ ] string number word dotname end."""

    kind: str
    text: str
    pos: int
    value: str | int | float | None = None


def _error(error: type[ScimError], message: str, pos: int) -> ScimError:
    return error(f"{message} at position {pos}")


def _string(text: str, pos: int, error: type[ScimError]) -> Token:
    end = pos + 1
    while end < len(text):
        char = text[end]
        if char == "\\":
            end += 2
            continue
        if char == '"':
            break
        end += 1
    if end >= len(text):
        raise _error(error, "unterminated string literal starting", pos)
    raw = text[pos : end + 1]
    try:
        # RFC 7644 §3.4.2.2: compValue strings are JSON strings (RFC 7159 §7 escapes).
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _error(error, f"invalid string literal ({exc.msg})", pos + exc.pos) from None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _error(error, "string literal holds an unpaired surrogate escape", pos) from None
    if "\x00" in value:
        raise _error(error, "string literal holds a NUL character", pos)
    return Token("string", raw, pos, value)


def _number(text: str, pos: int, error: type[ScimError]) -> Token:
    match = _NUMBER.match(text, pos)
    if match is None:
        raise _error(error, "invalid number", pos)
    raw = match.group()
    end = match.end()
    if end < len(text) and _WORD_CHAR.match(text, end):
        raise _error(error, "invalid number", pos)
    if any(c in raw for c in ".eE"):
        number = float(raw)
        if not math.isfinite(number):
            raise _error(error, "number out of range", pos)
        return Token("number", raw, pos, number)
    # Integers are stored as 64-bit (reference_server.strict_json): a longer literal could
    # match nothing, and past 4,300 digits Python would not even convert it.
    if len(raw.lstrip("-")) > 19 or int(raw) not in _INT64:
        raise _error(error, "number out of range (integers are 64-bit)", pos)
    return Token("number", raw, pos, int(raw))


def tokenize(text: str, error: type[ScimError]) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token; raises ``error`` on bad input."""
    tokens: list[Token] = []
    pos = 0
    length = len(text)
    while True:
        while pos < length and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= length:
            tokens.append(Token("end", "", pos))
            return tokens
        char = text[pos]
        if char in "()[]":
            tokens.append(Token(char, char, pos))
            pos += 1
            continue
        if char == '"':
            token = _string(text, pos, error)
        elif char.isascii() and (char.isdigit() or char == "-"):
            token = _number(text, pos, error)
        elif char == ".":
            match = _DOT_NAME.match(text, pos)
            if match is None:
                raise _error(error, "expected a sub-attribute name after '.'", pos)
            token = Token("dotname", match.group(), pos, match.group()[1:])
        else:
            match = _WORD.match(text, pos)
            if match is None:
                raise _error(error, f"unexpected character {char!r}", pos)
            token = Token("word", match.group(), pos)
        tokens.append(token)
        pos += len(token.text)
