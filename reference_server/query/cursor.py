"""Cursors (RFC 9865): opaque, tamper-evident tokens of where a list walk stands.

A cursor names a :class:`Position` in a list's order (the resource type's rank for a root
search, the sort key, the row's ``seq``), the direction to read from it, the ``count`` the
walk was started with and when it was issued. It is bound to a *binding*: the app (its name and
creation time), the resource type(s) and the query (filter, sortBy, sortOrder). The binding is
not carried in the cursor; it is recomputed from the request, so a cursor used by another app,
on another endpoint or with another filter does not verify.

Construction (a synthetic-IV scheme over HMAC-SHA256 with two keys derived from the
server's secret): ``tag = HMAC(k_mac, binding || payload)[:16]``, ``body = payload XOR
HMAC-CTR(k_enc, tag)``, cursor = base64url(tag || body) without padding: only characters
of RFC 3986 §2.3's unreserved set, opaque to clients, and any edit fails the tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from scim_harness.reference_server.protocol import jsonio
from scim_harness.reference_server.protocol.errors import ExpiredCursor, InvalidCursor

__all__ = ["INVALID_CURSOR", "CursorCodec", "Direction", "Position", "Token", "binding"]

Direction = Literal["next", "previous"]
_VERSION = 1
_TAG = 16
_MAX_LENGTH = 4096
INVALID_CURSOR = (
    "the cursor is not one this server issued for this query: send an empty cursor to start "
    "a walk, then each nextCursor (or previousCursor) as it was returned, with the same "
    "filter, sortBy and sortOrder"
)
"""One message for every cursor that does not verify (RFC 9865 §5.2: identical errors, so a
refusal says nothing about the data or the reason)."""


@dataclass(frozen=True)
class Position:
    """A row's place in a list's order: rank of its resource type, sort key, ``seq``."""

    rank: int
    missing: bool
    """The sort key is absent (such rows sort last, in either direction)."""
    key: Any
    """The sort key value (text or number); None without sortBy or when ``missing``."""
    seq: int


@dataclass(frozen=True)
class Token:
    """What a verified cursor says."""

    direction: Direction
    position: Position
    count: int | None
    """The ``count`` of the request that started the walk (None: not given)."""
    issued: int


def binding(app: str, app_created: str, rtypes: str, query: tuple[str, ...]) -> bytes:
    """The bytes a cursor is bound to: the app, the resource type(s), the query."""
    parts = (app, app_created, rtypes, *query)
    return "\x00".join(parts).encode("utf-8")


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """The bytes of a cursor; only the one spelling this server writes is accepted (base64
    ignores the unused bits of the last character, an edit there must not pass)."""
    padded = text + "=" * (-len(text) % 4)
    raw = base64.b64decode(padded, altchars=b"-_", validate=True)
    if _b64encode(raw) != text:
        raise ValueError(text)
    return raw


class CursorCodec:
    """Issues and verifies cursors with one server secret; ``clock`` gives Unix seconds."""

    def __init__(
        self, secret: bytes, *, timeout: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._mac_key = hmac.new(secret, b"scim-harness cursor mac", hashlib.sha256).digest()
        self._enc_key = hmac.new(secret, b"scim-harness cursor enc", hashlib.sha256).digest()
        self.timeout = timeout
        self._clock = clock

    def issue(
        self, bound: bytes, direction: Direction, position: Position, count: int | None
    ) -> str:
        """A cursor for reading from ``position`` in ``direction``, bound to ``bound``."""
        payload = jsonio.dumps(
            [
                _VERSION,
                0 if direction == "next" else 1,
                position.rank,
                position.missing,
                position.key,
                position.seq,
                count,
                int(self._clock()),
            ]
        )
        tag = hmac.new(self._mac_key, bound + payload, hashlib.sha256).digest()[:_TAG]
        return _b64encode(tag + _xor(payload, self._keystream(tag, len(payload))))

    def verify(self, bound: bytes, cursor: str) -> Token:
        """The token of a cursor issued for ``bound``; 400 invalidCursor or expiredCursor."""
        if len(cursor) > _MAX_LENGTH:
            raise InvalidCursor(INVALID_CURSOR)
        try:
            raw = _b64decode(cursor)
        except (binascii.Error, ValueError):
            raise InvalidCursor(INVALID_CURSOR) from None
        tag, body = raw[:_TAG], raw[_TAG:]
        if len(tag) < _TAG or not body:
            raise InvalidCursor(INVALID_CURSOR)
        payload = _xor(body, self._keystream(tag, len(body)))
        expected = hmac.new(self._mac_key, bound + payload, hashlib.sha256).digest()[:_TAG]
        if not hmac.compare_digest(tag, expected):
            raise InvalidCursor(INVALID_CURSOR)
        token = _token(payload)
        age = int(self._clock()) - token.issued
        if age > self.timeout:
            # RFC 9865 §2.1: expiredCursor once cursorTimeout has passed.
            msg = (
                f"the cursor expired: it was issued {age} s ago and cursors are valid for "
                f"{self.timeout} s (cursorTimeout); start the walk again with an empty cursor"
            )
            raise ExpiredCursor(msg)
        return token

    def _keystream(self, tag: bytes, length: int) -> bytes:
        blocks = []
        for counter in range((length + 31) // 32):
            block = tag + counter.to_bytes(4, "big")
            blocks.append(hmac.new(self._enc_key, block, hashlib.sha256).digest())
        return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def _token(payload: bytes) -> Token:
    """Read a verified payload; a verified payload of another layout is still refused."""
    try:
        fields = jsonio.loads(payload)
        version, direction, rank, missing, key, seq, count, issued = fields
    except (TypeError, ValueError):
        raise InvalidCursor(INVALID_CURSOR) from None
    ints = (rank, seq, issued)
    if (
        version != _VERSION
        or direction not in (0, 1)
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ints)
        or not isinstance(missing, bool)
        or not (count is None or (isinstance(count, int) and not isinstance(count, bool)))
    ):
        raise InvalidCursor(INVALID_CURSOR)
    return Token(
        "next" if direction == 0 else "previous",
        Position(rank, missing, key, seq),
        count,
        issued,
    )
