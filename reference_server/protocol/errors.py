"""SCIM errors (RFC 7644 §3.12), one class per ``scimType``.

Every refusal the server makes is one of these; ``ScimError.body()`` is the only place the
RFC 7644 §3.12 error body is built.

    ScimError (status, scim_type, detail)
    ├── InvalidSyntax      400 invalidSyntax
    ├── InvalidValue       400 invalidValue
    ├── InvalidPath        400 invalidPath
    ├── InvalidFilter      400 invalidFilter
    ├── Mutability         400 mutability
    ├── NoTarget           400 noTarget
    ├── TooMany            400 tooMany
    ├── Sensitive          403 sensitive
    ├── InvalidVersion     400 invalidVers
    ├── InvalidCursor      400 invalidCursor  (RFC 9865 §2.1)
    ├── ExpiredCursor      400 expiredCursor  (RFC 9865 §2.1)
    ├── InvalidCount       400 invalidCount   (RFC 9865 §2.1)
    ├── Uniqueness         409 uniqueness
    ├── Conflict           409
    ├── Unauthorized       401
    ├── Forbidden          403
    ├── NotFound           404
    ├── MethodNotAllowed   405
    ├── RequestTimeout     408 (the body did not arrive in time; the connection closes)
    ├── PreconditionFailed 412
    ├── PayloadTooLarge    413
    ├── UnsupportedMedia   415
    ├── NotImplementedByServer 501
    └── ServiceUnavailable 503 (with Retry-After: a query over its time budget)
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "ERROR_SCHEMA",
    "Conflict",
    "ExpiredCursor",
    "Forbidden",
    "InvalidCount",
    "InvalidCursor",
    "InvalidFilter",
    "InvalidPath",
    "InvalidSyntax",
    "InvalidValue",
    "InvalidVersion",
    "MethodNotAllowed",
    "Mutability",
    "NoTarget",
    "NotFound",
    "NotImplementedByServer",
    "PayloadTooLarge",
    "PreconditionFailed",
    "RequestTimeout",
    "ScimError",
    "Sensitive",
    "ServiceUnavailable",
    "TooMany",
    "Unauthorized",
    "Uniqueness",
    "UnsupportedMedia",
]

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimError(Exception):
    """A request the server refuses, with the HTTP status and the SCIM ``scimType``."""

    status: ClassVar[int] = 400
    scim_type: ClassVar[str | None] = None

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The RFC 7644 §3.12 error body."""
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        body["detail"] = self.detail
        return body


class InvalidSyntax(ScimError):
    scim_type = "invalidSyntax"


class InvalidValue(ScimError):
    scim_type = "invalidValue"


class InvalidPath(ScimError):
    scim_type = "invalidPath"


class InvalidFilter(ScimError):
    scim_type = "invalidFilter"


class Mutability(ScimError):
    scim_type = "mutability"


class NoTarget(ScimError):
    scim_type = "noTarget"


class TooMany(ScimError):
    scim_type = "tooMany"


class InvalidVersion(ScimError):
    scim_type = "invalidVers"


class InvalidCursor(ScimError):
    """RFC 9865 §2.1: the cursor is not one this server issued for this query."""

    scim_type = "invalidCursor"


class ExpiredCursor(ScimError):
    """RFC 9865 §2.1: the cursor was issued longer than ``cursorTimeout`` seconds ago."""

    scim_type = "expiredCursor"


class InvalidCount(ScimError):
    """RFC 9865 §2.1: a cursor page's ``count`` is not an integer up to ``maxPageSize``."""

    scim_type = "invalidCount"


class Sensitive(ScimError):
    status = 403
    scim_type = "sensitive"


class Uniqueness(ScimError):
    status = 409
    scim_type = "uniqueness"


class Conflict(ScimError):
    """409 without a scimType, e.g. an unresolvable bulkId (RFC 7644 §3.7.1)."""

    status = 409


class Unauthorized(ScimError):
    status = 401

    def __init__(
        self, detail: str = "Authentication required: send 'Authorization: Bearer <token>'."
    ) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="scim"'})


class Forbidden(ScimError):
    status = 403


class NotFound(ScimError):
    status = 404


class MethodNotAllowed(ScimError):
    status = 405


class RequestTimeout(ScimError):
    """408: the request body did not arrive within the time allowed; the connection closes."""

    status = 408

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Connection": "close"})


class PreconditionFailed(ScimError):
    status = 412


class PayloadTooLarge(ScimError):
    status = 413


class UnsupportedMedia(ScimError):
    status = 415


class NotImplementedByServer(ScimError):
    status = 501


class ServiceUnavailable(ScimError):
    """503 with ``Retry-After``: the server will not finish this now (a query past its budget)."""

    status = 503

    def __init__(self, detail: str, *, retry_after: int = 1) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
