"""Intended changes -> the exact requests a profile sends (pure functions, no I/O).

One function per intended change: ``create_user(profile, user)`` returns the POST that client
would send, ``set_active(profile, id, False)`` its deactivation, and so on. Everything that
differs between clients is read from the :class:`~simulated_client.profiles.model.Profile`.
The connection test and paged listings are in :mod:`.probes`.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import string
from collections.abc import Mapping, Sequence
from typing import Any

from scim_harness.simulated_client.generate.people import GeneratedGroup, GeneratedUser
from scim_harness.simulated_client.profiles.model import Profile
from scim_harness.simulated_client.wire import (
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    PATCH_OP_SCHEMA,
    RequestSpec,
    encode_query,
    eq_filter,
    resource_path,
)

__all__ = [
    "WORK_EMAIL_PATH",
    "change_members",
    "changed_attributes",
    "create_group",
    "create_user",
    "delete_group",
    "delete_user",
    "external_id_for",
    "get_user",
    "list_resources",
    "lookup_group",
    "lookup_user",
    "okta_id",
    "patch_body",
    "put_user",
    "rename_group",
    "request",
    "set_active",
    "set_manager",
    "update_user",
    "user_body",
    "user_filter",
]

WORK_EMAIL_PATH = 'emails[type eq "work"].value'
_BASE62 = string.digits + string.ascii_letters


def _headers(profile: Profile, *, body: bool) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    if profile.accept is not None:
        headers.append(("Accept", profile.accept))
    if body or profile.content_type_on_bodyless:
        headers.append(("Content-Type", profile.content_type))
    if profile.user_agent is not None:
        headers.append(("User-Agent", profile.user_agent))
    return tuple(headers)


def request(
    profile: Profile,
    method: str,
    path: str,
    *,
    params: Sequence[tuple[str, str | None]] = (),
    body: Any = None,
) -> RequestSpec:
    """One request as ``profile`` sends it: its headers, its query encoding, its base query."""
    if profile.base_query:
        params = [(profile.base_query, None), *params]
    return RequestSpec(
        method=method,
        path=path,
        query=encode_query(params, spaces=profile.filter_spaces),
        headers=_headers(profile, body=body is not None),
        body=body,
    )


def patch_body(operations: list[dict[str, Any]]) -> dict[str, Any]:
    """RFC 7644 §3.5.2: a PatchOp message."""
    return {"schemas": [PATCH_OP_SCHEMA], "Operations": operations}


def _patch(profile: Profile, path: str, operations: list[dict[str, Any]]) -> RequestSpec:
    return request(profile, "PATCH", path, body=patch_body(operations))


def okta_id(source_id: str) -> str:
    """An Okta-style user id (``00u`` and 17 base62 characters) derived from a source id."""
    number = int.from_bytes(source_id.encode("utf-8"), "big") % 62**17
    digits = []
    for _ in range(17):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "00u" + "".join(reversed(digits))


def external_id_for(profile: Profile, user: GeneratedUser) -> str | None:
    if user.external_id is None or profile.external_id == "omit":
        return None
    if "externalId" not in profile.user_attributes:
        return None
    return okta_id(user.external_id) if profile.external_id == "okta" else user.external_id


def user_filter(profile: Profile, attribute: str, value: str) -> str:
    """The filter this client matches a user with; PingFederate's admin may write it as a
    template such as ``username Eq "%s"`` (attribute names and operators are case-insensitive,
    RFC 7644 §3.4.2.2)."""
    if profile.user_filter is not None and attribute == profile.user_match_attribute:
        return profile.user_filter.replace('"%s"', json.dumps(value, ensure_ascii=False))
    return eq_filter(attribute, value)


def lookup_user(profile: Profile, user: GeneratedUser) -> RequestSpec:
    """``GET /Users?filter=<match attribute> eq "<value>"`` (RFC 7644 §3.4.2)."""
    attribute = profile.user_match_attribute
    if attribute == "externalId":
        value = external_id_for(profile, user) or user.user_name
    elif attribute.lower().startswith("emails"):
        value = user.email
    else:
        value = user.user_name
    params = [("filter", user_filter(profile, attribute, value)), *profile.lookup_params]
    return request(profile, "GET", "/Users", params=params)


def lookup_group(profile: Profile, display_name: str) -> RequestSpec:
    """``GET /Groups?filter=displayName eq "<name>"``, without members when the client asks so."""
    params: list[tuple[str, str | None]] = []
    if profile.group_lookup_excludes_members:
        params.append(("excludedAttributes", "members"))
    params.append(("filter", eq_filter("displayName", display_name)))
    params.extend(profile.lookup_params)
    return request(profile, "GET", "/Groups", params=params)


def list_resources(profile: Profile, endpoint: str) -> RequestSpec:
    """``GET /Users`` or ``GET /Groups`` with no filter and no paging parameters: the first
    request of a walk over every resource (``simulated_client.walk`` adds the paging)."""
    return request(profile, "GET", endpoint)


def create_user(
    profile: Profile,
    user: GeneratedUser,
    *,
    manager_id: str | None = None,
    password: str | None = None,
) -> RequestSpec:
    """``POST /Users`` with the body this client builds (RFC 7644 §3.3)."""
    return request(profile, "POST", "/Users", body=user_body(profile, user, manager_id, password))


def user_body(
    profile: Profile,
    user: GeneratedUser,
    manager_id: str | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    """The whole user as this client writes it: the body of its POST and of its local PUT."""
    inline_manager = manager_id if profile.manager_mode == "inline" else None
    body = user.scim_body(manager_id=inline_manager, email_type=profile.email_type)
    for attribute in (
        "title",
        "phoneNumbers",
        "addresses",
        "preferredLanguage",
        "locale",
        "timezone",
    ):
        if attribute not in profile.user_attributes:
            body.pop(attribute, None)
    external_id = external_id_for(profile, user)
    if external_id is None:
        body.pop("externalId", None)
    else:
        body["externalId"] = external_id
    if not profile.name_formatted:
        del body["name"]["formatted"]
    enterprise = "enterprise" in profile.user_attributes and profile.enterprise_schema != "never"
    if not enterprise:
        body.pop(ENTERPRISE_USER_SCHEMA, None)
        body["schemas"] = [uri for uri in body["schemas"] if uri != ENTERPRISE_USER_SCHEMA]
    elif profile.enterprise_schema == "always" and ENTERPRISE_USER_SCHEMA not in body["schemas"]:
        body["schemas"].append(ENTERPRISE_USER_SCHEMA)
    if profile.create_meta:
        body["meta"] = {"resourceType": "User"}
    if profile.create_empty_roles:
        body["roles"] = []
    if profile.create_empty_groups:
        body["groups"] = []
    if profile.send_password and password is not None:
        body["password"] = password
    if profile.create_active_string:
        body["active"] = "true" if body["active"] else "false"
    if profile.create_null_id:
        body = {"schemas": body["schemas"], "id": None, **body}
    return body


def set_manager(profile: Profile, user_id: str, manager_id: str) -> RequestSpec:
    """The separate PATCH that sets the enterprise ``manager`` once both ids are known."""
    value: Any = manager_id if profile.manager_as_string else {"value": manager_id}
    operation = {"op": profile.op(profile.manager_op), "path": f"{ENTERPRISE_USER_SCHEMA}:manager"}
    operation["value"] = value
    return _patch(profile, resource_path("/Users", user_id), [operation])


def changed_attributes(
    profile: Profile, before: GeneratedUser, after: GeneratedUser
) -> list[tuple[str, Any]]:
    """(attribute path, new value) for every attribute this client maps that changed."""
    pairs: list[tuple[str, Any, Any]] = [
        ("displayName", before.display_name, after.display_name),
        (WORK_EMAIL_PATH, before.email, after.email),
        ("name.givenName", before.given_name, after.given_name),
        ("name.familyName", before.family_name, after.family_name),
    ]
    if profile.name_formatted:
        pairs.append(("name.formatted", before.formatted_name, after.formatted_name))
    if "title" in profile.user_attributes:
        pairs.append(("title", before.title, after.title))
    if "enterprise" in profile.user_attributes and profile.enterprise_schema != "never":
        path = f"{ENTERPRISE_USER_SCHEMA}:department"
        pairs.append((path, before.department, after.department))
    return [(path, new) for path, old, new in pairs if old != new]


def update_user(
    profile: Profile, user_id: str, before: GeneratedUser, after: GeneratedUser
) -> RequestSpec:
    """The attribute update (PATCH, or the local PUT of a careless client)."""
    path = resource_path("/Users", user_id)
    if profile.update_style == "put-local":
        return request(profile, "PUT", path, body=user_body(profile, after))
    if profile.update_style == "get-then-put":
        msg = f"profile {profile.name!r} updates by GET then PUT: use get_user() and put_user()"
        raise ValueError(msg)
    changes = changed_attributes(profile, before, after)
    operations: list[dict[str, Any]] = []
    merged: dict[str, Any] = {}
    for attribute, value in changes:
        if value is None:
            operations.append({"op": profile.op("remove"), "path": attribute})
        elif profile.update_style == "patch-merged-dotted" and "[" not in attribute:
            merged[attribute] = value
        elif attribute == WORK_EMAIL_PATH and profile.email_patch == "single-object":
            # OneLogin (seen): the whole emails attribute, as one object rather than an array.
            email = {"value": value, "type": "work", "primary": True}
            operations.append({"op": profile.op("replace"), "path": "emails", "value": email})
        else:
            operations.append({"op": profile.op("replace"), "path": attribute, "value": value})
    if merged:
        # Entra with aadOptscim062020: single-valued changes in one path-less replace whose
        # value uses dotted keys; value-filtered paths keep their own operation.
        operations.append({"op": profile.op("replace"), "value": merged})
    return _patch(profile, path, operations)


def get_user(profile: Profile, user_id: str) -> RequestSpec:
    return request(profile, "GET", resource_path("/Users", user_id))


def put_user(
    profile: Profile, user_id: str, current: Mapping[str, Any], after: GeneratedUser
) -> RequestSpec:
    """RFC 7644 §3.5.1 replace: the resource as read, with this client's changes applied.

    Okta sends the whole object back, echoing ``id``, ``meta`` and ``groups``.
    """
    body: dict[str, Any] = copy.deepcopy(dict(current))
    name = dict(body.get("name") or {})
    name["givenName"], name["familyName"] = after.given_name, after.family_name
    if profile.name_formatted or "formatted" in name:
        name["formatted"] = after.formatted_name
    body["name"] = name
    body["displayName"] = after.display_name
    emails = [dict(email) for email in body.get("emails") or [] if isinstance(email, dict)]
    work = [email for email in emails if email.get("type") == "work" or email.get("primary")]
    if work:
        work[0]["value"] = after.email
    else:
        emails.insert(0, {"primary": True, "value": after.email, "type": "work"})
    body["emails"] = emails
    if "title" in profile.user_attributes and after.title is not None:
        body["title"] = after.title
    return request(profile, "PUT", resource_path("/Users", user_id), body=body)


def set_active(
    profile: Profile, user_id: str, active: bool, user: GeneratedUser | None = None
) -> RequestSpec:
    """Deactivation (``active=false``) or reactivation, the way this client spells it.

    A client without user PATCH (PingFederate) PUTs the whole ``user`` with the new ``active``.
    """
    path = resource_path("/Users", user_id)
    if profile.deactivation == "put":
        if user is None:
            msg = f"profile {profile.name!r} deactivates by PUT: pass the user"
            raise ValueError(msg)
        body = user_body(profile, dataclasses.replace(user, active=active))
        return request(profile, "PUT", path, body=body)
    value = profile.patch_boolean(active)
    operation: dict[str, Any]
    if profile.deactivation == "patch-path":
        operation = {"op": profile.op(profile.deactivate_op), "path": "active", "value": value}
    elif profile.deactivation == "patch-pathless":
        operation = {"op": profile.op("replace"), "value": {"active": value}}
    else:
        msg = f"profile {profile.name!r} deactivates by DELETE, not by active=false"
        raise ValueError(msg)
    return _patch(profile, path, [operation])


def delete_user(profile: Profile, user_id: str) -> RequestSpec:
    return request(profile, "DELETE", resource_path("/Users", user_id))


def create_group(profile: Profile, group: GeneratedGroup) -> RequestSpec:
    """``POST /Groups`` without members: members are added by PATCH once users have ids."""
    body: dict[str, Any] = {"schemas": [GROUP_SCHEMA, *profile.group_extra_schemas]}
    if profile.group_create_external_id and group.external_id is not None:
        body["externalId"] = group.external_id
    body["displayName"] = group.display_name
    if profile.group_create_members:
        body["members"] = []
    if profile.create_meta:
        body["meta"] = {"resourceType": "Group"}
    return request(profile, "POST", "/Groups", body=body)


def _member(profile: Profile, user_id: str, display: str) -> dict[str, Any]:
    member: dict[str, Any] = {"$ref": None} if profile.member_ref_null else {}
    member["value"] = user_id
    if profile.member_display:
        member["display"] = display
    return member


def change_members(
    profile: Profile,
    group_id: str,
    *,
    add: Sequence[tuple[str, str]] = (),
    remove: Sequence[str] = (),
) -> list[RequestSpec]:
    """PATCHes adding ``add`` ((user id, display) pairs) and removing ``remove`` (user ids)."""
    removals: list[dict[str, Any]] = []
    if remove and profile.member_removal == "value-list":
        # Entra's default job; an RFC-literal server would drop ALL members here (RFC 7644
        # §3.5.2.2 ignores the value of a remove), which is why servers must flag it.
        values = [{"value": user_id} for user_id in remove]
        removals.append({"op": profile.op("remove"), "path": "members", "value": values})
    elif remove:
        # RFC 7644 §3.5.2.2: remove with a value filter removes only the matching member.
        removals = [
            {"op": profile.op("remove"), "path": f"members[value eq {json.dumps(user_id)}]"}
            for user_id in remove
        ]
    members = [_member(profile, user_id, display) for user_id, display in add]
    size = profile.members_per_patch or max(len(members), 1)
    additions = [
        {"op": profile.op("add"), "path": "members", "value": members[start : start + size]}
        for start in range(0, len(members), size)
    ]
    path = resource_path("/Groups", group_id)
    if profile.membership_single_patch:
        operations = removals + additions
        return [_patch(profile, path, operations)] if operations else []
    requests = [_patch(profile, path, removals)] if removals else []
    return requests + [_patch(profile, path, [operation]) for operation in additions]


def rename_group(profile: Profile, group_id: str, display_name: str) -> RequestSpec:
    operation: dict[str, Any]
    if profile.group_rename == "patch-path":
        operation = {"op": profile.op("replace"), "path": "displayName", "value": display_name}
    elif profile.group_rename == "patch-pathless":
        operation = {"op": profile.op("replace"), "value": {"displayName": display_name}}
    else:
        # Okta: a path-less replace that includes the read-only id (seen).
        value = {"id": group_id, "displayName": display_name}
        operation = {"op": profile.op("replace"), "value": value}
    return _patch(profile, resource_path("/Groups", group_id), [operation])


def delete_group(profile: Profile, group_id: str) -> RequestSpec:
    return request(profile, "DELETE", resource_path("/Groups", group_id))
