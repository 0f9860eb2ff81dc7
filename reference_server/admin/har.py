"""The request record as HAR 1.2: ``GET /admin/apps/{app}/requests.har``.

HAR (the HTTP Archive format of the W3C Web Performance working group's draft, version 1.2)
is what browsers' developer tools, mitmproxy and Postman export, so a recorded client's
traffic opens in any HAR viewer. Each recorded request is one entry; the secrets are masked
exactly as in the record (the Authorization value, passwords). Two custom members, allowed
by the format when they start with ``_``, keep what HAR has no field for: ``_seq`` (the
record's sequence number) and ``_findings`` (the server's findings), so ``check client
--har`` judges an exported file as it judges the record itself.

Takes the filters of ``/requests.jsonl`` (``since``, ``until``, ``finding``, ``after``).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from scim_harness.reference_server.admin.edge import AdminCall
from scim_harness.reference_server.admin.records import query_filters
from scim_harness.reference_server.protocol.schema import parse_datetime
from starlette.responses import Response

from scim_harness import __version__

__all__ = ["har_entry", "requests_har"]

_PAGE = 500
_HTTP = "HTTP/1.1"


def _pairs(headers: Any) -> list[dict[str, str]]:
    if not isinstance(headers, dict):
        return []
    return [{"name": str(k), "value": str(v)} for k, v in headers.items()]


def _text(body: Any) -> str | None:
    """A recorded body as the text it stands for (the record keeps JSON parsed)."""
    if body is None:
        return None
    if isinstance(body, dict) and set(body) == {"unparsed"} and isinstance(body["unparsed"], str):
        return body["unparsed"]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _header(headers: Any, name: str) -> str:
    if not isinstance(headers, dict):
        return ""
    return next((str(v) for k, v in headers.items() if str(k).lower() == name), "")


def _started(at: Any) -> str:
    """HAR's startedDateTime: ISO 8601 with milliseconds and a zone."""
    try:
        moment = parse_datetime(str(at))
    except (TypeError, ValueError, OverflowError):
        return str(at)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def har_entry(record: dict[str, Any], origin: str) -> dict[str, Any]:
    """One recorded request as a HAR entry; ``origin`` is ``scheme://host[:port]``."""
    headers = record.get("headers") or {}
    host = _header(headers, "host")
    base = f"{origin.split('://', 1)[0]}://{host}" if host else origin
    query = str(record.get("query") or "")
    url = f"{base}{record.get('path', '')}" + (f"?{query}" if query else "")
    elapsed = float(record.get("elapsed_ms") or 0.0)
    request: dict[str, Any] = {
        "method": record.get("method", ""),
        "url": url,
        "httpVersion": _HTTP,
        "cookies": [],
        "headers": _pairs(headers),
        "queryString": [
            {"name": k, "value": v} for k, v in parse_qsl(query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": -1,
    }
    sent = _text(record.get("body"))
    if sent is not None:
        mime = _header(headers, "content-type") or "application/octet-stream"
        request["postData"] = {"mimeType": mime, "text": sent}
        request["bodySize"] = len(sent.encode())
    answer = record.get("response_headers") or {}
    returned = _text(record.get("response"))
    status = int(record.get("status") or 0)
    content: dict[str, Any] = {
        "size": len(returned.encode()) if returned is not None else 0,
        "mimeType": _header(answer, "content-type"),
    }
    if returned is not None:
        content["text"] = returned
    return {
        "startedDateTime": _started(record.get("at")),
        "time": elapsed,
        "request": request,
        "response": {
            "status": status,
            "statusText": _reason(status),
            "httpVersion": _HTTP,
            "cookies": [],
            "headers": _pairs(answer),
            "content": content,
            "redirectURL": _header(answer, "location") if 300 <= status < 400 else "",
            "headersSize": -1,
            "bodySize": content["size"],
        },
        "cache": {},
        # The server measures handling time: sent and received are not seen from inside.
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
        "_seq": record.get("seq"),
        "_findings": record.get("findings") or [],
    }


def requests_har(call: AdminCall) -> Response:
    """``GET /admin/apps/{app}/requests.har``: the record, filtered, as one HAR 1.2 log."""
    query = query_filters(call)
    app = call.request.path_params["app"]
    store = call.server.store
    origin = f"{call.request.url.scheme}://{call.request.url.netloc}"
    entries: list[dict[str, Any]] = []
    after = query.after
    store.requests(app, limit=0, retention=query.retention)  # what retention keeps
    while True:
        page = store.requests(
            app,
            since=query.since,
            until=query.until,
            finding=query.finding,
            after_seq=after,
            limit=_PAGE,
        )
        entries.extend(har_entry(record, origin) for record in page)
        if len(page) < _PAGE:
            break
        after = page[-1]["seq"]
    log = {
        "log": {
            "version": "1.2",
            "creator": {"name": "scim-harness", "version": __version__},
            "pages": [],
            "entries": entries,
            "comment": f"request record of app {app}; secrets masked as in the record",
        }
    }
    body = json.dumps(log, ensure_ascii=False, indent=1).encode()
    headers = {"Content-Disposition": f'attachment; filename="{app}-requests.har"'}
    return Response(body, media_type="application/json", headers=headers)
