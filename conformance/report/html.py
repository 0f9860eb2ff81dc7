"""A self-contained HTML report: one file, inline CSS, no script, nothing fetched.

A summary of every report first, then every check grouped by area (failures first) with an
outcome badge; each exchange is a ``<details>`` element to expand. Everything that came from
the wire or from a check is HTML-escaped, and a Content-Security-Policy forbids scripts and
remote loads, so a hostile server cannot turn its own report against the reader.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path

from scim_harness.conformance.model import Exchange, Outcome, Report, Result
from scim_harness.conformance.report.common import (
    OUTCOME_LABELS,
    SHOWN_HEADERS,
    catalogue_version,
    group_by_area,
    harness_version,
    mask_headers,
    mask_url,
    render_body,
    summary_line,
)

__all__ = ["render_html", "write_html"]

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2433;
background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 4px}
h3{font-size:15px;margin:20px 0 6px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
.meta{color:#5b6475;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #d5d9e0;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4}
.badge{display:inline-block;min-width:54px;text-align:center;border-radius:4px;padding:1px 6px;
font-size:11px;font-weight:700;color:#fff}
.b-failed{background:#c62828}.b-error{background:#8e24aa}.b-passed{background:#2e7d32}
.b-skipped{background:#9e9d24}.b-not-exercised{background:#0277bd}
.level{display:inline-block;width:56px;font-size:11px;font-weight:700;color:#5b6475}
details.check{background:#fff;border:1px solid #d5d9e0;border-radius:4px;margin:4px 0}
details.check>summary{padding:6px 8px;cursor:pointer}
details.check[open]>summary{border-bottom:1px solid #eef0f4}
.o-failed,.o-error{border-left:4px solid #c62828!important}
.body{padding:6px 12px 10px}
dl{display:grid;grid-template-columns:60px 1fr;gap:2px 8px;margin:6px 0}
dt{color:#5b6475}dd{margin:0}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f3f4f7;border:1px solid #e2e5ea;padding:8px;overflow:auto;max-height:480px;
white-space:pre-wrap;word-break:break-all;margin:4px 0}
details.exchange{margin:6px 0 6px 4px}
details.exchange>summary{cursor:pointer;font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:12px}
.s-bad{color:#c62828}.s-ok{color:#2e7d32}
.verdict-fail{color:#c62828;font-weight:700}.verdict-ok{color:#2e7d32;font-weight:700}
"""

# Nothing may run or be fetched, whatever the escaping: the report stays inert.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _http_text(headers: dict[str, str], body: object, first_line: str) -> str:
    lines = [first_line] if first_line else []
    lines += [
        f"{name}: {value}"
        for name, value in mask_headers(headers).items()
        if name.lower() in SHOWN_HEADERS
    ]
    rendered = render_body(body, max_chars=20000, max_items=25, max_string=2000)
    if rendered:
        lines += ["", rendered]
    return "\n".join(lines)


def _exchange(exchange: Exchange) -> str:
    status = exchange.status
    css = "s-bad" if status is None or status >= 400 else "s-ok"
    shown = "no response" if status is None else str(status)
    note = f" <em>({_e(exchange.note)})</em>" if exchange.note else ""
    request = _http_text(
        exchange.request_headers,
        exchange.request_body,
        f"{exchange.method} {mask_url(exchange.url)}",
    )
    response = _http_text(exchange.response_headers, exchange.response_body, f"HTTP {shown}")
    return (
        '<details class="exchange"><summary>'
        f"{_e(exchange.method)} {_e(mask_url(exchange.url))} &rarr; "
        f'<span class="{css}">{_e(shown)}</span>{note}</summary>'
        f"<pre>{_e(request)}</pre><pre>{_e(response)}</pre></details>"
    )


def _check(result: Result) -> str:
    check = result.check
    outcome = str(result.outcome)
    failed = result.outcome.is_failure
    rows = [("Rule", check.reference)]
    if result.message:
        label = "Why" if failed else "Reason" if result.outcome is not Outcome.PASSED else "Note"
        rows.append((label, result.message))
    rows.append(("Fix", check.fix))
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    exchanges = "".join(_exchange(e) for e in result.exchanges)
    if result.exchanges:
        exchanges = f"<div>{len(result.exchanges)} exchange(s):</div>{exchanges}"
    return (
        f'<details class="check o-{_e(outcome)}" id="{_e(check.id)}"{" open" if failed else ""}>'
        f'<summary><span class="badge b-{_e(outcome)}">'
        f"{_e(OUTCOME_LABELS[result.outcome])}</span> "
        f'<span class="level">{_e(check.level)}</span> <code>{_e(check.id)}</code> '
        f"{_e(check.claim)}</summary>"
        f'<div class="body"><dl>{items}</dl>{exchanges}</div></details>'
    )


def _summary_table(reports: list[Report]) -> str:
    head = "".join(
        f"<th>{_e(h)}</th>"
        for h in ("Suite", "Target", *(OUTCOME_LABELS[o].lower() for o in OUTCOME_LABELS), "Exit")
    )
    rows = []
    for index, report in enumerate(reports):
        counts = report.counts()
        cells = "".join(f"<td>{counts[str(o)]}</td>" for o in OUTCOME_LABELS)
        css = "verdict-fail" if report.exit_code else "verdict-ok"
        rows.append(
            f'<tr><td><a href="#report-{index}">{_e(report.side)}</a></td>'
            f"<td>{_e(report.target)}</td>{cells}"
            f'<td class="{css}">{report.exit_code}</td></tr>'
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _report(index: int, report: Report) -> str:
    css = "verdict-fail" if report.exit_code else "verdict-ok"
    params = ", ".join(f"{k}={v}" for k, v in report.details.items())
    parts = [
        f'<section id="report-{index}"><h2>{_e(report.side.title())} suite: '
        f"{_e(report.target)}</h2>",
        f'<p class="meta">started {_e(report.started)}, {report.duration_s:.1f} s'
        f"{'; ' + _e(params) if params else ''}</p>",
        f'<p class="{css}">{_e(summary_line(report))}</p>',
    ]
    if report.nothing_to_judge:
        parts.append(f'<p class="{css}">{_e(report.nothing_to_judge)}</p>')
    for group in group_by_area(report.results):
        counts = ", ".join(
            f"{group.count(o)} {OUTCOME_LABELS[o].lower()}"
            for o in OUTCOME_LABELS
            if group.count(o)
        )
        parts.append(f'<h3>{_e(group.label)} <span class="meta">{_e(counts)}</span></h3>')
        parts.extend(_check(result) for result in group.results)
    parts.append("</section>")
    return "\n".join(parts)


def render_html(reports: list[Report]) -> str:
    """The whole HTML document for ``reports``."""
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    body = "\n".join(_report(i, r) for i, r in enumerate(reports))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>scim-harness conformance report</title>"
        f"<style>{_CSS}</style></head>\n<body><main>"
        "<h1>scim-harness conformance report</h1>"
        f'<p class="meta">generated {_e(generated)}; harness {_e(harness_version())}; '
        f"catalogue {_e(catalogue_version())}</p>"
        f"{_summary_table(reports)}\n{body}\n</main></body></html>\n"
    )


def write_html(reports: list[Report], path: Path) -> None:
    """Write ``reports`` as one self-contained HTML file."""
    path.write_text(render_html(reports), encoding="utf-8", errors="replace")
