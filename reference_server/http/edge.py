"""The HTTP edge: media types, body limits, JSON parsing and SCIM responses.

Every response body leaves through :func:`scim_response`, every refusal through
:func:`error_response`: the RFC 7644 §3.12 error body in ``application/scim+json``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from scim_harness.reference_server.protocol import jsonio
from scim_harness.reference_server.protocol.errors import (
    InvalidSyntax,
    PayloadTooLarge,
    RequestTimeout,
    ScimError,
    UnsupportedMedia,
)
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.strict_json import parse_body
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

__all__ = [
    "SCIM_MEDIA_TYPE",
    "dumps",
    "error_response",
    "internal_error_response",
    "parse_json",
    "read_body",
    "scim_response",
]

SCIM_MEDIA_TYPE = "application/scim+json; charset=utf-8"
_ACCEPTED_TYPES = ("application/scim+json", "application/json")
_LENGTH = re.compile(r"[0-9]{1,18}")

log = logging.getLogger("scim_harness.server")


def dumps(body: Any) -> bytes:
    return jsonio.dumps(body)


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A SCIM response (RFC 7644 §8.1: application/scim+json)."""
    if body is None:
        return Response(status_code=status, headers=headers)
    return Response(dumps(body), status_code=status, headers=headers, media_type=SCIM_MEDIA_TYPE)


def error_response(error: ScimError) -> Response:
    """The RFC 7644 §3.12 error body, with the error's status and headers."""
    return scim_response(error.body(), error.status, error.headers)


def internal_error_response() -> Response:
    """A 500 that shows no traceback; the log has it."""
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "500",
        "detail": "internal server error; the server log has the details",
    }
    return scim_response(body, 500)


async def read_body(request: Request, limit: int, timeout: float | None = None) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes without reading it all.

    The whole body must arrive within ``timeout`` seconds (408 and the connection closes):
    a client that sends less than its Content-Length cannot hold a connection forever.
    """
    declared = request.headers.get("content-length")
    if declared is not None and _declared_too_large(declared.strip(), limit):
        msg = f"request body of {declared[:40]} bytes exceeds the limit of {limit} bytes"
        raise PayloadTooLarge(msg)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    msg = f"request body exceeds the limit of {limit} bytes"
                    raise PayloadTooLarge(msg)
                chunks.append(chunk)
    except TimeoutError:
        msg = f"the request body did not arrive within {timeout:g} s ({size} bytes came)"
        raise RequestTimeout(msg) from None
    except ClientDisconnect:
        msg = f"the client closed the connection before the whole body came ({size} bytes)"
        raise InvalidSyntax(msg) from None
    return b"".join(chunks)


def _declared_too_large(declared: str, limit: int) -> bool:
    if _LENGTH.fullmatch(declared):
        return int(declared) > limit
    return declared.isascii() and declared.isdigit()  # more than 18 digits: too large


def parse_json(content_type: str | None, body: bytes, findings: Findings) -> Any:
    """Parse a request body: ``application/scim+json`` or ``application/json``, else 415.

    The body must be UTF-8 JSON the server can store (see :mod:`reference_server.strict_json`).
    """
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media and media not in _ACCEPTED_TYPES:
        # RFC 7644 §3.1/§8.1: bodies are application/scim+json (application/json accepted).
        msg = f"unsupported Content-Type {media[:100]!r}; send application/scim+json"
        raise UnsupportedMedia(msg)
    if media == "application/json":
        findings.note("INFO-MEDIA-TYPE", "request body sent as application/json")
    elif not media:
        findings.note("INFO-MEDIA-TYPE", "request body sent without a Content-Type")
    if not body.strip():
        msg = "request body is empty; a JSON object is required"
        raise InvalidSyntax(msg)
    return parse_body(body)
