"""Secrets kept out of everything the server writes down: the record, error details, logs.

A secret is a password value (RFC 7643 §4.1.1: writeOnly, returned never) in any form a body
can carry it (a ``password`` member at any depth, a PATCH operation whose ``path`` names it,
a value of any JSON type), or a credential in a header or a query parameter under any
spelling (``Authorization``, ``X-Auth-Token``, ``access_t%6Fken``...). What cannot be parsed
is kept only when it cannot hold one; otherwise a stand-in says how much was left out.

Pure functions, no I/O: the pipeline masks what it records, the JSON Schema messages mask
what they quote, and the access log filter masks query strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = [
    "MASK",
    "is_password_name",
    "is_secret_header",
    "is_secret_param",
    "mask_body",
    "mask_headers",
    "mask_query",
    "mask_unparsed",
    "scrub",
    "secret_values",
]

MASK = "***"
MAX_UNPARSED = 64 * 1024
"""Characters of a body that is not JSON kept in the record (when it can hold no secret)."""

_SECRET_NAME = re.compile(
    r"auth|token|secret|passw|pwd|api[-_.]?key|apikey|session|cookie|credential|signature"
)
_SECRET_SCHEME = re.compile(r"\s*(bearer|basic|digest|token|negotiate)\s", re.IGNORECASE)
_SCHEME_WORD = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]{0,24})\s+\S")
# HTTP authentication schemes (IANA registry, and a few in common use): kept in front of ***.
_KNOWN_SCHEMES = frozenset(
    {
        "aws4-hmac-sha256",
        "basic",
        "bearer",
        "concealed",
        "digest",
        "dpop",
        "hoba",
        "mutual",
        "negotiate",
        "ntlm",
        "oauth",
        "privatetoken",
        "scram-sha-1",
        "scram-sha-256",
        "sso",
        "token",
        "vapid",
    }
)
_NOT_LETTER = re.compile(r"[^a-z]+")
_MIN_SCRUBBED = 4
"""Shorter password values are not searched for in free text (too many false hits)."""


def is_password_name(name: Any) -> bool:
    """``password``, its URN path (RFC 7644 §3.10) or a ``...Password`` member."""
    if not isinstance(name, str):
        return False
    lowered = name.split("[", 1)[0].strip().lower()
    return lowered.endswith("password")


def is_secret_header(name: str) -> bool:
    """A header that carries a credential (``Authorization``, ``Cookie``, ``X-Auth-Token``...)."""
    return bool(_SECRET_NAME.search(name.lower()))


def is_secret_param(name: str) -> bool:
    """A query parameter that carries a credential (``access_token``, ``api_key``...)."""
    return bool(_SECRET_NAME.search(name.lower()))


def _mask_credential(value: str) -> str:
    # Keep the scheme ("Bearer ***"): a client check needs to see which one was used. Any
    # other first word may be (part of) the credential itself, so it goes too.
    match = _SCHEME_WORD.match(value)
    if match and match.group(1).lower() in _KNOWN_SCHEMES:
        return f"{match.group(1)} {MASK}"
    return MASK


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with every credential masked: by name, or by a value naming an auth scheme."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        if is_secret_header(name) or _SECRET_SCHEME.match(value):
            out[name] = _mask_credential(value)
        else:
            out[name] = value
    return out


def mask_query(query: str) -> str:
    """The query string with credentials masked, whatever the spelling of their names.

    Names are compared after percent-decoding (``access_t%6Fken`` is ``access_token``); a
    query with nothing to mask is returned byte for byte, so its exact encoding stays on record.
    """
    if not query:
        return query
    if "%" not in query and "+" not in query and not _might_hold_secret(query):
        return query  # the common case: nothing to mask, no parsing
    pairs = parse_qsl(query, keep_blank_values=True)
    masked = [(k, MASK if _secret_pair(k, v) else v) for k, v in pairs]
    if masked == pairs:
        return query
    return urlencode(masked)  # *** as %2A%2A%2A, as the record has always shown it


def _might_hold_secret(text: str) -> bool:
    lowered = text.lower()
    return bool(_SECRET_NAME.search(lowered)) or "bearer" in lowered


def _secret_pair(name: str, value: str) -> bool:
    # A filter on password carries the password in its literal.
    return is_secret_param(name) or bool(_SECRET_SCHEME.match(value)) or "password" in value.lower()


def _is_password_op(value: Mapping[Any, Any]) -> bool:
    """A PATCH operation (or Bulk operation) whose ``path`` names the password."""
    return any(
        isinstance(k, str) and k.lower() == "path" and is_password_name(v) for k, v in value.items()
    )


def mask_body(value: Any) -> Any:
    """A parsed body with every password value replaced by ``***``, at any depth."""
    if isinstance(value, Mapping):
        op = _is_password_op(value)
        out: dict[Any, Any] = {}
        for key, item in value.items():
            lowered = key.lower() if isinstance(key, str) else ""
            filter_on_password = (
                lowered == "filter" and isinstance(item, str) and "password" in item.lower()
            )
            if is_password_name(key) or (op and lowered == "value") or filter_on_password:
                out[key] = MASK
            else:
                out[key] = mask_body(item)
        return out
    if isinstance(value, list):
        return [mask_body(v) for v in value]
    return value


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _secret_leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, Mapping):
        op = _is_password_op(value)
        for key, item in value.items():
            lowered = key.lower() if isinstance(key, str) else ""
            if is_password_name(key) or (op and lowered == "value"):
                yield from _leaves(item)
            else:
                yield from _secret_leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _secret_leaves(item)


def secret_values(body: Any) -> list[str]:
    """Every text form a password value of ``body`` could take in a message, longest first."""
    forms: set[str] = set()
    for leaf in _secret_leaves(body):
        if isinstance(leaf, bool) or leaf is None:
            continue
        text = leaf if isinstance(leaf, str) else json.dumps(leaf)
        candidates = {
            text,
            json.dumps(text)[1:-1],
            json.dumps(text, ensure_ascii=False)[1:-1],
            repr(text)[1:-1],
        }
        forms.update(c for c in candidates if len(c) >= _MIN_SCRUBBED)
    return sorted(forms, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret form replaced by ``***``."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def mask_unparsed(body: bytes) -> str:
    """What the record keeps of a body that is not JSON this server accepts.

    The text itself (up to ``MAX_UNPARSED`` characters) when it cannot hold a password;
    otherwise a stand-in: a body that does not parse cannot be masked member by member, and
    JSON escapes (``p\\u0061ssword``) can spell the name in ways a search would miss.
    """
    try:
        text = body.decode("utf-8")[:MAX_UNPARSED]
    except UnicodeDecodeError:
        text = ""  # UTF-16 and other encodings spell "password" with other bytes
    letters = _NOT_LETTER.sub("", text.lower())
    if not text or "passw" in letters or "\\u" in text.lower() or "%" in text:
        return f"{MASK} ({len(body)} bytes not kept: not JSON, and it may hold a password)"
    return text
