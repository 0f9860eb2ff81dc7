"""What every report format shares: ordering, labels, trimmed evidence, masked secrets.

Evidence comes from the wire, so it is untrusted: each renderer escapes it for its own
format (rich markup, XML, HTML); this module only shapes it (masks bearer tokens, trims long
bodies, drops characters XML cannot carry).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from scim_harness.conformance.model import Exchange, Level, Outcome, Report, Result

__all__ = [
    "OUTCOME_LABELS",
    "SHOWN_HEADERS",
    "AreaGroup",
    "catalogue_version",
    "exchange_text",
    "group_by_area",
    "harness_version",
    "mask_headers",
    "mask_url",
    "masked_exchange",
    "masked_json",
    "render_body",
    "result_text",
    "summary_line",
    "xml_safe",
]

OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.FAILED: "FAIL",
    Outcome.ERROR: "ERROR",
    Outcome.PASSED: "PASS",
    Outcome.SKIPPED: "SKIP",
    Outcome.NOT_EXERCISED: "NOT EXERCISED",
}

# Failures first, then what did not run, passes last.
_OUTCOME_RANK: dict[Outcome, int] = {
    Outcome.FAILED: 0,
    Outcome.ERROR: 1,
    Outcome.NOT_EXERCISED: 2,
    Outcome.SKIPPED: 3,
    Outcome.PASSED: 4,
}
_LEVEL_RANK: dict[Level, int] = {Level.MUST: 0, Level.SHOULD: 1, Level.MAY: 2}

SHOWN_HEADERS = frozenset(
    {
        "content-type",
        "location",
        "etag",
        "if-match",
        "if-none-match",
        "retry-after",
        "authorization",
        "www-authenticate",
    }
)
"""Headers worth showing as evidence (the rest are in the JSON report)."""
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_SECRET_QUERY = re.compile(r"(?i)([?&](?:access_token|token|api_key|apikey)=)[^&#]*")
# XML 1.0 §2.2: only these characters may appear in a document.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def harness_version() -> str:
    """The installed distribution's version (``0+unknown`` in a bare checkout)."""
    try:
        return metadata.version("scim-harness")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def catalogue_version() -> str:
    """``<harness version>+<digest>``: the digest changes whenever any check changes."""
    from scim_harness.conformance.checks import catalogue

    listing = [check.as_json() for check in catalogue()]
    digest = hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()[:12]
    return f"{harness_version()}+{digest}"


@dataclass(frozen=True)
class AreaGroup:
    """The results of one area, failures first."""

    area: str
    label: str
    results: list[Result]

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome in outcomes)


def _area_label(area: str, results: Iterable[Result]) -> str:
    codes = {r.check.id.split("-")[1] for r in results if r.check.id.count("-") >= 2}
    return f"{area} ({codes.pop()})" if len(codes) == 1 else area


def _result_key(result: Result) -> tuple[int, int, str]:
    return (_OUTCOME_RANK[result.outcome], _LEVEL_RANK[result.check.level], result.check.id)


def group_by_area(results: Iterable[Result]) -> list[AreaGroup]:
    """Areas with a blocking failure first, then areas with any failure, then the rest."""
    areas: dict[str, list[Result]] = {}
    for result in results:
        areas.setdefault(result.check.area, []).append(result)
    groups = [
        AreaGroup(area, _area_label(area, rs), sorted(rs, key=_result_key))
        for area, rs in areas.items()
    ]

    def rank(group: AreaGroup) -> tuple[int, str]:
        if any(r.blocking for r in group.results):
            return (0, group.area)
        if group.count(Outcome.FAILED, Outcome.ERROR):
            return (1, group.area)
        return (2, group.area)

    return sorted(groups, key=rank)


def summary_line(report: Report) -> str:
    """One line of counts: ``41 checks: 38 passed, 1 MUST failed, 2 SHOULD failed, ...``."""
    counts = report.counts()
    failed = {level: len(report.failed(level)) for level in Level}
    parts = [
        f"{counts[str(Outcome.PASSED)]} passed",
        f"{failed[Level.MUST]} MUST failed",
        f"{failed[Level.SHOULD]} SHOULD failed",
        *([f"{failed[Level.MAY]} MAY failed"] if failed[Level.MAY] else []),
        f"{counts[str(Outcome.ERROR)]} errors",
        f"{counts[str(Outcome.SKIPPED)]} skipped",
        f"{counts[str(Outcome.NOT_EXERCISED)]} not exercised",
    ]
    return f"{_verdict(report)} - {len(report.results)} checks: " + ", ".join(parts)


def _verdict(report: Report) -> str:
    if report.blocking:
        return "FAILED"
    if report.nothing_to_judge:
        return "NOTHING TO JUDGE (allowed)" if report.allow_empty else "NOTHING TO JUDGE"
    return "FAILED" if report.exit_code else "OK"


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with credentials replaced by ``***`` (the scheme is kept: ``Bearer ***``)."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in _SECRET_HEADERS and value:
            scheme, _, secret = str(value).partition(" ")
            out[name] = f"{scheme} ***" if secret and scheme.isalpha() else "***"
        else:
            out[name] = str(value)
    return out


def mask_url(url: str) -> str:
    """A URL with credentials in its query string masked (RFC 6750 §2.3 puts them there)."""
    return _SECRET_QUERY.sub(r"\1***", url)


def masked_exchange(exchange: Exchange) -> dict[str, Any]:
    data = exchange.as_json()
    data["url"] = mask_url(exchange.url)
    data["request_headers"] = mask_headers(exchange.request_headers)
    data["response_headers"] = mask_headers(exchange.response_headers)
    return data


def masked_json(report: Report) -> dict[str, Any]:
    """``Report.as_json()`` with every exchange's secrets masked."""
    data = report.as_json()
    for result_data, result in zip(data["results"], report.results, strict=True):
        result_data["exchanges"] = [masked_exchange(e) for e in result.exchanges]
    return data


def _shorten(value: Any, max_items: int, max_string: int) -> Any:
    if isinstance(value, dict):
        return {str(k): _shorten(v, max_items, max_string) for k, v in value.items()}
    if isinstance(value, list):
        kept = [_shorten(v, max_items, max_string) for v in value[:max_items]]
        if len(value) > max_items:
            kept.append(f"... {len(value) - max_items} more items")
        return kept
    if isinstance(value, str) and len(value) > max_string:
        return value[:max_string] + f"... ({len(value) - max_string} more characters)"
    return value


def _dump(value: Any, indent: str, width: int = 88) -> str:
    """Indented JSON whose small objects and lists stay on one line."""
    flat = json.dumps(value, ensure_ascii=False, default=str)
    if len(indent) + len(flat) <= width or not isinstance(value, dict | list) or not value:
        return flat
    inner = indent + "  "
    if isinstance(value, dict):
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, inner)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    items = [f"{inner}{_dump(v, inner)}" for v in value]
    return "[\n" + ",\n".join(items) + f"\n{indent}]"


def render_body(
    body: Any, *, max_chars: int = 1500, max_items: int = 3, max_string: int = 200
) -> str:
    """A body as indented JSON (or text), with long lists and strings cut and marked."""
    if body is None or body == "":
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = body if isinstance(body, str) else _dump(_shorten(body, max_items, max_string), "")
    if len(text) > max_chars:
        text = text[:max_chars] + f"\n... ({len(text) - max_chars} more characters)"
    return text


def xml_safe(text: str) -> str:
    """``text`` without the control characters XML 1.0 cannot represent (shown as U+FFFD)."""
    return _XML_INVALID.sub("\ufffd", text)


def exchange_text(exchange: Exchange, *, max_body: int = 1500) -> str:
    """One exchange as plain text: request line, key headers and bodies, secrets masked."""
    status = str(exchange.status) if exchange.status is not None else "no response"
    lines = [f"> {exchange.method} {mask_url(exchange.url)} -> {status}"]
    if exchange.note:
        lines.append(f"  ({exchange.note})")
    for arrow, headers, body in (
        (">", exchange.request_headers, exchange.request_body),
        ("<", exchange.response_headers, exchange.response_body),
    ):
        for name, value in mask_headers(headers).items():
            if name.lower() in SHOWN_HEADERS:
                lines.append(f"{arrow} {name}: {value}")
        rendered = render_body(body, max_chars=max_body)
        if rendered:
            lines.extend(f"{arrow} {line}" for line in rendered.splitlines())
    return "\n".join(lines)


def result_text(result: Result, *, max_exchanges: int = 3, max_body: int = 1500) -> str:
    """A verdict as plain text: rule, why, fix, then the evidence."""
    check = result.check
    lines = [f"{check.id} [{check.level}] {check.claim}", f"rule: {check.reference}"]
    if result.message:
        lines.append(f"why:  {result.message}")
    if result.outcome.is_failure:
        lines.append(f"fix:  {check.fix}")
    for exchange in result.exchanges[:max_exchanges]:
        lines.extend(["", exchange_text(exchange, max_body=max_body)])
    hidden = len(result.exchanges) - max_exchanges
    if hidden > 0:
        lines.extend(["", f"... {hidden} more exchanges in the JSON/HTML report"])
    return "\n".join(lines)
