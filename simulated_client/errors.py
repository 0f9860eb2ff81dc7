"""Errors of the simulated client; each says what the server answered.

    ScimClientError                the request did not succeed
    ├── ScimConnectionTestFailed   answered, but not as the imitated client's "Test connection"
    │                              needs (e.g. Entra ID and a 404 to its probe filter)
    ├── ScimTransportError         no answer: unreachable, connection reset
    │   └── ScimTimeoutError       no answer in time
    └── ScimHttpError              the server answered with a non-2xx status
        ├── ScimAuthError          401 / 403: the token was refused
        ├── ScimNotFound           404
        ├── ScimConflict           409 (RFC 7644 §3.3: uniqueness)
        ├── ScimRateLimited        429 still after the retries, or a wait too long to honour
        └── ScimServerError        5xx still after the retries

An HTTP error carries the ``httpx.Response`` and the parsed RFC 7644 §3.12 error fields
(``status``, ``scim_type``, ``detail``); its message reads like
``POST /Users: server answered 409 uniqueness: userName already exists``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

__all__ = [
    "ScimAuthError",
    "ScimClientError",
    "ScimConflict",
    "ScimConnectionTestFailed",
    "ScimHttpError",
    "ScimNotFound",
    "ScimRateLimited",
    "ScimServerError",
    "ScimTimeoutError",
    "ScimTransportError",
    "error_for_response",
]


class ScimClientError(Exception):
    """A request that did not succeed; ``target`` is ``METHOD path?query``."""

    def __init__(self, message: str, *, target: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.target = target


class ScimConnectionTestFailed(ScimClientError):
    """The connection test got an answer its client would not accept (the reason says why)."""


class ScimTransportError(ScimClientError):
    """No HTTP answer at all."""


class ScimTimeoutError(ScimTransportError):
    """No HTTP answer within the timeout."""


class ScimHttpError(ScimClientError):
    """The server answered with a status the client cannot accept."""

    def __init__(
        self,
        message: str,
        *,
        target: str = "",
        response: httpx.Response,
        scim_type: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, target=target)
        self.response = response
        self.status = response.status_code
        self.scim_type = scim_type
        self.detail = detail


class ScimAuthError(ScimHttpError):
    """401 or 403: the bearer token was refused."""


class ScimNotFound(ScimHttpError):
    """404: no such resource (or endpoint)."""


class ScimConflict(ScimHttpError):
    """409: a uniqueness conflict, or a version mismatch."""


class ScimRateLimited(ScimHttpError):
    """429 after every retry, or a Retry-After longer than the client will wait."""


class ScimServerError(ScimHttpError):
    """5xx after every retry."""


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None, str]:
    """(scimType, detail, short text) from an RFC 7644 §3.12 error body, when there is one."""
    text = response.text.strip()
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        scim_type = body.get("scimType")
        detail = body.get("detail")
        return (
            scim_type if isinstance(scim_type, str) else None,
            detail if isinstance(detail, str) else None,
            text[:200],
        )
    return None, None, text[:200]


def error_for_response(target: str, response: httpx.Response, *, note: str = "") -> ScimHttpError:
    """The error for a final non-2xx answer, its class chosen by status."""
    scim_type, detail, text = _error_fields(response)
    status = response.status_code
    said = " ".join(part for part in (str(status), scim_type or "") if part)
    if detail:
        said = f"{said}: {detail}"
    elif text:
        said = f"{said}: {text}"
    message = f"{target}: server answered {said}"
    if note:
        message = f"{message} ({note})"
    cls: type[ScimHttpError] = ScimHttpError
    if status in (401, 403):
        cls = ScimAuthError
    elif status == 404:
        cls = ScimNotFound
    elif status == 409:
        cls = ScimConflict
    elif status == 429:
        cls = ScimRateLimited
    elif status >= 500:
        cls = ScimServerError
    return cls(message, target=target, response=response, scim_type=scim_type, detail=detail)
