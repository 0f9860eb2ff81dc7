"""Traffic from a HAR 1.2 file: what a browser, mitmproxy or Postman captured, judged like the
reference server's record.

Each HAR entry becomes one request record (method, path, query, headers, body, status,
response, time taken); :class:`~.recording.Traffic` reads them as it reads the server's own.
What the capture holds besides SCIM requests (pages, scripts, images, other APIs) is left
out: an entry is kept when its path names a SCIM endpoint (RFC 7644 §3.2) or it sends or
asks for ``application/scim+json``. Secrets are masked on the way in (``Authorization``,
cookies, API keys, an ``access_token`` parameter, passwords), since a capture holds them in
the clear and reports print requests.

A HAR exported by the reference server (``/admin/apps/{app}/requests.har``) carries the
record's ``_seq`` and ``_findings`` too, so its judgement equals the record's.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = ["load_traffic_har", "records_from_har"]

_MASK = "***"
_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
_SECRET_PARAMS = {"access_token"}
_SCIM_MEDIA = "application/scim+json"


def _headers(pairs: Any) -> dict[str, str]:
    """HAR's name/value list as one dict; repeated names joined; HTTP/2 pseudo-headers and
    secrets masked."""
    out: dict[str, str] = {}
    for pair in pairs if isinstance(pairs, list) else []:
        if not isinstance(pair, dict):
            continue
        name, value = str(pair.get("name", "")).lower(), str(pair.get("value", ""))
        if not name or name.startswith(":"):
            continue
        if name in _SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} {_MASK}" if rest else _MASK
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _is_password(name: Any) -> bool:
    lowered = name.strip().lower() if isinstance(name, str) else ""
    return lowered == "password" or lowered.endswith(":password")


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        patched = any(k.lower() == "path" and _is_password(v) for k, v in value.items())
        return {
            k: _MASK if _is_password(k) or (patched and k.lower() == "value") else _masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _body(text: Any) -> Any:
    """A body's text as the record keeps it: parsed JSON (passwords masked), else unparsed."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return _masked(json.loads(text))
    except ValueError:
        return {"unparsed": text}


def _content_text(content: Any) -> str | None:
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return None
    text: str = content["text"]
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    return text


def _query(raw: str) -> str:
    pairs = parse_qsl(raw, keep_blank_values=True)
    if not any(k.lower() in _SECRET_PARAMS for k, _ in pairs):
        return raw
    return urlencode([(k, _MASK if k.lower() in _SECRET_PARAMS else v) for k, v in pairs])


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _record(entry: dict[str, Any], position: int) -> dict[str, Any]:
    request = _object(entry.get("request"))
    response = _object(entry.get("response"))
    url = urlsplit(str(request.get("url", "")))
    post = _object(request.get("postData"))
    status = response.get("status")
    seq = entry.get("_seq")
    elapsed = entry.get("time")
    findings = entry.get("_findings")
    return {
        "seq": seq if isinstance(seq, int) and not isinstance(seq, bool) else position,
        "at": entry.get("startedDateTime"),
        "method": str(request.get("method", "")).upper(),
        "path": url.path,
        "query": _query(url.query),
        "headers": _headers(request.get("headers")),
        "body": _body(post.get("text")),
        # 0 is HAR's "no response" (an aborted request).
        "status": status if isinstance(status, int) and status > 0 else None,
        "response_headers": _headers(response.get("headers")),
        "response": _body(_content_text(response.get("content"))),
        "elapsed_ms": max(float(elapsed), 0.0) if isinstance(elapsed, int | float) else 0.0,
        "findings": [f for f in findings if isinstance(f, dict)]
        if isinstance(findings, list)
        else [],
    }


def _is_scim(record: dict[str, Any]) -> bool:
    if Record.from_json(record, 0).endpoint:
        return True
    headers = record["headers"]
    return _SCIM_MEDIA in headers.get("content-type", "") or _SCIM_MEDIA in headers.get(
        "accept", ""
    )


def records_from_har(data: Any, where: str) -> tuple[list[dict[str, Any]], int]:
    """The SCIM requests of a parsed HAR log as request records, and how many entries were
    left out as not SCIM; ``ValueError`` naming ``where`` when it is no HAR log."""
    log = data.get("log") if isinstance(data, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        msg = f"{where}: not a HAR file (no log.entries list)"
        raise ValueError(msg)
    records: list[dict[str, Any]] = []
    skipped = 0
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
            msg = f"{where}: entry {position} has no request"
            raise ValueError(msg)
        record = _record(entry, position)
        if _is_scim(record):
            records.append(record)
        else:
            skipped += 1
    return records, skipped


def load_traffic_har(path: Path) -> Traffic:
    """Traffic from a HAR file; ``ValueError`` when it is not HAR (or not JSON)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as exc:
        msg = f"{path}: not JSON ({exc})"
        raise ValueError(msg) from None
    records, skipped = records_from_har(data, str(path))
    source = str(path)
    if skipped:
        source += f" ({skipped} entries that are not SCIM requests left out)"
    return Traffic(records, source=source)
