"""JUnit XML: one ``<testsuite>`` per report, one ``<testcase>`` per check.

The shape is the common denominator the CI parsers read (GitLab, GitHub actions that publish
test results, Jenkins' junit step): ``testsuites > testsuite > testcase`` with ``failure``,
``error`` and ``skipped`` children and the counts as attributes. A check that was not
exercised is a ``skipped`` test case whose message starts with ``not exercised``.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

from scim_harness.conformance.model import Outcome, Report, Result
from scim_harness.conformance.report.common import result_text, xml_safe

__all__ = ["junit_tree", "write_junit"]

_CLASS_PART = re.compile(r"[^A-Za-z0-9_-]+")
_MAX_MESSAGE = 500


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _message(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    if len(first) > _MAX_MESSAGE:
        first = first[:_MAX_MESSAGE] + "..."
    return xml_safe(first)


def _timestamp(started: str) -> str:
    # Jenkins' schema wants a local ISO 8601 date-time without a zone: 2024-05-01T12:00:00.
    return started[:19]


def _testcase(parent: ET.Element, report: Report, result: Result) -> None:
    check = result.check
    area = _CLASS_PART.sub("_", check.area) or "general"
    case = ET.SubElement(
        parent,
        "testcase",
        classname=f"scim.{report.side}.{area}",
        name=xml_safe(f"{check.id} {check.claim}"),
        time=_seconds(result.duration_ms / 1000),
    )
    if result.outcome is Outcome.FAILED:
        failure = ET.SubElement(
            case, "failure", message=_message(result.message or check.claim), type=str(check.level)
        )
        failure.text = xml_safe(result_text(result))
    elif result.outcome is Outcome.ERROR:
        error = ET.SubElement(
            case, "error", message=_message(result.message or "the check crashed"), type="error"
        )
        error.text = xml_safe(result_text(result))
    elif result.outcome is Outcome.SKIPPED:
        ET.SubElement(case, "skipped", message=_message(result.message or "skipped"))
    elif result.outcome is Outcome.NOT_EXERCISED:
        reason = result.message or "the traffic holds no evidence either way"
        ET.SubElement(case, "skipped", message=_message(f"not exercised: {reason}"))


def _nothing_to_judge(parent: ET.Element, report: Report) -> None:
    """An ``error`` test case: a CI job must not read a run without evidence as green."""
    case = ET.SubElement(
        parent,
        "testcase",
        classname=f"scim.{report.side}.evidence",
        name="evidence: the traffic holds enough to judge",
        time="0.000",
    )
    error = ET.SubElement(
        case, "error", message=_message(report.nothing_to_judge), type="nothing-to-judge"
    )
    error.text = xml_safe(report.nothing_to_judge)


def _counts(report: Report) -> dict[str, str]:
    counts = report.counts()
    skipped = counts[str(Outcome.SKIPPED)] + counts[str(Outcome.NOT_EXERCISED)]
    return {
        "tests": str(len(report.results)),
        "failures": str(counts[str(Outcome.FAILED)]),
        "errors": str(counts[str(Outcome.ERROR)]),
        "skipped": str(skipped),
    }


def junit_tree(reports: list[Report]) -> ET.Element:
    """The root ``<testsuites>`` element of the JUnit document for ``reports``."""
    root = ET.Element("testsuites", name="scim-harness")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    hostname = socket.gethostname()
    for index, report in enumerate(reports):
        counts = _counts(report)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=xml_safe(f"scim-harness {report.side} {report.target}".strip()),
            id=str(index),
            package=f"scim.{report.side}",
            timestamp=_timestamp(report.started),
            hostname=hostname,
            time=_seconds(report.duration_s),
        )
        suite.attrib.update(counts)
        properties = ET.SubElement(suite, "properties")
        params = {"side": report.side, "target": report.target, **report.details}
        for name, value in params.items():
            ET.SubElement(
                properties, "property", name=xml_safe(str(name)), value=xml_safe(str(value))
            )
        for result in sorted(report.results, key=lambda r: r.check.id):
            _testcase(suite, report, result)
        if report.nothing_to_judge and not report.allow_empty:
            _nothing_to_judge(suite, report)
            counts["tests"] = str(int(counts["tests"]) + 1)
            counts["errors"] = str(int(counts["errors"]) + 1)
            suite.attrib.update(counts)
        # Strict JUnit schemas (Jenkins' junit-10.xsd) want both, even empty.
        ET.SubElement(suite, "system-out")
        ET.SubElement(suite, "system-err")
        for key in totals:
            totals[key] += int(counts[key])
        total_time += report.duration_s
    root.attrib.update({k: str(v) for k, v in totals.items()})
    root.set("time", _seconds(total_time))
    ET.indent(root)
    return root


def write_junit(reports: list[Report], path: Path) -> None:
    """Write ``reports`` as one JUnit XML file (UTF-8, with the XML declaration)."""
    ET.ElementTree(junit_tree(reports)).write(path, encoding="utf-8", xml_declaration=True)
