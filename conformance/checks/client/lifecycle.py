"""Client checks on the user lifecycle: deactivation, deleted ids, reactivation.

Judging "DELETE instead of deactivation" fairly: a DELETE is a legitimate request (RFC 7644
§3.6), and a client that deactivates some users may well delete others at the end of their
life. So a DELETE of a user that was never deactivated is held against the client only when
the traffic shows that DELETE standing in for a deactivation:

- the same userName is POSTed again later (delete + re-create is how a client without
  deactivation "reactivates"), or
- the client never expresses a deactivation as ``active=false`` anywhere in the traffic.
"""

from __future__ import annotations

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.index import TrafficIndex
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = ["deactivate_not_delete", "no_requests_on_deleted_ids", "reactivate_same_id"]


def _recreated(index: TrafficIndex, user_id: str, after: int) -> Record | None:
    """The first POST /Users after seq ``after`` for a userName ``user_id`` had."""
    facts = index.users.get(user_id)
    later = [
        record
        for name in (facts.user_names if facts else ())
        for record in index.user_creates.get(name, [])
        if record.seq > after
    ]
    return min(later, key=lambda r: r.seq) if later else None


@client_check(
    "CLI-DEA-001",
    level="SHOULD",
    area="lifecycle",
    reference="Platform: delete on deactivation; RFC 7643 §4.1.1",
    claim="Users are deactivated with active=false (PATCH or PUT), not deleted and re-created.",
    fix=(
        'Deactivate with PATCH {"op": "replace", "path": "active", "value": false} and '
        "reactivate with active=true on the same id; whether a deactivated user is deleted is "
        "the platform's option (delete on deactivation), not the client's choice."
    ),
)
def deactivate_not_delete(traffic: Traffic) -> None:
    index = traffic.index
    evidence = Evidence("deactivations and user deletions")
    deactivations = [c for c in index.active_changes if c.intent is False]
    first_deactivation: dict[str, int] = {}
    for change in deactivations:
        evidence.ok(change.record)
        first_deactivation.setdefault(change.user_id, change.record.seq)
    for record in traffic:
        if record.method != "DELETE" or not record.is_resource("Users"):
            continue
        rid = str(record.resource_id)
        if first_deactivation.get(rid, record.seq) < record.seq:
            evidence.ok(record)
            continue
        again = _recreated(index, rid, record.seq)
        if again is not None:
            evidence.bad(
                record,
                f"deleted a user that was never deactivated, then re-created the same userName "
                f"({again.label()}): a deactivation and reactivation done by DELETE and POST",
            )
        elif not deactivations:
            evidence.bad(
                record,
                "deleted a user that was never deactivated, and the traffic never deactivates "
                "anyone with active=false",
            )
        else:
            evidence.ok(record)
    evidence.conclude("no deactivation (active=false) and no DELETE /Users/{id} in the traffic")


@client_check(
    "CLI-DEA-002",
    level="SHOULD",
    area="lifecycle",
    reference="RFC 7644 §3.6",
    claim="After a resource is deleted, the client never addresses its id again (only a new POST).",
    fix=(
        "Forget a resource's id once you DELETE it (or once the server answers 404 for it: the "
        "platform may delete users on deactivation); create it again with POST if it comes back."
    ),
)
def no_requests_on_deleted_ids(traffic: Traffic) -> None:
    index = traffic.index
    evidence = Evidence("deleted resources")
    gone = {**index.deleted_by_server, **index.deleted_by_client}
    for rid in gone:
        by_client = index.deleted_by_client.get(rid)
        marker = by_client or index.deleted_by_server[rid]
        later = [r for r in index.on_resource.get(rid, []) if r.seq > marker.seq]
        if by_client is None:
            # The server deleted it (delete on deactivation): the client learns it by a 404.
            first_404 = next((r for r in later if r.status == 404), None)
            later = [r for r in later if first_404 is not None and r.seq > first_404.seq]
            seen = first_404.label() if first_404 else "never"
            why = f"after the server answered 404 for {rid} ({seen})"
        else:
            why = f"after the client deleted {rid} ({by_client.label()})"
        if later:
            for record in later:
                evidence.bad(record, why)
        else:
            evidence.ok(marker)
    evidence.conclude("no resource is deleted in the traffic")


@client_check(
    "CLI-DEA-003",
    level="SHOULD",
    area="lifecycle",
    reference="RFC 7643 §4.1.1; Platform: delete on deactivation",
    claim="A deactivated user is reactivated with active=true on its id, not created again.",
    fix=(
        'Reactivate with PATCH {"op": "replace", "path": "active", "value": true} on the id you '
        "deactivated; POST a new user only when the server answers 404 for that id."
    ),
)
def reactivate_same_id(traffic: Traffic) -> None:
    index = traffic.index
    evidence = Evidence("reactivations")
    deactivated: dict[str, Record] = {}
    for change in index.active_changes:
        if change.intent is False:
            deactivated.setdefault(change.user_id, change.record)
        elif change.intent is True and change.user_id in deactivated:
            evidence.ok(change.record)
    for rid, record in deactivated.items():
        again = _recreated(index, rid, record.seq)
        if again is None:
            continue
        gone = index.gone_at(rid)
        answered_404 = any(
            r.status == 404 and record.seq < r.seq < again.seq
            for r in index.on_resource.get(rid, [])
        )
        if (gone is not None and gone.seq < again.seq) or answered_404:
            evidence.ok(again)  # deleted meanwhile: a new POST is the way back
        else:
            names = ", ".join(sorted(index.users[rid].user_names)) if rid in index.users else rid
            evidence.bad(
                again,
                f"re-creates {names} while {rid} was only deactivated ({record.label()}); "
                "reactivate it with active=true",
            )
    evidence.conclude("no user is reactivated or re-created after a deactivation in the traffic")
