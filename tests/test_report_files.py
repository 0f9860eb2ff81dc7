"""JSON and JUnit XML reports: complete, masked, and readable by CI parsers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from report_support import SECRET, hostile_report, mixed_report
from scim_harness.conformance.model import Report
from scim_harness.conformance.report.render import write_json, write_junit


def junit(tmp_path: Path, reports: list[Report]) -> ET.Element:
    path = tmp_path / "junit.xml"
    write_junit(reports, path)
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.parse(path).getroot()


def test_json_report_is_the_report_with_catalogue_version(tmp_path: Path) -> None:
    """The JSON file holds counts, results, exit code and the catalogue version."""
    path = tmp_path / "report.json"
    write_json(mixed_report(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["exit_code"] == 1
    assert data["counts"]["not-exercised"] == 1
    assert [r["id"] for r in data["results"]][:2] == ["SRV-PAT-001", "SRV-PAT-002"]
    assert re.fullmatch(r".+\+[0-9a-f]{12}", data["catalogue_version"])
    assert data["harness_version"]


def test_json_report_masks_secrets_and_survives_lone_surrogates(tmp_path: Path) -> None:
    """A hostile report writes valid JSON without the bearer token."""
    path = tmp_path / "report.json"
    write_json(hostile_report(), path)
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text
    exchange = json.loads(text)["results"][0]["exchanges"][0]
    assert exchange["request_headers"]["Authorization"] == "Bearer ***"


def test_junit_has_one_suite_per_report_and_one_case_per_check(tmp_path: Path) -> None:
    """Two reports give two testsuites whose counts match their testcases."""
    root = junit(tmp_path, [mixed_report(), hostile_report()])
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [len(s.findall("testcase")) for s in suites] == [6, 1]
    first = suites[0].attrib
    assert (first["tests"], first["failures"], first["errors"], first["skipped"]) == (
        "6",
        "1",
        "1",
        "2",
    )
    assert root.attrib["tests"] == "7"
    assert root.attrib["failures"] == "2"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", first["timestamp"])
    children = [child.tag for child in suites[0]]
    assert children[0] == "properties"
    assert children[-2:] == ["system-out", "system-err"]


def test_junit_testcase_names_and_classnames(tmp_path: Path) -> None:
    """classname is scim.<side>.<area>; name is the check id and its claim."""
    root = junit(tmp_path, [mixed_report()])
    case = root.find(".//testcase[@classname='scim.server.filter']")
    assert case is not None
    assert case.attrib["name"] == "SRV-FLT-001 a filter returns only matching resources"
    assert root.find(".//testcase[@classname='scim.server.patch']") is not None


def test_junit_failure_carries_level_message_fix_and_evidence(tmp_path: Path) -> None:
    """A failed check is a <failure> typed by its level, with the evidence as text."""
    root = junit(tmp_path, [mixed_report()])
    failure = root.find(".//testcase[@name]/failure")
    assert failure is not None
    assert failure.attrib == {"message": "2 of 40 users returned do not match", "type": "MUST"}
    text = failure.text or ""
    assert "fix:  apply the filter before paging" in text
    assert "> GET http://scim.test/Users?filter=x -> 200" in text


def test_junit_error_and_skips(tmp_path: Path) -> None:
    """An error is <error>; skipped and not-exercised checks are <skipped> with the reason."""
    root = junit(tmp_path, [mixed_report()])
    messages = {
        case.attrib["name"].split()[0]: child.attrib["message"]
        for case in root.iter("testcase")
        for child in case
    }
    assert messages["SRV-FLT-004"] == "RuntimeError: boom"
    assert messages["SRV-PAT-002"] == "the server does not advertise PATCH"
    assert messages["SRV-FLT-003"] == "not exercised: no filtered request in the traffic"
    error = root.find(".//error")
    assert error is not None


def test_junit_of_hostile_content_is_well_formed_and_masked(tmp_path: Path) -> None:
    """Control characters, lone surrogates and ']]>' from the wire still give valid XML."""
    root = junit(tmp_path, [hostile_report()])
    failure = root.find(".//failure")
    assert failure is not None
    assert "<script>" in failure.attrib["message"]
    assert "\x00" not in failure.attrib["message"]
    assert "]]></failure>" in (failure.text or "")
    assert SECRET not in ET.tostring(root, encoding="unicode")
