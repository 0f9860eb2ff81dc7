"""The server suite on real SCIM servers nobody here wrote: it fails exactly their real defects.

For each server of the corpus the test runs ``scim-harness check server`` (the whole suite with
the ``rfc`` profile, then the vendor checks with the ``entra`` and ``okta`` profiles) and compares
the failed checks with ``expected/<server>.json``: the reviewed list of that server's defects,
and of the suite's known false failures on it.
Regenerate the lists after changing the suite (new failures come in as ``TODO: review``)::

    SCIM_HARNESS_REGEN_FOREIGN=1 tox -e foreign

``SCIM_HARNESS_FOREIGN_REPORTS=DIR`` keeps each run's JSON report there as
``<server>.<profile>.json``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from foreign_servers import SERVERS, RunningServer, run_check_server
from foreign_verdicts import compare, load_expected, merge_runs, regenerate, regenerating

pytestmark = pytest.mark.foreign

RUNS = (("rfc", None), ("entra", "SRV-VND-*"), ("okta", "SRV-VND-*"))
"""The whole suite as an RFC client, then the replays of Entra ID's and Okta's requests."""


@pytest.mark.parametrize("foreign_server", SERVERS, ids=lambda s: s.name, indirect=True)
def test_server_suite_fails_exactly_the_reviewed_defects(
    foreign_server: RunningServer, tmp_path: Path
) -> None:
    """The checks that fail on a foreign server are exactly the listed ones (defects, known gaps)."""
    spec = foreign_server.spec
    keep = os.environ.get("SCIM_HARNESS_FOREIGN_REPORTS")
    runs = {}
    for profile, select in RUNS:
        path = tmp_path / f"{spec.name}.{profile}.json"
        runs[profile] = run_check_server(foreign_server, path, profile=profile, select=select)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(keep) / path.name)
    report = merge_runs(runs)
    version = spec.version()
    expected = load_expected(spec.expected_file, spec.name)
    if regenerating():
        expected = regenerate(spec.expected_file, expected, report, version)
    problems = compare(expected, report, version)
    summary = "\n".join(f"- {p}" for p in problems)
    assert not problems, (
        f"{spec.name} {version}: the run disagrees with {spec.expected_file.name} "
        f"(reports in {tmp_path}):\n{summary}"
    )
