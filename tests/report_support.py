"""Hand-built reports for the report tests: one of each outcome, and a hostile one."""

from __future__ import annotations

from typing import Any

from scim_harness.conformance.model import Check, Exchange, Level, Outcome, Report, Result

HOSTILE = '<script>alert("x")</script>'
SECRET = "s3cr3t-token-value"


def check(
    id: str,
    *,
    area: str = "filter",
    level: str = "MUST",
    side: str = "server",
    claim: str = "a filter returns only matching resources",
) -> Check:
    return Check(
        id=id,
        side=side,
        area=area,
        level=Level(level),
        reference="RFC 7644 §3.4.2.2",
        claim=claim,
        fix="apply the filter before paging",
    )


def exchange(
    response_body: Any = None, *, url: str = "http://scim.test/Users?filter=x", status: int = 200
) -> Exchange:
    return Exchange(
        method="GET",
        url=url,
        request_headers={"Authorization": f"Bearer {SECRET}", "Accept": "application/scim+json"},
        status=status,
        response_headers={"Content-Type": "application/scim+json"},
        response_body=response_body,
    )


def list_body(n: int) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": n,
        "Resources": [{"id": f"user-{i:03d}", "userName": f"user{i}"} for i in range(n)],
    }


def mixed_report() -> Report:
    """Two areas: ``filter`` with a MUST failure, ``patch`` with nothing failing."""
    return Report(
        side="server",
        target="http://scim.test/scim/v2",
        details={"profile": "rfc", "seed": 7},
        duration_s=1.5,
        results=[
            Result(check("SRV-PAT-001", area="patch"), Outcome.PASSED, duration_ms=3),
            Result(
                check("SRV-PAT-002", area="patch", level="SHOULD"),
                Outcome.SKIPPED,
                "the server does not advertise PATCH",
            ),
            Result(check("SRV-FLT-001"), Outcome.PASSED, duration_ms=4),
            Result(
                check("SRV-FLT-002"),
                Outcome.FAILED,
                "2 of 40 users returned do not match",
                [exchange(list_body(40))],
                duration_ms=12,
            ),
            Result(
                check("SRV-FLT-003", level="MAY"),
                Outcome.NOT_EXERCISED,
                "no filtered request in the traffic",
            ),
            Result(check("SRV-FLT-004", level="SHOULD"), Outcome.ERROR, "RuntimeError: boom"),
        ],
    )


def hostile_report() -> Report:
    """A failure whose every wire-borne field carries markup or control characters."""
    result = Result(
        check("SRV-ERR-001", area="errors", claim=f"claim {HOSTILE}"),
        Outcome.FAILED,
        f"detail was {HOSTILE} [bold red]markup[/] [/nope] \x00\x1b[31m \ud800",
        [
            exchange(
                {"detail": HOSTILE, "scimType": "]]></failure>"},
                url=f"http://scim.test/Users?q={HOSTILE}&access_token={SECRET}",
                status=400,
            )
        ],
    )
    return Report(side="server", target=f"http://scim.test/{HOSTILE}", results=[result])
