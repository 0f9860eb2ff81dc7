"""User and Group semantics (RFC 7643 §3-4, RFC 7644 §3.3-3.6).

Server-assigned ids, ``meta`` and versions, uniqueness, readOnly/immutable/writeOnly rules,
group member references, and the platform hooks (directory mapping, delete on deactivation)
applied on every write. Every write runs in one store transaction, its reads included.
"""

from __future__ import annotations

import uuid
from typing import Any

from scim_harness.reference_server.patch.engine import apply_patch
from scim_harness.reference_server.protocol import jsonschemas
from scim_harness.reference_server.protocol.errors import InvalidValue, Mutability, NotFound
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.normalize import normalize_resource
from scim_harness.reference_server.protocol.schema import ResourceType, resource_type
from scim_harness.reference_server.resources.context import AppContext, Platform, WriteResult, etag
from scim_harness.reference_server.resources.rules import (
    check_if_match,
    check_immutable,
    deactivation_deletes,
    hash_password,
    json_schema_name,
    name_of,
    now,
    prune,
    schemas_for,
    unassigned_required,
)
from scim_harness.reference_server.store.sqlite import SqliteStore, StoredResource

__all__ = ["AppContext", "Platform", "Resources", "WriteResult", "etag"]


class Resources:
    """Create, read, replace, patch and delete Users and Groups of one store."""

    def __init__(self, store: SqliteStore, platform: Platform | None = None) -> None:
        self.store = store
        self.platform = platform or Platform()

    # -- reads --------------------------------------------------------------------------

    def get(self, app: AppContext, rtype: ResourceType, rid: str) -> StoredResource:
        stored = self.store.get(app.name, rtype.name, rid)
        if stored is None:
            # RFC 7644 §3.12: 404 for a resource that does not exist.
            msg = f"{rtype.name} {rid!r} not found"
            raise NotFound(msg)
        return stored

    def with_groups(self, app: AppContext, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Fill the readOnly ``groups`` of Users from the membership index (RFC 7643 §4.1.2)."""
        if not users:
            return users
        groups_rt = resource_type("Group")
        member_of = self.store.memberships(app.name, [u["id"] for u in users])
        for user in users:
            entries = member_of.get(user["id"])
            if entries:
                user["groups"] = [
                    {
                        "value": gid,
                        "$ref": app.location(groups_rt, gid),
                        "display": display,
                        "type": "direct",
                    }
                    for gid, display in entries
                ]
        return users

    # -- writes -------------------------------------------------------------------------

    def create(
        self, app: AppContext, rtype: ResourceType, body: Any, findings: Findings
    ) -> WriteResult:
        """POST: a new resource with a server-assigned id (RFC 7644 §3.3)."""
        resource, password = self._prepare(app, rtype, body, findings)
        rid = str(uuid.uuid4())
        created = now()
        resource = {"id": rid, **resource}
        resource["meta"] = {
            "resourceType": rtype.name,
            "created": created,
            "lastModified": created,
            "location": app.location(rtype, rid),
            "version": etag(1),
        }
        with self.store.transaction():
            self._resolve_members(app, rtype, resource)
            directory = self.platform.check_and_map(app, rtype, resource)
            self.store.insert(
                app.name,
                rtype.name,
                resource,
                name=name_of(rtype, resource),
                secret=None if password is None else hash_password(password),
                directory=directory,
            )
        if directory is not None:
            findings.note("EFFECT-DIRECTORY-WRITTEN", f"{rtype.name} {rid} mapped")
        return WriteResult(resource)

    def replace(
        self,
        app: AppContext,
        rtype: ResourceType,
        rid: str,
        body: Any,
        findings: Findings,
        if_match: str | None = None,
    ) -> WriteResult:
        """PUT: replace every writable attribute (RFC 7644 §3.5.1).

        The read, the If-Match check and the write are one transaction (see :meth:`patch`).
        """
        with self.store.transaction():
            stored = self.get(app, rtype, rid)
            check_if_match(stored, if_match)
            resource, password = self._prepare(app, rtype, body, findings, stored=stored)
            check_immutable(rtype, stored.data, resource)
            return self._commit(app, rtype, stored, resource, findings, password=password)

    def patch(
        self,
        app: AppContext,
        rtype: ResourceType,
        rid: str,
        body: Any,
        findings: Findings,
        if_match: str | None = None,
    ) -> WriteResult:
        """PATCH: apply a PatchOp atomically (RFC 7644 §3.5.2).

        A PatchOp that changes nothing writes nothing: the version and lastModified stay
        (RFC 7644 §3.14: the version changes when the resource does).

        The read, the If-Match check, the patch and the write (with the membership index
        derived from the new members) are one ``BEGIN IMMEDIATE`` transaction: with several
        worker processes on one database, a second writer waits for the first to commit and
        then reads its result, so no update is lost and one If-Match version has one winner.
        """
        with self.store.transaction():
            stored = self.get(app, rtype, rid)
            check_if_match(stored, if_match)
            outcome = apply_patch(rtype, stored.data, body, findings)
            changed, differs = outcome.resource, outcome.changed
            if not differs and not deactivation_deletes(app, rtype, changed):
                return WriteResult(stored.data)
            self._check_required_kept(app, rtype, stored.data, changed)
            password = changed.pop("password", None)
            resource = prune({k: v for k, v in changed.items() if k not in ("meta", "groups")})
            resource["id"] = stored.id
            resource["schemas"] = schemas_for(rtype, resource)
            jsonschemas.check(json_schema_name(rtype), resource)
            return self._commit(app, rtype, stored, resource, findings, password=password)

    def _check_required_kept(
        self, app: AppContext, rtype: ResourceType, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        """RFC 7644 §3.5.2.2: a PATCH may not remove (or unassign) a required attribute.

        "Required" is the schema's (userName, Group displayName) and the app mapping's (the
        platform's required attributes, shown as required in the app's /Schemas). The answer
        is 400 scimType ``mutability``, as that section says; a create or replace missing one
        stays ``invalidValue`` (a required value was missing, §3.12).
        """
        lost = [f"{name} is required" for name in unassigned_required(rtype, before, after)]
        had = set(self.platform.missing_required(app, rtype, before))
        for missing in self.platform.missing_required(app, rtype, after):
            if missing not in had and not any(missing.startswith(f"{n} ") for n in lost):
                lost.append(missing)
        if lost:
            msg = "; ".join(lost) + " - a PATCH cannot remove it (RFC 7644 §3.5.2.2)"
            raise Mutability(msg)

    def delete(
        self,
        app: AppContext,
        rtype: ResourceType,
        rid: str,
        findings: Findings,
        if_match: str | None = None,
    ) -> None:
        """DELETE: the resource is gone, and so are its group memberships (RFC 7644 §3.6)."""
        with self.store.transaction():
            stored = self.get(app, rtype, rid)
            check_if_match(stored, if_match)
            touched = self._delete(app, stored)
        if touched:
            findings.note(
                "EFFECT-MEMBERSHIP-REMOVED",
                f"{rtype.name} {rid} removed from {touched} group(s) as it was deleted",
            )

    def _delete(self, app: AppContext, stored: StoredResource) -> int:
        """Delete a resource and remove it from every group; returns the groups touched."""
        groups = self.store.groups_with_member(app.name, stored.id)
        group_rt = resource_type("Group")
        for group in groups:
            data = dict(group.data)  # a copy: the index update diffs old against new
            data["members"] = [m for m in data.get("members", []) if m.get("value") != stored.id]
            if not data["members"]:
                del data["members"]
            self._store_update(app, group_rt, group, data)
        self.store.delete(stored)
        return len(groups)

    def _commit(
        self,
        app: AppContext,
        rtype: ResourceType,
        stored: StoredResource,
        resource: dict[str, Any],
        findings: Findings,
        *,
        password: Any = None,
    ) -> WriteResult:
        with self.store.transaction():
            self._resolve_members(app, rtype, resource, stored)
            if deactivation_deletes(app, rtype, resource):
                # Platform option: a user deactivated in the source is deleted here.
                touched = self._delete(app, stored)
                findings.note(
                    "EFFECT-DELETED-ON-DEACTIVATION",
                    f"user {stored.id} deleted (delete-on-deactivate is on); "
                    f"removed from {touched} group(s)",
                )
                resource["meta"] = {**stored.data["meta"], "lastModified": now()}
                return WriteResult(resource, deleted=True)
            directory = self.platform.check_and_map(app, rtype, resource)
            self._store_update(
                app,
                rtype,
                stored,
                resource,
                directory=directory,
                password=password,
            )
            before = self.platform.member_name(rtype, stored.data, stored.directory)
            if before != self.platform.member_name(rtype, resource, directory or stored.directory):
                self._refresh_groups_of(app, stored.id)
        if directory is not None:
            findings.note("EFFECT-DIRECTORY-WRITTEN", f"{rtype.name} {stored.id} mapped")
        return WriteResult(resource)

    def _store_update(
        self,
        app: AppContext,
        rtype: ResourceType,
        stored: StoredResource,
        resource: dict[str, Any],
        *,
        directory: dict[str, Any] | None = None,
        password: Any = None,
    ) -> None:
        version = stored.version + 1
        resource["meta"] = {
            **stored.data["meta"],
            "lastModified": now(),
            "version": etag(version),
        }
        if directory is None and stored.directory is not None and rtype.name == "Group":
            directory = self.platform.refresh(app, rtype, resource)
        self.store.update(
            app.name,
            stored,
            resource,
            name=name_of(rtype, resource),
            version=version,
            secret=hash_password(password) if isinstance(password, str) else None,
            directory=directory if directory is not None else stored.directory,
        )

    def _refresh_groups_of(self, app: AppContext, member_id: str) -> None:
        """Group records name their members: a renamed member shows its new name there."""
        group_rt = resource_type("Group")
        for group in self.store.groups_with_member(app.name, member_id):
            record = self.platform.refresh(app, group_rt, group.data)
            if record is not None:
                self.store.set_directory(group.seq, record)

    # -- input --------------------------------------------------------------------------

    def _prepare(
        self,
        app: AppContext,
        rtype: ResourceType,
        body: Any,
        findings: Findings,
        stored: StoredResource | None = None,
    ) -> tuple[dict[str, Any], str | None]:
        """Normalise and validate a POST/PUT body; returns (resource, password)."""
        resource = normalize_resource(rtype, body, findings)
        jsonschemas.check(json_schema_name(rtype), resource)
        # RFC 7643 §2.2: readOnly attributes in a request SHALL be ignored.
        for key in ("id", "meta", "groups"):
            if key in resource:
                value = resource.pop(key)
                if stored is not None and key == "id" and value != stored.id:
                    findings.note(
                        "INFO-READONLY-IGNORED", f"id {value!r} in the body ignored (URL wins)"
                    )
                else:
                    findings.note("INFO-READONLY-IGNORED", f"{key} in the body ignored")
        password = resource.pop("password", None)
        resource = prune(resource)
        for member in resource.get("members", []):
            member.pop("display", None)
        resource["schemas"] = schemas_for(rtype, resource)
        if stored is not None:
            resource = {"id": stored.id, **resource}
        return resource, password if isinstance(password, str) else None

    def _resolve_members(
        self,
        app: AppContext,
        rtype: ResourceType,
        resource: dict[str, Any],
        stored: StoredResource | None = None,
    ) -> None:
        """Group members must exist in the same app; the server fills display, type, $ref.

        Members the stored group already had keep what the server filled in then (a deleted
        resource leaves every group, so they still exist); only new ones are looked up.
        """
        members = resource.get("members")
        if rtype.name != "Group" or not members:
            return
        known: dict[str, dict[str, Any]] = {}
        if stored is not None:
            for member in stored.data.get("members", ()):
                if isinstance(member, dict) and "type" in member:
                    known[member["value"]] = member
        unique: dict[str, dict[str, Any]] = {}
        for member in members:
            unique.setdefault(member["value"], member)
        found = self.store.member_refs(app.name, [v for v in unique if v not in known])
        out: list[dict[str, Any]] = []
        for value in unique:
            if value in known:
                out.append(known[value])
                continue
            target = found.get(value)
            if target is None:
                # RFC 7643 §4.2: members reference existing resources of this service provider.
                msg = f"members: no User or Group with id {value!r} in this app"
                raise InvalidValue(msg)
            if value == resource.get("id"):
                msg = f"members: group {value!r} cannot be a member of itself"
                raise InvalidValue(msg)
            member_type, display = target
            entry: dict[str, Any] = {
                "value": value,
                "$ref": app.location(resource_type(member_type), value),
                "type": member_type,
            }
            if display:
                entry["display"] = display
            out.append(entry)
        resource["members"] = out
