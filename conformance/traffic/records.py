"""One recorded request: which endpoint, which resource id, which query parameters.

The reference server records every request to an app's SCIM endpoints (method, path, query,
headers with the Authorization value masked, body, status, response and the server's
*findings*). :class:`Record` reads one of them; :mod:`.recording` holds a whole app's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, unquote

from scim_harness.conformance.model import Exchange

__all__ = [
    "ENDPOINTS",
    "Record",
    "exchange_of",
]

# RFC 7644 §3.2 Table 2: the endpoints under a SCIM base URL.
ENDPOINTS = ("Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas", "Bulk", "Me")
_ENDPOINT_BY_FOLD = {name.lower(): name for name in ENDPOINTS}
_SEARCH = ".search"
_PAGE = 500


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k).lower(): str(v) for k, v in value.items()}


def _parse_at(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None


def _split_endpoint(path: str) -> tuple[str, str | None, bool, int]:
    """(endpoint, resource id, is .search, index of the endpoint segment) of a request path.

    Read from the right so that any base URL works (``/apps/{app}/scim/v2``, ``/scim``...).
    """
    segments = [unquote(s) for s in path.split("/") if s]
    search = bool(segments) and segments[-1] == _SEARCH
    if search:
        segments = segments[:-1]
    if segments and segments[-1].lower() in _ENDPOINT_BY_FOLD:
        return _ENDPOINT_BY_FOLD[segments[-1].lower()], None, search, len(segments) - 1
    if len(segments) >= 2 and segments[-2].lower() in _ENDPOINT_BY_FOLD and not search:
        return _ENDPOINT_BY_FOLD[segments[-2].lower()], segments[-1], False, len(segments) - 2
    return "", None, search, len(segments)


@dataclass(frozen=True)
class Record:
    """One recorded request and its answer, as the checks read it."""

    raw: dict[str, Any] = field(repr=False)
    seq: int
    at: datetime | None
    method: str
    path: str
    query: str
    headers: dict[str, str]
    """Request headers, names lower-cased (the Authorization value is masked by the server)."""
    body: Any
    status: int | None
    response: Any
    response_headers: dict[str, str]
    elapsed_ms: float
    findings: tuple[tuple[str, str], ...]
    """(finding id, detail) pairs the server recorded."""
    endpoint: str
    """``Users``, ``Groups``, ``ServiceProviderConfig``... or ``""`` when none is recognised."""
    resource_id: str | None
    search: bool
    """A ``POST .../.search`` query."""
    rel_path: str
    """The path relative to the SCIM base URL, decoded: ``/Users/2819c223``."""

    @classmethod
    def from_json(cls, raw: dict[str, Any], position: int) -> Record:
        """A record from its JSON form; ``position`` (1-based) stands in for a missing seq."""
        path = _text(raw.get("path"))
        endpoint, resource_id, search, index = _split_endpoint(path)
        segments = [unquote(s) for s in path.split("/") if s]
        rel = "/" + "/".join(segments[index:]) if endpoint else path
        seq = raw.get("seq")
        status = raw.get("status")
        elapsed = raw.get("elapsed_ms")
        findings = tuple(
            (_text(f.get("id")), _text(f.get("detail")))
            for f in raw.get("findings") or []
            if isinstance(f, dict)
        )
        return cls(
            raw=raw,
            seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else position,
            at=_parse_at(raw.get("at")),
            method=_text(raw.get("method")).upper(),
            path=path,
            query=_text(raw.get("query")),
            headers=_headers(raw.get("headers")),
            body=raw.get("body"),
            status=status if isinstance(status, int) and not isinstance(status, bool) else None,
            response=raw.get("response"),
            response_headers=_headers(raw.get("response_headers")),
            elapsed_ms=float(elapsed) if isinstance(elapsed, int | float) else 0.0,
            findings=findings,
            endpoint=endpoint,
            resource_id=resource_id,
            search=search,
            rel_path=rel or "/",
        )

    # -- reading ------------------------------------------------------------------------

    def label(self) -> str:
        """How messages name the request: ``POST /Users (seq 12)``."""
        return f"{self.method} {self.rel_path} (seq {self.seq})"

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def has_body(self) -> bool:
        return self.body is not None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def answered_at(self) -> datetime | None:
        """When the answer left the server: ``at`` plus the time it took."""
        if self.at is None:
            return None
        return self.at + timedelta(milliseconds=self.elapsed_ms)

    @cached_property
    def params(self) -> list[tuple[str, str]]:
        """The query parameters, decoded (``+`` as a space, as form encoding has it)."""
        return parse_qsl(self.query, keep_blank_values=True)

    def param(self, name: str) -> str | None:
        """The first query parameter called ``name`` (any case: RFC 7644 §3.4.2 names)."""
        wanted = name.lower()
        for key, value in self.params:
            if key.lower() == wanted:
                return value
        return None

    @property
    def finding_ids(self) -> tuple[str, ...]:
        return tuple(fid for fid, _ in self.findings)

    def tolerated(self, finding_id: str) -> bool:
        """The server found this deviation: tolerated (lenient) or refused naming it (strict)."""
        marker = f"finding {finding_id}"
        return any(
            fid == finding_id or (fid == "REJECTED" and marker in detail)
            for fid, detail in self.findings
        )

    def finding_details(self, finding_id: str) -> list[str]:
        marker = f"finding {finding_id}"
        return [
            detail
            for fid, detail in self.findings
            if fid == finding_id or (fid == "REJECTED" and marker in detail)
        ]

    def rejected_detail(self) -> str:
        """The server's refusal, when it refused the request."""
        return "; ".join(detail for fid, detail in self.findings if fid == "REJECTED")

    def is_resource(self, endpoint: str) -> bool:
        """A request on one resource: ``/Users/{id}``."""
        return self.endpoint == endpoint and self.resource_id is not None

    def is_create(self, endpoint: str) -> bool:
        return (
            self.method == "POST"
            and self.endpoint == endpoint
            and self.resource_id is None
            and not self.search
        )


def exchange_of(record: Record, note: str = "") -> Exchange:
    """The record as evidence in a report."""
    url = record.path + (f"?{record.query}" if record.query else "")
    extra = [f"seq {record.seq}"]
    if record.raw.get("at"):
        extra.append(f"at {record.raw['at']}")
    if record.findings:
        extra.append("findings: " + ", ".join(record.finding_ids))
    if note:
        extra.insert(0, note)
    return Exchange(
        method=record.method,
        url=url,
        request_headers=dict(record.headers),
        request_body=record.body,
        status=record.status,
        response_headers=dict(record.response_headers),
        response_body=record.response,
        note="; ".join(extra),
    )
