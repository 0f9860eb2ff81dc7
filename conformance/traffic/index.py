"""What a client's traffic says about resources: server ids, names, lookups, lifecycle events.

Built once per :class:`~conformance.traffic.recording.Traffic` by walking the records in order:

- the ids the server assigned (POST answers, ``Location`` headers, resources in GET and
  ``.search`` answers) with the userName, e-mails or displayName they carry;
- every filter the client sent (GET ``filter=`` and ``.search`` bodies), parsed with the
  reference server's RFC 7644 §3.4.2.2 parser, and the equality terms it asks for;
- deletions (by the client's DELETE, or by the server's delete-on-deactivation effect) and
  every ``active`` assignment (deactivation, reactivation) in PATCH and PUT requests.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scim_harness.conformance.traffic.body import active_assignment, ci_get
from scim_harness.conformance.traffic.records import Record
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.protocol.grammar import (
    And,
    Compare,
    Filter,
    Not,
    Or,
    ValuePath,
    parse_filter,
)
from scim_harness.reference_server.protocol.schema import CORE_GROUP, CORE_USER, fold, resource_type

__all__ = [
    "ActiveChange",
    "GroupFacts",
    "Lookup",
    "ParsedFilter",
    "TrafficIndex",
    "UserFacts",
    "group_identity",
    "user_identity",
]

Term = tuple[str, str]
"""An equality a filter asks for or an identity offers: (attribute path, value), both folded."""


@dataclass
class UserFacts:
    """A User the server assigned an id to, as the traffic shows it."""

    id: str
    user_names: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    learnt_seq: int = 0
    """The request whose answer first showed this id to the client."""


@dataclass
class GroupFacts:
    id: str
    names: set[str] = field(default_factory=set)
    learnt_seq: int = 0


@dataclass(frozen=True)
class ParsedFilter:
    """A filter the client sent: where, its text, and the parse (or why it failed)."""

    record: Record
    text: str
    error: str | None
    terms: frozenset[Term]


@dataclass(frozen=True)
class Lookup:
    """A query for resources by equality (``filter=userName eq "..."``)."""

    record: Record
    endpoint: str
    terms: frozenset[Term]


@dataclass(frozen=True)
class ActiveChange:
    """A request that sets a User's ``active``."""

    record: Record
    user_id: str
    value: Any
    intent: bool | None


def _s(value: Any) -> str | None:
    return fold(value) if isinstance(value, str) and value else None


def user_identity(body: Any) -> frozenset[Term]:
    """What identifies a User in a create: userName, externalId and e-mail values, folded."""
    terms: set[Term] = set()
    if (name := _s(ci_get(body, "userName"))) is not None:
        terms.add(("username", name))
    if (ext := _s(ci_get(body, "externalId"))) is not None:
        terms.add(("externalid", ext))
    emails = ci_get(body, "emails")
    for email in emails if isinstance(emails, list) else [emails]:
        if (value := _s(ci_get(email, "value"))) is not None:
            terms.add(("emails.value", value))
    return frozenset(terms)


def group_identity(body: Any) -> frozenset[Term]:
    """What identifies a Group in a create: displayName and externalId, folded."""
    terms: set[Term] = set()
    if (name := _s(ci_get(body, "displayName"))) is not None:
        terms.add(("displayname", name))
    if (ext := _s(ci_get(body, "externalId"))) is not None:
        terms.add(("externalid", ext))
    return frozenset(terms)


def _path_text(uri: str | None, attr: str, sub: str | None) -> str:
    text = attr if sub is None else f"{attr}.{sub}"
    if uri is not None and uri.lower() not in (CORE_USER.lower(), CORE_GROUP.lower()):
        text = f"{uri}:{text}"
    return text.lower()


def _eq_terms(node: Filter, outer: str | None = None) -> Iterable[Term]:
    """Equality terms anywhere in a filter except under ``not``."""
    if isinstance(node, And | Or):
        yield from _eq_terms(node.left, outer)
        yield from _eq_terms(node.right, outer)
    elif isinstance(node, ValuePath):
        yield from _eq_terms(node.filter, _path_text(node.path.uri, node.path.attr, None))
    elif isinstance(node, Compare) and node.op == "eq" and isinstance(node.value, str):
        path = _path_text(node.path.uri, node.path.attr, node.path.sub)
        yield (f"{outer}.{path}" if outer else path, fold(node.value))
    elif isinstance(node, Not):
        return


def _filter_text(record: Record) -> str | None:
    if record.method == "GET" and record.resource_id is None:
        return record.param("filter")
    if record.method == "POST" and record.search:
        text = ci_get(record.body, "filter")
        return text if isinstance(text, str) else None
    return None


def _parse(record: Record, text: str) -> ParsedFilter:
    rtype = resource_type("Group" if record.endpoint == "Groups" else "User")
    try:
        node = parse_filter(text, rtype)
    except ScimError as error:
        return ParsedFilter(record, text, error.detail, frozenset())
    return ParsedFilter(record, text, None, frozenset(_eq_terms(node)))


@dataclass
class TrafficIndex:
    """Facts gathered from the whole traffic; see the module docstring."""

    users: dict[str, UserFacts] = field(default_factory=dict)
    groups: dict[str, GroupFacts] = field(default_factory=dict)
    filters: list[ParsedFilter] = field(default_factory=list)
    lookups: list[Lookup] = field(default_factory=list)
    deleted_by_client: dict[str, Record] = field(default_factory=dict)
    """Resource id -> the successful DELETE that removed it."""
    deleted_by_server: dict[str, Record] = field(default_factory=dict)
    """User id -> the request after which the server deleted it (delete-on-deactivation)."""
    active_changes: list[ActiveChange] = field(default_factory=list)
    config_reads: list[Record] = field(default_factory=list)
    """Successful ``GET /ServiceProviderConfig`` requests."""
    on_resource: dict[str, list[Record]] = field(default_factory=dict)
    """Resource id -> every request on ``/Users/{id}`` or ``/Groups/{id}``, in order."""
    user_creates: dict[str, list[Record]] = field(default_factory=dict)
    """Folded userName -> every POST /Users for it, in order."""
    _lookup_seqs: dict[tuple[str, Term], list[int]] = field(default_factory=dict, repr=False)
    _lookup_at: dict[int, Lookup] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, requests: Iterable[Record]) -> TrafficIndex:
        index = cls()
        for record in requests:
            index._read(record)
        return index

    # -- building -----------------------------------------------------------------------

    def _read(self, record: Record) -> None:
        text = _filter_text(record)
        if text is not None:
            parsed = _parse(record, text)
            self.filters.append(parsed)
            if parsed.error is None and record.endpoint in ("Users", "Groups", ""):
                endpoint = record.endpoint or "Users"
                self.lookups.append(Lookup(record, endpoint, parsed.terms))
                self._lookup_at[record.seq] = self.lookups[-1]
                for term in parsed.terms:
                    self._lookup_seqs.setdefault((endpoint, term), []).append(record.seq)
        if record.ok:
            self._learn(record)
        if record.endpoint == "ServiceProviderConfig" and record.method == "GET" and record.ok:
            self.config_reads.append(record)
        rid = record.resource_id
        if rid is not None and record.endpoint in ("Users", "Groups"):
            self.on_resource.setdefault(rid, []).append(record)
        if record.is_create("Users"):
            for attr, value in user_identity(record.body):
                if attr == "username":
                    self.user_creates.setdefault(value, []).append(record)
        if rid is not None and record.method == "DELETE" and record.ok:
            self.deleted_by_client.setdefault(rid, record)
        if rid is not None and record.endpoint == "Users":
            if "EFFECT-DELETED-ON-DEACTIVATION" in record.finding_ids:
                self.deleted_by_server.setdefault(rid, record)
            assigned = active_assignment(record.method, record.body)
            if assigned is not None:
                change = ActiveChange(record, rid, assigned.value, assigned.intent)
                self.active_changes.append(change)

    def _learn(self, record: Record) -> None:
        response = record.response
        resources: list[Any] = []
        if isinstance(response, dict) and isinstance(ci_get(response, "Resources"), list):
            resources = list(ci_get(response, "Resources"))
        elif isinstance(response, dict) and isinstance(ci_get(response, "id"), str):
            resources = [response]
        for resource in resources:
            self._learn_resource(record, resource)
        if record.method == "POST" and record.endpoint in ("Users", "Groups") and not record.search:
            rid = ci_get(response, "id") if isinstance(response, dict) else None
            if not isinstance(rid, str):
                location = record.response_headers.get("location", "")
                rid = location.rstrip("/").rsplit("/", 1)[-1] or None
            if isinstance(rid, str):
                self._note(record.endpoint, rid, record.body, record.seq)

    def _learn_resource(self, record: Record, resource: Any) -> None:
        rid = ci_get(resource, "id")
        if not isinstance(rid, str):
            return
        endpoint = record.endpoint
        if endpoint not in ("Users", "Groups"):
            schemas = ci_get(resource, "schemas")
            uris = (
                {s.lower() for s in schemas if isinstance(s, str)}
                if isinstance(schemas, list)
                else set()
            )
            endpoint = (
                "Users"
                if CORE_USER.lower() in uris
                else "Groups"
                if CORE_GROUP.lower() in uris
                else ""
            )
        if endpoint:
            self._note(endpoint, rid, resource, record.seq)

    def _note(self, endpoint: str, rid: str, body: Any, seq: int) -> None:
        if endpoint == "Users":
            user = self.users.setdefault(rid, UserFacts(rid, learnt_seq=seq))
            for attr, value in user_identity(body):
                if attr == "username":
                    user.user_names.add(value)
                elif attr == "emails.value":
                    user.emails.add(value)
        else:
            group = self.groups.setdefault(rid, GroupFacts(rid, learnt_seq=seq))
            name = _s(ci_get(body, "displayName"))
            if name is not None:
                group.names.add(name)

    # -- questions the checks ask ----------------------------------------------------------

    def known_id(self, rid: str, *, before: int | None = None) -> bool:
        """The server showed this id (of a User or Group) to the client, before seq ``before``."""
        facts = self.users.get(rid) or self.groups.get(rid)
        return facts is not None and (before is None or facts.learnt_seq < before)

    def user_name_owner(self, value: str) -> list[str]:
        """Ids of users whose userName or e-mail is ``value`` (folded)."""
        key = fold(value)
        return [u.id for u in self.users.values() if key in u.user_names or key in u.emails]

    def group_name_owner(self, value: str) -> list[str]:
        key = fold(value)
        return [g.id for g in self.groups.values() if key in g.names]

    def lookup_between(
        self, endpoint: str, identity: frozenset[Term], after: int, before: int
    ) -> Lookup | None:
        """The first lookup on ``endpoint`` for a term of ``identity``, after < seq < before."""
        first: int | None = None
        for term in identity:
            seqs = self._lookup_seqs.get((endpoint, term), [])
            position = bisect.bisect_right(seqs, after)
            if position < len(seqs) and seqs[position] < before:
                first = seqs[position] if first is None else min(first, seqs[position])
        if first is None:
            return None
        return self._lookup_at[first]

    def gone_at(self, rid: str) -> Record | None:
        """The request after which ``rid`` no longer exists: the client's DELETE, or the
        server's delete-on-deactivation (whichever came first)."""
        found = [r for r in (self.deleted_by_client.get(rid), self.deleted_by_server.get(rid)) if r]
        return min(found, key=lambda r: r.seq) if found else None
