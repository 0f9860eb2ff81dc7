"""Client checks that reconcile the platform's directory with the source's intended state.

They run with ``check client --admin-url ... --expect FILE`` (see
:mod:`scim_harness.conformance.client.reconcile`) and are skipped without it: the traffic alone
cannot say what the source meant.
"""

from __future__ import annotations

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import (
    MAX_EXCHANGES,
    MAX_LISTED,
    TrafficViolation,
)
from scim_harness.conformance.client.reconcile import reconciled
from scim_harness.conformance.model import CheckSkipped, NotExercised
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = ["directory_attributes", "directory_groups", "directory_memberships", "directory_users"]

_REFERENCE = "Platform: directory records and attribute mapping; the source's intended state"


def _judge(traffic: Traffic, what: str, subject: str) -> None:
    view, result = traffic.platform, reconciled(traffic)
    if view is None or result is None:
        msg = "needs the source's intended state: check client --admin-url ... --expect FILE"
        raise CheckSkipped(msg)
    differences = result.of(what)
    compared = result.compared.get(what, 0)
    if differences:
        listed = "; ".join(d.message for d in differences[:MAX_LISTED])
        more = len(differences) - MAX_LISTED
        tail = f"; and {more} more" if more > 0 else ""
        message = (
            f"{len(differences)} of {compared} {subject} differ from the intended state in "
            f"{view.expected.source}. {listed}{tail}"
        )
        records: list[Record] = []
        for difference in differences:
            if difference.record is not None and difference.record not in records:
                records.append(difference.record)
        raise TrafficViolation(message, records[:MAX_EXCHANGES])
    if not compared:
        msg = f"the intended state and the directory hold no {subject}"
        raise NotExercised(msg)


@client_check(
    "CLI-REC-001",
    level="MUST",
    area="reconcile",
    reference=f"{_REFERENCE}; Platform: delete on deactivation",
    claim="After the run the directory holds exactly the users the source intends: none "
    "missing, none extra, and none the source deactivated when the app deletes them.",
    fix=(
        "Create every user the source has (and re-create one the platform deleted when the "
        "source reactivates it), delete or deactivate the ones it removed, and deactivate "
        "(active=false) every user the source deactivated."
    ),
)
def directory_users(traffic: Traffic) -> None:
    _judge(traffic, "users", "users")


@client_check(
    "CLI-REC-002",
    level="MUST",
    area="reconcile",
    reference=f"{_REFERENCE}; RFC 7644 §3.5.2",
    claim="Every attribute the source intends arrives in the platform attribute its mapping "
    "row names, with the row's transform.",
    fix=(
        "Send each mapped attribute at the SCIM path the app's mapping reads (e.g. the work "
        'e-mail at emails[type eq "work"].value) on create, and send every change of it '
        "afterwards (PATCH with that path, or a PUT carrying the whole user)."
    ),
)
def directory_attributes(traffic: Traffic) -> None:
    _judge(traffic, "attributes", "mapped attribute values")


@client_check(
    "CLI-REC-003",
    level="MUST",
    area="reconcile",
    reference=f"{_REFERENCE}; RFC 7643 §4.2",
    claim="After the run the directory holds exactly the source's groups, each under the "
    "Group Name the source intends.",
    fix=(
        "Create every group the source has, delete the ones it removed, and send each rename "
        '(PATCH {"op": "replace", "path": "displayName", "value": "<new name>"}) to the group '
        "id you created."
    ),
)
def directory_groups(traffic: Traffic) -> None:
    _judge(traffic, "groups", "groups")


@client_check(
    "CLI-REC-004",
    level="MUST",
    area="reconcile",
    reference=f"{_REFERENCE}; RFC 7644 §3.5.2.1, §3.5.2.2",
    claim="After the run each group's members are exactly the source's members the platform keeps.",
    fix=(
        "Add each member with an add of members and remove each one that left with "
        'members[value eq "<id>"]; after re-creating a user the platform deleted, add it back '
        "to its groups."
    ),
)
def directory_memberships(traffic: Traffic) -> None:
    _judge(traffic, "memberships", "groups' member lists")
