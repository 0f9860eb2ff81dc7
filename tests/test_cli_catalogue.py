"""``scim-harness checks``: the catalogue as a table or as JSON."""

from __future__ import annotations

import json

import pytest
from scim_harness.conformance.checks import catalogue

from scim_harness.cli import main


def test_checks_json_lists_the_whole_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    """--format json prints every check with its level, reference, claim and fix."""
    assert main(["checks", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == len(catalogue()) == len(data["checks"])
    first = data["checks"][0]
    assert set(first) == {"id", "side", "area", "level", "reference", "claim", "fix"}
    assert data["catalogue_version"].count("+") == 1


@pytest.mark.parametrize(
    ("side", "prefix"),
    [pytest.param("server", "SRV-", id="server"), pytest.param("client", "CLI-", id="client")],
)
def test_checks_side_keeps_one_side(
    capsys: pytest.CaptureFixture[str], side: str, prefix: str
) -> None:
    """--side limits the listing to that side's ids."""
    assert main(["checks", "--side", side, "--format", "json"]) == 0
    ids = [c["id"] for c in json.loads(capsys.readouterr().out)["checks"]]
    assert ids
    assert all(i.startswith(prefix) for i in ids)


def test_checks_table_shows_ids_and_paths_literally(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table lists each id once; bracketed SCIM paths are not eaten as markup."""
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["checks", "--side", "server"]) == 0
    out = capsys.readouterr().out
    for check in catalogue("server"):
        assert out.count(check.id) == 1
    assert 'emails[type eq "work"].value' in out
