"""Client checks on finding resources: lookups before creates, valid filters, ids in paths."""

from __future__ import annotations

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.index import user_identity
from scim_harness.conformance.traffic.recording import Traffic

__all__ = ["addressed_by_id", "filters_valid", "lookup_before_user_create"]


@client_check(
    "CLI-LOOK-001",
    level="SHOULD",
    area="lookup",
    reference="RFC 7644 §3.3, §3.4.2.2",
    claim="Before creating a user, the client looks it up by the same identity.",
    fix=(
        'Before each POST /Users, query GET /Users?filter=userName eq "<userName>" (or your '
        "matching attribute: externalId, the work e-mail) and adopt the user found instead of "
        "creating a duplicate or running into 409."
    ),
)
def lookup_before_user_create(traffic: Traffic) -> None:
    index = traffic.index
    evidence = Evidence("user creates")
    for record in traffic:
        if not record.is_create("Users"):
            continue
        identity = user_identity(record.body)
        if not identity:
            continue  # no identity to look up: the create checks report the missing userName
        if index.lookup_between("Users", identity, 0, record.seq) is None:
            name = sorted(value for attr, value in identity if attr == "username")
            who = f"userName {name[0]!r}" if name else "this identity"
            evidence.bad(record, f"no earlier GET /Users?filter=... for {who}")
        else:
            evidence.ok(record)
    evidence.conclude("no POST /Users in the traffic")


@client_check(
    "CLI-LOOK-002",
    level="MUST",
    area="lookup",
    reference="RFC 7644 §3.4.2.2",
    claim="Every filter the client sends follows the RFC 7644 filter grammar.",
    fix=(
        "Write filters as 'attribute operator value' with string values in double quotes, "
        "e.g. userName eq \"bjensen\"; escape '\"' and '\\' inside values, and URL-encode the "
        "whole filter in the query string."
    ),
)
def filters_valid(traffic: Traffic) -> None:
    evidence = Evidence("filters")
    judged = set()
    for parsed in traffic.index.filters:
        judged.add(parsed.record.seq)
        # The server parses leniently (e.g. Entra's `emails[type eq "work"].value eq ...`);
        # its finding says where the text leaves the grammar.
        outside = parsed.record.finding_details("LENIENT-FILTER-VALUE-PATH")
        if parsed.error is not None:
            evidence.bad(parsed.record, f"filter {parsed.text!r} is invalid: {parsed.error}")
        elif outside:
            evidence.bad(parsed.record, f"filter {parsed.text!r}: {outside[0]}")
        else:
            evidence.ok(parsed.record)
    for record in traffic:
        if record.seq not in judged and record.tolerated("LENIENT-FILTER-VALUE-PATH"):
            evidence.bad(record, record.finding_details("LENIENT-FILTER-VALUE-PATH")[0])
    evidence.conclude("no filter in the traffic (GET ?filter= or POST .search)")


@client_check(
    "CLI-LOOK-003",
    level="MUST",
    area="lookup",
    reference="RFC 7644 §3.2, §3.4.1; RFC 7643 §3.1",
    claim="Known resources are addressed by the id the server assigned, never by a name.",
    fix=(
        "Keep the 'id' from the POST answer (or a lookup) and use /Users/{id} and /Groups/{id}; "
        "a userName, e-mail or group name in the path is not an id and answers 404."
    ),
)
def addressed_by_id(traffic: Traffic) -> None:
    index = traffic.index
    evidence = Evidence("requests on one resource")
    for record in traffic:
        rid = record.resource_id
        if rid is None or record.endpoint not in ("Users", "Groups"):
            continue
        if index.known_id(rid):
            evidence.ok(record)
            continue
        owners = (
            index.user_name_owner(rid)
            if record.endpoint == "Users"
            else index.group_name_owner(rid)
        )
        if owners:
            what = "a userName or e-mail" if record.endpoint == "Users" else "a displayName"
            evidence.bad(record, f"{rid!r} is {what}; the server's id is {owners[0]!r}")
    evidence.conclude("no request on a /Users/{id} or /Groups/{id} the traffic can identify")
