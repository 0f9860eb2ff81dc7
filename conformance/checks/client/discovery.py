"""Client check on discovery: features the server said it lacks are not used."""

from __future__ import annotations

from typing import Any

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.body import as_boolean, ci_get
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = ["features_respected"]


def _features_used(record: Record) -> list[str]:
    """The ServiceProviderConfig features (RFC 7643 §5) a request relies on."""
    used: list[str] = []
    if record.method == "PATCH":
        used.append("patch")
    if record.endpoint == "Bulk" and record.method == "POST":
        used.append("bulk")
    if record.param("filter") is not None or (record.search and ci_get(record.body, "filter")):
        used.append("filter")
    if record.param("sortBy") is not None or (record.search and ci_get(record.body, "sortBy")):
        used.append("sort")
    if "if-match" in record.headers or "if-none-match" in record.headers:
        used.append("etag")
    return used


def _supported(config: Any, feature: str) -> bool | None:
    return as_boolean(ci_get(ci_get(config, feature), "supported"))


@client_check(
    "CLI-DSC-001",
    level="SHOULD",
    area="discovery",
    reference="RFC 7644 §4; RFC 7643 §5",
    claim="Once it has read /ServiceProviderConfig, the client uses no feature the server "
    "says it does not support (PATCH, Bulk, filter, sort, ETags).",
    fix=(
        "Read /ServiceProviderConfig and honour it: when patch.supported is false update with "
        "PUT, when bulk.supported is false send single requests, and so on."
    ),
)
def features_respected(traffic: Traffic) -> None:
    reads = traffic.index.config_reads
    evidence = Evidence("requests after a /ServiceProviderConfig read")
    for record in traffic:
        used = _features_used(record)
        config = next((r for r in reversed(reads) if r.seq < record.seq), None)
        if not used or config is None:
            continue
        unsupported = [f for f in used if _supported(config.response, f) is False]
        if unsupported:
            names = ", ".join(unsupported)
            evidence.bad(record, f"uses {names}, which {config.label()} says is not supported")
        else:
            evidence.ok(record)
    nothing = (
        "the client never read /ServiceProviderConfig"
        if not reads
        else "no request after the /ServiceProviderConfig read uses an optional feature"
    )
    evidence.conclude(nothing)
