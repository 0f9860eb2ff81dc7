"""The HTML report: one self-contained file, every check, and nothing from the wire unescaped."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from pathlib import Path

from report_support import HOSTILE, SECRET, hostile_report, mixed_report
from scim_harness.conformance.model import Report
from scim_harness.conformance.report.render import write_html


class Tags(HTMLParser):
    """Collects every start tag and its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def html(tmp_path: Path, reports: list[Report]) -> str:
    path = tmp_path / "report.html"
    write_html(reports, path)
    return path.read_text(encoding="utf-8")


def tags(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(text)
    parser.close()
    return parser.tags


def test_hostile_content_is_escaped(tmp_path: Path) -> None:
    """A <script> in a detail, a claim, a body, a URL and the target is shown as text."""
    text = html(tmp_path, [hostile_report()])
    assert "<script" not in text.lower()
    assert escape(HOSTILE) == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert text.count(escape(HOSTILE)) >= 5
    assert "script" not in {tag for tag, _ in tags(text)}


def test_report_is_self_contained(tmp_path: Path) -> None:
    """No script, stylesheet link, image or frame, and links only point inside the page."""
    text = html(tmp_path, [mixed_report(), hostile_report()])
    found = tags(text)
    assert {tag for tag, _ in found}.isdisjoint({"script", "link", "img", "iframe", "object"})
    hrefs = [attrs["href"] for tag, attrs in found if tag == "a"]
    assert hrefs
    assert all(href and href.startswith("#") for href in hrefs)
    assert all("src" not in attrs for _, attrs in found)
    assert "default-src 'none'" in text


def test_every_check_has_a_badge_and_failures_are_open(tmp_path: Path) -> None:
    """Each check is a <details> with its outcome badge; failed ones start expanded."""
    found = tags(html(tmp_path, [mixed_report()]))
    checks = {
        str(attrs["id"]): attrs
        for tag, attrs in found
        if tag == "details" and "check" in (attrs.get("class") or "")
    }
    assert sorted(checks) == [
        "SRV-FLT-001",
        "SRV-FLT-002",
        "SRV-FLT-003",
        "SRV-FLT-004",
        "SRV-PAT-001",
        "SRV-PAT-002",
    ]
    assert "open" in checks["SRV-FLT-002"]
    assert "open" not in checks["SRV-FLT-001"]
    badges = [attrs["class"] for tag, attrs in found if tag == "span" and "badge" in str(attrs)]
    assert "badge b-not-exercised" in badges
    assert "badge b-failed" in badges


def test_exchanges_are_expandable_and_masked(tmp_path: Path) -> None:
    """Each exchange is its own <details> and shows no bearer token."""
    text = html(tmp_path, [mixed_report(), hostile_report()])
    exchanges = [a for t, a in tags(text) if t == "details" and a.get("class") == "exchange"]
    assert len(exchanges) == 2
    assert SECRET not in text
    assert "Bearer ***" in text


def test_summary_table_comes_first_with_counts(tmp_path: Path) -> None:
    """The summary names each suite and its exit code before any check."""
    text = html(tmp_path, [mixed_report()])
    assert text.index("<table>") < text.index('id="SRV-FLT-002"')
    assert "FAILED - 6 checks: 2 passed, 1 MUST failed, 0 SHOULD failed" in text
