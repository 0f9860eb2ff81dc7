"""The client catalogue: every deviation the server tolerates maps to a check, every check cites."""

from __future__ import annotations

import re

import pytest
from broken_clients import scim_record, traffic_of
from scim_harness.conformance.checks import catalogue
from scim_harness.conformance.checks.client.support import FINDING_CHECKS
from scim_harness.conformance.client.suite import run_client_suite
from scim_harness.conformance.model import Level, Outcome
from scim_harness.reference_server.protocol.findings import FINDINGS

CLIENT_IDS = {c.id for c in catalogue("client")}
# Findings that describe the client's request (not a refusal or an effect of the platform).
DEVIATIONS = sorted(f for f in FINDINGS if f.startswith("LENIENT-") or f == "INFO-MEDIA-TYPE")


@pytest.mark.parametrize("finding", DEVIATIONS)
def test_every_tolerated_deviation_maps_to_a_client_check(finding: str) -> None:
    """A deviation the server tolerates names the registered client check it breaks."""
    assert FINDING_CHECKS.get(finding) in CLIENT_IDS


# INFO-MEDIA-TYPE is read from the Content-Type header, which the record always holds.
@pytest.mark.parametrize("finding", [f for f in DEVIATIONS if f != "INFO-MEDIA-TYPE"])
def test_the_finding_alone_fails_its_check(finding: str) -> None:
    """A request whose only sign of the deviation is the server's finding still fails the check.

    The request is a PATCH (or a body POST) the check looks at, otherwise clean; the finding
    comes from the record, as the server wrote it.
    """
    check_id = FINDING_CHECKS[finding]
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Boss"}],
    }
    record = scim_record(
        "PATCH",
        "/Groups/g1" if check_id.startswith("CLI-GRP") else "/Users/u1",
        body=body,
        query="count=1" if finding == "LENIENT-UNKNOWN-PARAM" else "",
        findings=((finding, f"the server's detail of {finding}"),),
    )
    if check_id == "CLI-GRP-004":
        body["Operations"] = [{"op": "remove", "path": 'members[value eq "u1"]'}]
    (result,) = run_client_suite(traffic_of(record), select=lambda c: c.id == check_id).results
    assert result.outcome is Outcome.FAILED, result.message


def test_client_ids_follow_the_naming_scheme() -> None:
    """Ids are CLI-<AREA>-NNN with a known area code."""
    pattern = re.compile(r"^CLI-(TRN|LOOK|CRT|BOOL|PAT|DEA|GRP|RATE|DSC|STA|REC|IOP|CUR)-\d{3}$")
    assert CLIENT_IDS
    assert all(pattern.match(check_id) for check_id in CLIENT_IDS), sorted(CLIENT_IDS)


@pytest.mark.parametrize("check", catalogue("client"), ids=lambda c: c.id)
def test_every_client_check_cites_claims_and_says_how_to_fix(check: object) -> None:
    """Reference, one-line claim and fix hint are filled in; platform rules are MUST."""
    from scim_harness.conformance.model import Check

    assert isinstance(check, Check)
    assert check.side == "client"
    assert re.search(
        r"RFC \d{4} §|Platform:|draft-zollner-scim-interop-profile-\d+ §", check.reference
    )
    assert check.claim and "\n" not in check.claim
    assert len(check.fix) > 30
    if check.reference.startswith("Platform:") and check.area == "create":
        assert check.level is Level.MUST


def test_the_six_required_attributes_have_one_check_each() -> None:
    """CLI-CRT-001..006 are the platform's six required user attributes, each MUST."""
    required = [c for c in catalogue("client") if c.id <= "CLI-CRT-006" and c.area == "create"]
    claims = " ".join(c.claim for c in required)
    for path in (
        "userName",
        "name.givenName",
        "name.familyName",
        'emails[type eq "work"].value',
        "displayName",
        "active",
    ):
        assert f"carries {path} " in claims
    assert {c.level for c in required} == {Level.MUST}
