"""The server suite on real SCIM servers nobody here wrote: it fails exactly their real defects.

For each server of the corpus the test runs ``scim-harness check server`` and compares the
failed checks with ``expected/<server>.json``, the reviewed list of that server's defects.
Regenerate the lists after changing the suite (new failures come in as ``TODO: review``)::

    SCIM_HARNESS_REGEN_FOREIGN=1 tox -e foreign

``SCIM_HARNESS_FOREIGN_REPORTS=DIR`` keeps each run's JSON report there as ``<server>.json``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from foreign_servers import SERVERS, RunningServer, run_check_server
from foreign_verdicts import compare, load_expected, regenerate, regenerating

pytestmark = pytest.mark.foreign


@pytest.mark.parametrize("foreign_server", SERVERS, ids=lambda s: s.name, indirect=True)
def test_server_suite_fails_exactly_the_reviewed_defects(
    foreign_server: RunningServer, tmp_path: Path
) -> None:
    """The checks that fail on a foreign server are exactly its reviewed, listed defects."""
    spec = foreign_server.spec
    report_path = tmp_path / f"{spec.name}.report.json"
    report = run_check_server(foreign_server, report_path)
    keep = os.environ.get("SCIM_HARNESS_FOREIGN_REPORTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(report_path, Path(keep) / f"{spec.name}.json")
    version = spec.version()
    expected = load_expected(spec.expected_file, spec.name)
    if regenerating():
        expected = regenerate(spec.expected_file, expected, report, version)
    problems = compare(expected, report, version)
    summary = "\n".join(f"- {p}" for p in problems)
    assert not problems, (
        f"{spec.name} {version}: the run disagrees with {spec.expected_file.name} "
        f"(report: {report_path}):\n{summary}"
    )
