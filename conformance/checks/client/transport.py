"""Client checks on transport and authentication: media types, the bearer token, parameters."""

from __future__ import annotations

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = [
    "bearer_in_header",
    "body_media_type",
    "no_token_in_query",
    "scim_media_type",
    "scim_query_parameters",
]

_JSON_TYPES = frozenset({"application/scim+json", "application/json"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# RFC 6750 §2.3 names the query parameter access_token; the others are common home-made names.
_TOKEN_PARAMS = frozenset(
    {"access_token", "token", "bearer", "bearer_token", "auth", "authorization", "api_key"}
)
# RFC 7644 §3.4.2 (and §3.4.2.5 for attributes/excludedAttributes): the query parameters.
_SCIM_PARAMS = frozenset(
    {"filter", "sortby", "sortorder", "startindex", "count", "attributes", "excludedattributes"}
)


def _media_type(record: Record) -> str | None:
    value = record.content_type
    return value.split(";", 1)[0].strip().lower() if value else None


def _bodies(traffic: Traffic) -> list[Record]:
    return [r for r in traffic if r.method in _BODY_METHODS and r.has_body]


@client_check(
    "CLI-TRN-001",
    level="MUST",
    area="transport",
    reference="RFC 7644 §3.8; RFC 9110 §8.3",
    claim="Every request body is JSON and says so in its Content-Type.",
    fix=(
        "Send bodies as JSON with 'Content-Type: application/scim+json' (the SCIM media type); "
        "a server answers 415 to a body it cannot read as JSON."
    ),
)
def body_media_type(traffic: Traffic) -> None:
    evidence = Evidence("requests with a body")
    for record in _bodies(traffic):
        media = _media_type(record)
        if isinstance(record.body, dict) and set(record.body) == {"unparsed"}:
            evidence.bad(record, "the body is not valid JSON")
        elif media is None:
            evidence.bad(record, "no Content-Type header")
        elif media not in _JSON_TYPES:
            evidence.bad(record, f"Content-Type {record.content_type!r} is not JSON")
        else:
            evidence.ok(record)
    evidence.conclude("no POST, PUT or PATCH with a body in the traffic")


@client_check(
    "CLI-TRN-002",
    level="SHOULD",
    area="transport",
    reference="RFC 7644 §3.1, §8.1",
    claim="Request bodies use the SCIM media type application/scim+json, not application/json.",
    fix=(
        "Set 'Content-Type: application/scim+json' on POST, PUT and PATCH; application/json is "
        "the pre-RFC habit some servers refuse."
    ),
)
def scim_media_type(traffic: Traffic) -> None:
    evidence = Evidence("JSON request bodies")
    for record in _bodies(traffic):
        media = _media_type(record)
        if media == "application/json":
            evidence.bad(record, "sent as application/json")
        elif media == "application/scim+json" and not record.tolerated("INFO-MEDIA-TYPE"):
            evidence.ok(record)
    evidence.conclude("no POST, PUT or PATCH with a JSON body in the traffic")


@client_check(
    "CLI-TRN-003",
    level="MUST",
    area="transport",
    reference="Platform: Authorization Configuration; RFC 6750 §2.1",
    claim="Every request carries the app's token as 'Authorization: Bearer <token>', and it works.",
    fix=(
        "Copy the app's Bearer Token from its Authorization Configuration and send it in the "
        "Authorization header of every request; a 401 means the token is missing, wrong, rotated "
        "or revoked."
    ),
)
def bearer_in_header(traffic: Traffic) -> None:
    evidence = Evidence("requests")
    for record in traffic:
        value = record.headers.get("authorization")
        scheme = value.split(" ", 1)[0].lower() if value else ""
        if value is None:
            evidence.bad(record, "no Authorization header")
        elif scheme != "bearer":
            evidence.bad(record, f"Authorization scheme {scheme or '(none)'!r} is not Bearer")
        elif record.status == 401:
            evidence.bad(record, "the server refused the bearer token (401)")
        else:
            evidence.ok(record)
    evidence.conclude("the traffic holds no requests")


@client_check(
    "CLI-TRN-004",
    level="SHOULD",
    area="transport",
    reference="RFC 6750 §2.3, §5.3",
    claim="The bearer token never travels in the query string.",
    fix=(
        "Remove the token from the URL (it ends up in logs and proxies); send it only in the "
        "Authorization header, then rotate it: it has leaked."
    ),
)
def no_token_in_query(traffic: Traffic) -> None:
    evidence = Evidence("requests")
    for record in traffic:
        leaked = [
            name
            for name, value in record.params
            if name.lower() in _TOKEN_PARAMS or value.lower().startswith("bearer ")
        ]
        if leaked:
            names = ", ".join(sorted(set(leaked)))
            evidence.bad(record, f"query parameter {names} carries a credential (value not shown)")
        else:
            evidence.ok(record)
    evidence.conclude("the traffic holds no requests")


@client_check(
    "CLI-TRN-005",
    level="SHOULD",
    area="transport",
    reference="RFC 7644 §3.4.2",
    claim="Query strings hold only the parameters SCIM defines.",
    fix=(
        "Drop parameters SCIM does not define (feature flags, cache busters) from request URLs; "
        "a strict server refuses them, a lenient one ignores them."
    ),
)
def scim_query_parameters(traffic: Traffic) -> None:
    evidence = Evidence("requests with a query string")
    for record in traffic:
        if not record.query:
            continue
        unknown = sorted({name for name, _ in record.params if name.lower() not in _SCIM_PARAMS})
        if unknown or record.tolerated("LENIENT-UNKNOWN-PARAM"):
            names = ", ".join(unknown) or "; ".join(record.finding_details("LENIENT-UNKNOWN-PARAM"))
            evidence.bad(record, f"unknown query parameter {names}")
        else:
            evidence.ok(record)
    evidence.conclude("no request with a query string in the traffic")
