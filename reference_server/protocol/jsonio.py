"""JSON in and out, fast: orjson where it can, the standard library where it cannot.

orjson writes and reads several times faster than ``json`` (serialisation was the largest
cost of a GET after the database), but refuses what JSON allows and Python can hold:
integers beyond 64 bits, for one. Those rare values fall back to ``json``, so behaviour never
depends on which library answered.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["Raw", "dumps", "dumps_text", "loads"]


class Raw(bytes):
    """Already-serialised JSON, embedded as is (e.g. a response body in a request record)."""


def _orjson_default(value: Any) -> Any:
    if isinstance(value, Raw):
        return orjson.Fragment(bytes(value))
    raise TypeError


def _json_default(value: Any) -> Any:
    if isinstance(value, Raw):
        return json.loads(value)
    msg = f"{type(value).__name__} is not JSON serialisable"
    raise TypeError(msg)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON."""
    try:
        return orjson.dumps(value, default=_orjson_default)
    except TypeError:  # an integer beyond 64 bits, a non-string key...
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
        return text.encode()


def dumps_text(value: Any) -> str:
    return dumps(value).decode()


def loads(data: bytes | str) -> Any:
    """Parse JSON this server wrote (stored resources, records).

    Not for request bodies: orjson reads an integer beyond 64 bits as a float, so what a
    client sent is parsed by ``json`` (see :func:`reference_server.http.edge.parse_json`).
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        # The standard library decides, and words the error with its line and column.
        return json.loads(data)
