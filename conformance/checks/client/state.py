"""Client checks on what the sequence of requests does to the directory (the state model).

Each request of these faults is valid on its own; the damage shows only when the exchanges are
replayed in order (see :mod:`scim_harness.conformance.client.state`).
"""

from __future__ import annotations

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.client.state import state_of
from scim_harness.conformance.traffic.recording import Traffic

__all__ = ["members_leave_explicitly", "no_blind_recreate", "no_silent_reactivation"]


@client_check(
    "CLI-STA-001",
    level="SHOULD",
    area="state",
    reference="RFC 7644 §3.3; RFC 9110 §9.2.2",
    claim="The client never creates again a user or group it already created, unless a lookup "
    "or an error since told it the resource was gone.",
    fix=(
        "Keep the id the server answered to your create and update that resource; before "
        "creating anything you may have created earlier, look it up (GET /Users?filter="
        'userName eq "..."). A repeated POST is answered 409, or creates a duplicate on a '
        "server that does not enforce uniqueness."
    ),
)
def no_blind_recreate(traffic: Traffic) -> None:
    state = state_of(traffic)
    evidence = Evidence("creates")
    blind = {problem.record.seq: problem.why for problem in state.blind_creates}
    for record in state.creates_judged:
        evidence.judge(record, blind.get(record.seq))
    evidence.conclude("no POST /Users or POST /Groups with a userName, displayName or externalId")


@client_check(
    "CLI-STA-002",
    level="SHOULD",
    area="state",
    reference="RFC 7644 §3.5.1, §3.5.2.3; Platform: group memberships",
    claim="Members the client added leave a group only by an explicit remove: a replace of "
    "members or a group PUT carries every member the group should keep.",
    fix=(
        'Add members with {"op": "add", "path": "members", "value": [...]} and remove them '
        'with {"op": "remove", "path": "members[value eq \\"<id>\\"]"}. A replace of members, '
        "or a PUT of the group (a rename included: a PUT without members empties the group), "
        "is legitimate only when it carries the full list of members."
    ),
)
def members_leave_explicitly(traffic: Traffic) -> None:
    state = state_of(traffic)
    evidence = Evidence("accepted group writes")
    dropped = {problem.record.seq: problem.why for problem in state.dropped_members}
    for record in state.group_writes:
        evidence.judge(record, dropped.get(record.seq))
    evidence.conclude("no accepted PATCH or PUT of a group the client created")


@client_check(
    "CLI-STA-003",
    level="SHOULD",
    area="state",
    reference="RFC 7643 §4.1.1 (active); Platform: delete on deactivation",
    claim="A user the client deactivated comes back only through a request meant to "
    "reactivate it, never through a re-create or an update that sets it active.",
    fix=(
        "Remember which users you deactivated. Reactivate one with PATCH "
        '{"op": "replace", "path": "active", "value": true} on its id (and POST it again only '
        "after that answers 404); never send active: true from a stale copy in a PUT, and never "
        "re-create a deactivated user in a full re-sync."
    ),
)
def no_silent_reactivation(traffic: Traffic) -> None:
    state = state_of(traffic)
    evidence = Evidence("requests on users the client deactivated")
    silent = {problem.record.seq: problem.why for problem in state.silent_reactivations}
    for record in state.after_deactivation:
        evidence.judge(record, silent.get(record.seq))
    evidence.conclude("no request brings back a user the client deactivated")
