"""Faults the server suite used to miss when run as a user would run it (issue 11).

Each is one realistic fault of an otherwise correct server: data lost while every request
still answers 2xx (a deleted user left in its groups, a deactivation or an ``externalId``
dropped, a sub-attribute or the enterprise extension not stored, ``lastModified`` never moving),
discovery saying the opposite of what the server does, and the two PATCH ``remove`` edges.
:data:`~broken_servers.BROKEN_SERVERS` registers them with the check meant to catch each.
"""

from __future__ import annotations

import json
from typing import Any

from asgi_rewrite import Exchange, as_get, call, scim_rest, with_json_response, with_request
from scim_harness.reference_server.resources.context import AppContext
from scim_harness.reference_server.resources.core import Resources
from scim_harness.reference_server.store.sqlite import StoredResource
from starlette.types import ASGIApp

__all__ = [
    "DanglingMembers",
    "bulk_unimplemented",
    "changes_password_unadvertised",
    "drop_email_primary",
    "drop_enterprise_extension",
    "drop_external_id",
    "frozen_last_modified",
    "ignore_deactivation",
    "remove_absent_is_no_target",
    "remove_required_is_invalid_value",
    "sorts_unadvertised",
]

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class DanglingMembers(Resources):
    """Deletes a user but leaves it listed in its groups' ``members``."""

    def _delete(self, app: AppContext, stored: StoredResource) -> int:
        self.store.delete(stored)
        return 0


def _rewrite_body(exchange: Exchange, change: Any) -> Exchange:
    """``change(body)`` on the JSON body of a POST/PUT/PATCH to /Users or /Groups."""
    data = exchange.json()
    rest = scim_rest(exchange) or ""
    writes = exchange.method in ("POST", "PUT", "PATCH") and rest.startswith(("/Users", "/Groups"))
    if writes and isinstance(data, dict) and change(data, exchange.method):
        return with_request(exchange, body=data)
    return exchange


async def ignore_deactivation(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Answers every deactivation 2xx but keeps the user active."""

    def activate(data: dict[str, Any], method: str) -> bool:
        if method == "PUT" and data.get("active") is False:
            data["active"] = True
            return True
        changed = False
        for operation in data.get("Operations") or []:
            value = operation.get("value")
            if str(operation.get("path", "")).lower() == "active" and value is False:
                operation["value"] = True
                changed = True
            elif isinstance(value, dict) and value.get("active") is False:
                value["active"] = True
                changed = True
        return changed

    exchange = _rewrite_body(exchange, activate)
    return await call(app, exchange.scope, exchange.body)


async def drop_external_id(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Never stores ``externalId`` (sent on create and replace)."""

    def strip(data: dict[str, Any], method: str) -> bool:
        return data.pop("externalId", None) is not None

    exchange = _rewrite_body(exchange, strip)
    return await call(app, exchange.scope, exchange.body)


async def drop_email_primary(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Stores emails without their ``primary`` sub-attribute."""

    def strip(data: dict[str, Any], method: str) -> bool:
        emails = data.get("emails") if isinstance(data.get("emails"), list) else []
        return any(e.pop("primary", None) is not None for e in emails if isinstance(e, dict))

    exchange = _rewrite_body(exchange, strip)
    return await call(app, exchange.scope, exchange.body)


async def drop_enterprise_extension(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Advertises the enterprise extension but drops it from creates and replaces."""

    def strip(data: dict[str, Any], method: str) -> bool:
        if method == "PATCH" or data.pop(ENTERPRISE, None) is None:
            return False
        data["schemas"] = [s for s in data.get("schemas") or [] if s != ENTERPRISE]
        return True

    exchange = _rewrite_body(exchange, strip)
    return await call(app, exchange.scope, exchange.body)


def _resources(data: Any) -> list[Any]:
    if not isinstance(data, dict):
        return []
    return [data, *(data.get("Resources") or [])]


async def frozen_last_modified(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Reports ``meta.lastModified`` as the creation time, whatever was written since."""
    done = await call(app, exchange.scope, exchange.body)
    data = done.response_json()
    touched = False
    for resource in _resources(data):
        meta = resource.get("meta") if isinstance(resource, dict) else None
        if isinstance(meta, dict) and "created" in meta:
            meta["lastModified"] = meta["created"]
            touched = True
    return with_json_response(done, data) if touched else done


async def _with_spc(app: ASGIApp, exchange: Exchange, feature: str, value: bool) -> Exchange:
    done = await call(app, exchange.scope, exchange.body)
    data = done.response_json()
    if (scim_rest(exchange) or "") == "/ServiceProviderConfig" and isinstance(data, dict):
        data[feature] = {**(data.get(feature) or {}), "supported": value}
        return with_json_response(done, data)
    return done


async def changes_password_unadvertised(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Says changePassword is unsupported, yet takes password changes (as the reference
    server did before issue 11)."""
    return await _with_spc(app, exchange, "changePassword", False)


async def sorts_unadvertised(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Says sort is unsupported, yet sorts."""
    return await _with_spc(app, exchange, "sort", False)


async def bulk_unimplemented(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Advertises bulk, but /Bulk answers 501."""
    if (scim_rest(exchange) or "") == "/Bulk":
        done = Exchange(
            exchange.scope, exchange.body, 501, [(b"content-type", b"application/scim+json")]
        )
        return with_json_response(
            done,
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "501",
                "detail": "bulk is not implemented",
            },
        )
    return await call(app, exchange.scope, exchange.body)


async def remove_required_is_invalid_value(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Refuses a PATCH removing a required attribute with scimType invalidValue."""
    done = await call(app, exchange.scope, exchange.body)
    data = done.response_json()
    if (
        exchange.method == "PATCH"
        and isinstance(data, dict)
        and data.get("scimType") == "mutability"
    ):
        data["scimType"] = "invalidValue"
        return with_json_response(done, data)
    return done


async def remove_absent_is_no_target(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Answers 400 noTarget to a PatchOp removing a member not in the group, losing the rest
    of the PatchOp (the reference server's behaviour before issue 11)."""
    rest = scim_rest(exchange) or ""
    data = exchange.json()
    if exchange.method != "PATCH" or not rest.startswith("/Groups/") or not isinstance(data, dict):
        return await call(app, exchange.scope, exchange.body)
    current = (await call(app, as_get(exchange), b"")).response_json() or {}
    members = {m.get("value") for m in current.get("members") or []}
    for operation in data.get("Operations") or []:
        path = str(operation.get("path", ""))
        if operation.get("op") == "remove" and path.startswith('members[value eq "'):
            wanted = path.split('"')[1]
            if wanted not in members:
                done = Exchange(
                    exchange.scope,
                    exchange.body,
                    400,
                    [(b"content-type", b"application/scim+json")],
                )
                error = {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "400",
                    "scimType": "noTarget",
                    "detail": f"no member {wanted}",
                }
                done.response = json.dumps(error).encode()
                return done
    return await call(app, exchange.scope, exchange.body)
