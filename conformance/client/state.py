"""The directory as the client meant it: the recorded exchanges replayed, request and answer.

Each request is read in ``seq`` order with the server's answer, and :class:`StateModel` keeps
what the client created (server ids, identities, the request that made each), what it
deactivated and whether it meant to bring it back, the members it put in each group, and
which requests touched each resource. Along the way it notes the sequences that damage the
directory although each request is valid on its own:

- **blind re-creates**: a create for a user or group the client already created (same
  ``userName``, ``displayName`` or ``externalId``), still there, with no lookup and no error
  about it in between;
- **dropped members**: members the client itself added that leave a group through a
  ``replace`` of ``members`` or a group ``PUT`` without being removed explicitly (the server's
  answer decides: members it still lists were not dropped);
- **silent reactivations**: a user the client deactivated that comes back active without a
  request meant to reactivate it: a create of the same identity without any ``active=true``
  request on the old id first, or a ``PUT`` that changes other attributes and sets (or leaves)
  the user active. A PATCH that sets ``active`` to true is always explicit: PATCH carries only
  what changed.

Only requests the server accepted (2xx) change the model; a 404 on a resource tells the client
it is gone. The questions the checks and the reconciliation ask are methods at the end.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from scim_harness.conformance.client.facts import (
    COMPARED,
    GROUP_KEYS,
    LABELS,
    USER_KEYS,
    GroupState,
    Problem,
    UserState,
    created_id,
    identity_terms,
    learn_user,
    new_name,
    stated,
)
from scim_harness.conformance.client.members import MemberChange, member_changes, resource_members
from scim_harness.conformance.traffic.body import active_assignment, ci_get
from scim_harness.conformance.traffic.index import Term, group_identity, user_identity
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = ["GroupState", "Problem", "StateModel", "UserState", "state_of"]


@dataclass
class StateModel:
    users: dict[str, UserState] = field(default_factory=dict)
    groups: dict[str, GroupState] = field(default_factory=dict)
    blind_creates: list[Problem] = field(default_factory=list)
    creates_judged: list[Record] = field(default_factory=list)
    dropped_members: list[Problem] = field(default_factory=list)
    group_writes: list[Record] = field(default_factory=list)
    silent_reactivations: list[Problem] = field(default_factory=list)
    after_deactivation: list[Record] = field(default_factory=list)
    """Accepted requests that bring back, or could bring back, a user the client deactivated."""
    _traffic: Traffic | None = field(default=None, repr=False)
    _listings: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, traffic: Traffic) -> StateModel:
        model = cls(_traffic=traffic)
        for record in traffic.requests:
            model._replay(record)
        return model

    # -- replay ---------------------------------------------------------------------------

    def _replay(self, record: Record) -> None:
        if record.endpoint not in ("Users", "Groups"):
            return
        if record.resource_id is None and _unfiltered_read(record):
            self._listings.setdefault(record.endpoint, []).append(record.seq)
        if record.is_create("Users") or record.is_create("Groups"):
            self._create(record)
            return
        rid = record.resource_id
        if rid is None:
            return
        user = self.users.get(rid) if record.endpoint == "Users" else None
        if user is not None and user.deactivated is not None:
            assigned = active_assignment(record.method, record.body)
            if assigned is not None and assigned.intent is True:
                user.reactivation_tried = True  # whatever the answer (a 404 included)
        if record.status == 404:
            self._gone(rid, record)
            return
        if user is not None:
            self._user_request(user, record)
        elif record.endpoint == "Groups" and rid in self.groups and record.ok:
            self._group_write(self.groups[rid], record)

    def _gone(self, rid: str, record: Record) -> None:
        resource = self.users.get(rid) or self.groups.get(rid)
        if resource is not None and resource.gone is None:
            resource.gone = record
        if rid in self.users:
            for group in self.groups.values():
                group.members.pop(rid, None)

    def _live(self, endpoint: str, terms: set[Term]) -> UserState | GroupState | None:
        pool = self.users if endpoint == "Users" else self.groups
        for resource in pool.values():
            if resource.gone is None and resource.identity & terms:
                return resource
        return None

    def _looked_up(self, endpoint: str, terms: set[Term], after: int, before: int) -> bool:
        traffic = self._traffic
        if traffic is None:
            return False
        if traffic.index.lookup_between(endpoint, frozenset(terms), after, before) is not None:
            return True
        # A listing of the whole endpoint (a page walk, a search without filter) finds it too.
        seqs = self._listings.get(endpoint, [])
        position = bisect.bisect_right(seqs, after)
        return position < len(seqs) and seqs[position] < before

    def _create(self, record: Record) -> None:
        users = record.endpoint == "Users"
        identity = user_identity(record.body) if users else group_identity(record.body)
        terms = identity_terms(identity, USER_KEYS if users else GROUP_KEYS)
        if terms:
            self.creates_judged.append(record)
            self._judge_create(record, terms)
        if users:
            self._judge_comeback(record, terms)
        if not record.ok:
            return
        rid = created_id(record)
        if rid is None:
            return
        if users:
            name = ci_get(record.body, "userName")
            user = UserState(rid, terms, record, name if isinstance(name, str) else None)
            user.known = stated(record.body)
            user.writes.append(record)
            self.users[rid] = user
        else:
            name = ci_get(record.body, "displayName")
            group = GroupState(rid, terms, record, name if isinstance(name, str) else None)
            for member in resource_members(record.body):
                group.members[member] = record
            self.groups[rid] = group

    def _judge_create(self, record: Record, terms: set[Term]) -> None:
        earlier = self._live(record.endpoint, terms)
        if earlier is None:
            return
        if self._looked_up(record.endpoint, terms, earlier.created.seq, record.seq):
            return
        common = earlier.identity & terms
        named = sorted(t for t in common if t[0] != "externalid") or sorted(common)
        shared = " and ".join(f"{LABELS[attr]} {value!r}" for attr, value in named)
        outcome = f"answered {record.status}" if record.status is not None else "unanswered"
        self.blind_creates.append(
            Problem(
                record,
                f"creates {shared} again ({outcome}) although {earlier.created.label()} created "
                f"it as {earlier.id} and nothing since looked it up or said it was gone",
            )
        )

    def _judge_comeback(self, record: Record, terms: set[Term]) -> None:
        """A create of an identity the client deactivated and never tried to reactivate."""
        assigned = active_assignment("PUT", record.body)
        if assigned is not None and assigned.intent is False:
            return  # created inactive: not a reactivation
        for user in self.users.values():
            if user.deactivated is None or not user.identity & terms:
                continue
            self.after_deactivation.append(record)
            if not user.reactivation_tried:
                self.silent_reactivations.append(
                    Problem(
                        record,
                        f"re-creates {user.user_name or user.id} active, whom "
                        f"{user.deactivated.label()} deactivated; no request since asked for "
                        "active=true",
                    )
                )
            user.deactivated = None

    def _user_request(self, user: UserState, record: Record) -> None:
        assigned = active_assignment(record.method, record.body)
        if not record.ok:
            return
        if record.method == "DELETE":
            self._gone(user.id, record)
            return
        if record.method not in ("PUT", "PATCH"):
            if record.method == "GET" and isinstance(record.response, dict):
                user.known = stated(record.response)
            return
        user.writes.append(record)
        if record.method == "PUT":
            self._judge_put(user, record, assigned)
        elif assigned is not None and user.deactivated is not None and assigned.intent is True:
            self.after_deactivation.append(record)
            user.deactivated = None
        if assigned is not None and assigned.intent is False:
            user.deactivated = record
            user.reactivation_tried = False
        if "EFFECT-DELETED-ON-DEACTIVATION" in record.finding_ids:
            self._gone(user.id, record)
        learn_user(user, record)

    def _judge_put(self, user: UserState, record: Record, assigned: Any) -> None:
        if user.deactivated is None:
            return
        answer = ci_get(record.response, "active") if isinstance(record.response, dict) else None
        active = assigned.intent if assigned is not None else answer
        if active is False or (active is None and answer is not True):
            return
        self.after_deactivation.append(record)
        sent = stated(record.body)
        changed = [
            name
            for name in COMPARED
            if sent.get(name) is not None and sent.get(name) != user.known.get(name)
        ]
        if changed or assigned is None:
            what = f"changes {', '.join(changed)} and " if changed else ""
            how = "sets active true" if assigned is not None else "leaves active out"
            self.silent_reactivations.append(
                Problem(
                    record,
                    f"{what}{how} for {user.user_name or user.id}, whom "
                    f"{user.deactivated.label()} deactivated: an update that reactivates",
                )
            )
        user.deactivated = None

    def _group_write(self, group: GroupState, record: Record) -> None:
        if record.method == "DELETE":
            self._gone(group.id, record)
            return
        if record.method not in ("PUT", "PATCH"):
            return
        self.group_writes.append(record)
        answer = None
        if isinstance(record.response, dict) and ci_get(record.response, "id") == group.id:
            answer = set(resource_members(record.response))
        for change in member_changes(record):
            self._apply(group, record, change, answer)
        name = new_name(record)
        if name is not None:
            group.renames.append(record)
            group.name = name
            group.identity = {t for t in group.identity if t[0] != "displayname"}
            group.identity.add(("displayname", name.lower()))

    def _apply(
        self, group: GroupState, record: Record, change: MemberChange, answer: set[str] | None
    ) -> None:
        if change.kind == "add":
            group.member_writes.append(record)
            for member in change.ids:
                group.members.setdefault(member, record)
        elif change.kind == "remove":
            group.member_writes.append(record)
            for member in change.ids:
                group.members.pop(member, None)
        elif change.kind == "clear":
            group.member_writes.append(record)
            group.members.clear()
        elif change.kind == "replace":
            group.member_writes.append(record)
            dropped = [m for m in group.members if m not in change.ids]
            if answer is not None:
                dropped = [m for m in dropped if m not in answer]
            live = [m for m in dropped if self._user_live(m)]
            if live:
                self.dropped_members.append(Problem(record, self._drop_text(group, live, change)))
            kept = {m: group.members[m] for m in group.members if m not in dropped}
            group.members = {**kept, **{m: record for m in change.ids if m not in kept}}

    def _user_live(self, member: str) -> bool:
        user = self.users.get(member)
        return user is None or user.gone is None

    def _drop_text(self, group: GroupState, dropped: list[str], change: MemberChange) -> str:
        names = [self.users[m].user_name or m if m in self.users else m for m in dropped]
        shown = ", ".join(sorted(str(n) for n in names)[:5])
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        added = sorted({group.members[m].label() for m in dropped})[:3]
        return (
            f"{change.how} of group {group.name or group.id} drops {len(dropped)} member(s) the "
            f"client added ({shown}{more}; added by {', '.join(added)}) without removing them"
        )

    # -- questions ------------------------------------------------------------------------

    def user_by_name(self, user_name: str) -> UserState | None:
        """The latest user the client created with this userName (any case)."""
        wanted = user_name.lower()
        found = [u for u in self.users.values() if (u.user_name or "").lower() == wanted]
        return max(found, key=lambda u: u.created.seq) if found else None

    def group_by(self, *, external_id: str | None, name: str | None) -> GroupState | None:
        """The latest live group with this externalId, else with this current name."""
        live = [g for g in self.groups.values() if g.gone is None] or list(self.groups.values())
        for wanted in (("externalid", external_id), ("displayname", name)):
            if wanted[1] is None:
                continue
            term = (wanted[0], wanted[1].lower())
            found = [g for g in live if term in g.identity]
            if found:
                return max(found, key=lambda g: g.created.seq)
        return None


def _unfiltered_read(record: Record) -> bool:
    if record.method == "GET" and not record.search:
        return record.param("filter") is None
    return record.search and ci_get(record.body, "filter") is None


def state_of(traffic: Traffic) -> StateModel:
    """The state model of ``traffic``, built once and kept with it."""
    model = traffic.derived.get("state")
    if not isinstance(model, StateModel):
        model = StateModel.build(traffic)
        traffic.derived["state"] = model
    return model
