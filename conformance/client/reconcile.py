"""Reconcile the platform's directory with the source's intended state, through the mapping.

:func:`fetch_platform` reads, through the reference server's admin API, the app's mapping,
its delete-on-deactivation option and its directory records (users and groups) at the end of
the run. :func:`reconcile` maps each expected user through the mapping rows (their SCIM path
and transform, applied here independently of the server's code) and compares:

- **users**: every user expected on the platform has a record; no record is left that the
  intended state does not hold; a user the source deactivated is gone when the app deletes
  users on deactivation;
- **attributes**: each value the intended state gives for a mapped SCIM path arrived in the
  platform attribute of that row, transformed as the row says;
- **groups**: every expected group has a record (found by the id its create got, through the
  ``externalId`` or name it was created with, else by Group Name) and the expected Group
  Name; no other group record is left;
- **memberships**: each group's members are the expected users the platform keeps.

Each :class:`Difference` names the user or group and the request that should have made it
right (from the :mod:`state model <scim_harness.conformance.client.state>`), or says that none
was sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from scim_harness.conformance.client.expected import Expected, ExpectedGroup, ExpectedUser, path_key
from scim_harness.conformance.client.members import member_changes
from scim_harness.conformance.client.state import GroupState, StateModel, state_of
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record

__all__ = [
    "Difference",
    "PlatformView",
    "Reconciliation",
    "fetch_platform",
    "reconcile",
    "reconciled",
]

_RECORD_FIELDS = frozenset({"username", "firstName", "lastName", "email", "displayName", "status"})
_PAGE = 500


@dataclass
class PlatformView:
    """What the reconciliation compares: the intended state and the platform side."""

    expected: Expected
    mapping: dict[str, Any]
    delete_on_deactivate: bool
    users: list[dict[str, Any]]
    groups: list[dict[str, Any]]


@dataclass(frozen=True)
class Difference:
    """One way the directory differs from the intended state."""

    what: str
    """``users``, ``attributes``, ``groups`` or ``memberships``."""
    message: str
    record: Record | None = None
    """The request that should have made it right (None: none was sent)."""


@dataclass
class Reconciliation:
    differences: list[Difference] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)
    """What -> how many things were compared."""

    def of(self, what: str) -> list[Difference]:
        return [d for d in self.differences if d.what == what]


async def _get(http: httpx.AsyncClient, url: str, token: str) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    response = await http.get(url, headers=headers)
    response.raise_for_status()
    return response.json()


async def _records(http: httpx.AsyncClient, url: str, token: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = 1
    while True:
        page = await _get(http, f"{url}?startIndex={start}&count={_PAGE}", token)
        found = [r for r in page.get("Resources") or [] if isinstance(r, dict)]
        out.extend(found)
        if not found or len(out) >= int(page.get("totalResults") or 0):
            return out
        start += len(found)


async def fetch_platform(
    http: httpx.AsyncClient, admin_url: str, admin_token: str, app: str, expected: Expected
) -> PlatformView:
    """The app's mapping, option and directory records; ``httpx.HTTPStatusError`` on refusal."""
    base = f"{admin_url.rstrip('/')}/apps/{quote(app, safe='')}"
    mapping = await _get(http, f"{base}/mapping", admin_token)
    settings = await _get(http, f"{base}/settings", admin_token)
    users = await _records(http, f"{base}/directory/users", admin_token)
    groups = await _records(http, f"{base}/directory/groups", admin_token)
    delete = None
    for key in ("deleteOnDeactivate", "delete_on_deactivate"):  # the second: before issue 10
        if isinstance(settings, dict) and isinstance(settings.get(key), bool):
            delete = settings[key]
    if not isinstance(delete, bool):
        delete = bool((mapping.get("options") or {}).get("deleteOnDeactivate"))
    return PlatformView(expected, mapping, delete, users, groups)


def _transform(name: Any, value: Any) -> Any:
    if name == "activeToStatus" and isinstance(value, bool):
        return "active" if value else "inactive"
    if isinstance(value, str):
        if name == "lower":
            return value.lower()
        if name == "upper":
            return value.upper()
        if name == "trim":
            return value.strip()
    return value


def _rows(view: PlatformView, kind: str) -> list[dict[str, Any]]:
    rows = view.mapping.get(kind) if isinstance(view.mapping, dict) else None
    return [r for r in rows or [] if isinstance(r, dict) and isinstance(r.get("scim"), str)]


def _platform_value(record: dict[str, Any], platform: str) -> Any:
    if platform in _RECORD_FIELDS or platform in ("groupName", "members"):
        return record.get(platform)
    extra = record.get("attributes")
    return extra.get(platform) if isinstance(extra, dict) else None


def _mapped(view: PlatformView, kind: str, scim: str, value: Any) -> Any:
    """``value`` of SCIM attribute ``scim`` as the first row mapping it makes it."""
    for row in _rows(view, kind):
        if path_key(row["scim"]) == path_key(scim):
            return _transform(row.get("transform"), value)
    return value


def _fold(value: Any) -> str:
    return value.casefold() if isinstance(value, str) else str(value)


class _Reconciler:
    def __init__(self, traffic: Traffic, view: PlatformView) -> None:
        self.view = view
        self.state: StateModel = state_of(traffic)
        self.traffic = traffic
        self.out = Reconciliation()
        self.by_username = {_fold(r.get("username")): r for r in view.users}
        self.present: dict[str, ExpectedUser] = {}
        """Folded platform username -> expected user the platform keeps."""

    def add(self, what: str, message: str, record: Record | None = None) -> None:
        self.out.differences.append(Difference(what, message, record))

    def count(self, what: str, n: int = 1) -> None:
        self.out.compared[what] = self.out.compared.get(what, 0) + n

    def _create_attempt(self, user_name: str) -> Record | None:
        attempts = self.traffic.index.user_creates.get(user_name.casefold(), [])
        return attempts[-1] if attempts else None

    # -- users and their attributes ------------------------------------------------------

    def users(self) -> None:
        matched: set[str] = set()
        for user in self.view.expected.users:
            key = _fold(_mapped(self.view, "users", "userName", user.user_name))
            record = self.by_username.get(key)
            kept = user.active or not self.view.delete_on_deactivate
            self.count("users")
            if record is not None:
                matched.add(key)
            if kept and record is None:
                self._missing(user)
            elif not kept and record is not None:
                self._not_gone(user)
            elif kept and record is not None:
                self.present[key] = user
                self._attributes(user, record)
        for key, record in self.by_username.items():
            if key not in matched:
                self.count("users")
                made = self.state.users.get(str(record.get("id")))
                how = f"created by {made.created.label()}" if made else "no create in the traffic"
                self.add(
                    "users",
                    f"user {record.get('username')!r} is in the directory but not in the intended "
                    f"state ({how}); delete or deactivate it in the source's run",
                    made.writes[-1] if made else None,
                )

    def _missing(self, user: ExpectedUser) -> None:
        made = self.state.user_by_name(user.user_name)
        if made is not None and made.gone is not None:
            why, record = f"it was removed after {made.gone.label()}", made.gone
        elif made is not None:
            why, record = f"{made.created.label()} created it", made.created
        elif (attempt := self._create_attempt(user.user_name)) is not None:
            why, record = f"{attempt.label()} answered {attempt.status}", attempt
        else:
            why, record = "the traffic holds no create for it", None
        self.add("users", f"user {user.user_name!r} is missing from the directory: {why}", record)

    def _not_gone(self, user: ExpectedUser) -> None:
        made = self.state.user_by_name(user.user_name)
        deactivation = None
        if made is not None:
            deactivation = made.deactivated
        why = (
            f"{deactivation.label()} deactivated it, yet it is there"
            if deactivation is not None
            else "no request deactivated it (active=false)"
        )
        self.add(
            "users",
            f"user {user.user_name!r} should be gone (the source deactivated it and the app "
            f"deletes users on deactivation): {why}",
            deactivation or (made.writes[-1] if made else None),
        )

    def _attributes(self, user: ExpectedUser, record: dict[str, Any]) -> None:
        made = self.state.users.get(str(record.get("id")))
        for row in _rows(self.view, "users"):
            stated, value = user.value(row["scim"])
            if not stated or value is None or (isinstance(value, str) and not value.strip()):
                continue
            self.count("attributes")
            want = _transform(row.get("transform"), value)
            platform = str(row.get("platform"))
            have = _platform_value(record, platform)
            if have == want:
                continue
            last = made.writes[-1] if made and made.writes else None
            fix = f"the last request that wrote it: {last.label()}" if last else "no write seen"
            shown = "nothing" if have is None else repr(have)
            self.add(
                "attributes",
                f"user {user.user_name!r}: platform attribute {platform!r} is {shown}, expected "
                f"{want!r} (from {row['scim']}); {fix}",
                last,
            )

    # -- groups and memberships -----------------------------------------------------------

    def groups(self) -> None:
        by_id = {str(r.get("id")): r for r in self.view.groups}
        used: set[str] = set()
        for group in self.view.expected.groups:
            self.count("groups")
            name = _mapped(self.view, "groups", "displayName", group.display_name)
            made = self.state.group_by(external_id=group.external_id, name=group.display_name)
            record = by_id.get(made.id) if made is not None else None
            if record is None:
                record = next(
                    (r for r in self.view.groups if _fold(r.get("groupName")) == _fold(name)),
                    None,
                )
            if record is None:
                self._missing_group(group, made)
                continue
            used.add(str(record.get("id")))
            made = made or self.state.groups.get(str(record.get("id")))
            if record.get("groupName") != name:
                renamed = made.renames[-1] if made and made.renames else None
                fix = f"the last rename: {renamed.label()}" if renamed else "no rename was sent"
                self.add(
                    "groups",
                    f"group {group.display_name!r}: its Group Name is {record.get('groupName')!r}"
                    f", expected {name!r}; {fix}",
                    renamed,
                )
            self._members(group, record, made)
        for gid, record in by_id.items():
            if gid not in used:
                self.count("groups")
                made = self.state.groups.get(gid)
                how = f"created by {made.created.label()}" if made else "no create in the traffic"
                self.add(
                    "groups",
                    f"group {record.get('groupName')!r} is in the directory but not in the "
                    f"intended state ({how})",
                    made.created if made else None,
                )

    def _missing_group(self, group: ExpectedGroup, made: GroupState | None) -> None:
        if made is not None:
            why = f"{made.created.label()} created it" + (
                f", {made.gone.label()} removed it" if made.gone else ""
            )
        else:
            why = "the traffic holds no accepted create for it"
        self.add(
            "groups",
            f"group {group.display_name!r} is missing from the directory: {why}",
            made.gone or made.created if made else None,
        )

    def _members(
        self, group: ExpectedGroup, record: dict[str, Any], made: GroupState | None
    ) -> None:
        have = {_fold(m) for m in record.get("members") or [] if isinstance(m, str)}
        want: dict[str, str] = {}
        for member in group.members:
            key = _fold(_mapped(self.view, "users", "userName", member))
            if key in self.present or key in have:
                want[key] = member
        self.count("memberships")
        for key, member in want.items():
            if key not in have and key in self.present:
                request = self._member_request(made, member)
                fix = f"see {request.label()}" if request else "no request added it"
                self.add(
                    "memberships",
                    f"group {group.display_name!r} lacks member {member!r}; {fix}",
                    request,
                )
        for key in sorted(have - set(want)):
            request = self._member_request(made, key)
            fix = f"the last request on it: {request.label()}" if request else "none removed it"
            self.add(
                "memberships",
                f"group {group.display_name!r} has member {key!r}, who should not be in it; {fix}",
                request,
            )

    def _member_request(self, made: GroupState | None, user_name: str) -> Record | None:
        """The last accepted request on the group that changed this user's membership."""
        user = self.state.user_by_name(user_name)
        if made is None or user is None:
            return None
        for record in reversed(made.member_writes):
            for change in member_changes(record):
                if change.kind == "replace" or user.id in change.ids:
                    return record
        return None


def reconcile(traffic: Traffic, view: PlatformView) -> Reconciliation:
    """Every difference between the directory and the intended state (see the docstring)."""
    reconciler = _Reconciler(traffic, view)
    reconciler.users()
    reconciler.groups()
    return reconciler.out


def reconciled(traffic: Traffic) -> Reconciliation | None:
    """:func:`reconcile` of ``traffic`` with its ``platform`` view, computed once (None
    without a view)."""
    if traffic.platform is None:
        return None
    done = traffic.derived.get("reconciliation")
    if not isinstance(done, Reconciliation):
        done = reconcile(traffic, traffic.platform)
        traffic.derived["reconciliation"] = done
    return done
