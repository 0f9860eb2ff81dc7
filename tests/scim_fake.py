"""A small in-memory SCIM service provider for respx, used by the simulated client's tests.

Not the reference server: just enough SCIM (eq filters, create, read, replace, the PATCH shapes
the profiles send, delete) to answer every request the simulated client makes, with seeded ids,
optional deletion on deactivation, and a log of every request it saw.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from typing import Any

import httpx
import respx

__all__ = ["BASE_URL", "TOKEN", "FakeScim"]

BASE_URL = "https://scim.test/scim/v2"
TOKEN = "test-token"
_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
_FILTER = re.compile(r'^\s*(\S+)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$', re.IGNORECASE)
_MEMBER_FILTER = re.compile(r'^members\[value eq ("(?:[^"\\]|\\.)*")\]$', re.IGNORECASE)


def _error(status: int, detail: str, scim_type: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"schemas": [_ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return httpx.Response(status, json=body, headers={"Content-Type": "application/scim+json"})


def _ok(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"Content-Type": "application/scim+json"})


def _boolean(value: Any) -> bool:
    return value.lower() == "true" if isinstance(value, str) else bool(value)


class FakeScim:
    """State of the fake provider; ``install(router)`` routes every request to it."""

    def __init__(
        self,
        *,
        delete_on_deactivate: bool = False,
        group_patch_status: int = 204,
        seed: int = 0,
    ) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        self.assigned: list[tuple[str, str]] = []  # (resource type, id) in order
        self.delete_on_deactivate = delete_on_deactivate
        self.group_patch_status = group_patch_status
        self._rng = random.Random(seed)

    def install(self, router: respx.MockRouter) -> None:
        router.route(url__startswith=BASE_URL).mock(side_effect=self.handle)

    def _new_id(self, kind: str) -> str:
        new = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        self.assigned.append((kind, new))
        return new

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _error(401, "bad token")
        path = request.url.path.removeprefix(httpx.URL(BASE_URL).path)
        parts = [part for part in path.split("/") if part]
        if parts == ["ServiceProviderConfig"]:
            return _ok(200, {"patch": {"supported": True}, "filter": {"supported": True}})
        if not parts or parts[0] not in ("Users", "Groups"):
            return _error(404, f"no endpoint {path}")
        store = self.users if parts[0] == "Users" else self.groups
        body = json.loads(request.content) if request.content else None
        if len(parts) == 1:
            if request.method == "GET":
                return self._list(store, request)
            if request.method == "POST":
                return self._create(parts[0], store, body)
        elif len(parts) == 2:
            return self._one(parts[0], store, parts[1], request.method, body)
        return _error(405, "method not allowed")

    def _list(self, store: dict[str, dict[str, Any]], request: httpx.Request) -> httpx.Response:
        resources = list(store.values())
        raw = request.url.params.get("filter")
        if raw:
            match = _FILTER.match(raw)
            if match is None:
                return _error(400, f"unsupported filter {raw}", "invalidFilter")
            attribute, value = match.group(1), json.loads(match.group(2))
            resources = [item for item in resources if self._matches(item, attribute, value)]
        if request.url.params.get("excludedAttributes") == "members":
            resources = [{k: v for k, v in item.items() if k != "members"} for item in resources]
        count = int(request.url.params.get("count", "100"))
        start = int(request.url.params.get("startIndex", "1"))
        page = resources[start - 1 : start - 1 + count]
        body = {
            "schemas": [_LIST],
            "totalResults": len(resources),
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": page,
        }
        return _ok(200, body)

    @staticmethod
    def _matches(item: dict[str, Any], attribute: str, value: str) -> bool:
        if attribute.lower().startswith("emails"):
            return any(
                str(email.get("value", "")).lower() == value.lower()
                for email in item.get("emails", [])
            )
        key = {"username": "userName", "displayname": "displayName", "externalid": "externalId"}
        found = item.get(key.get(attribute.lower(), attribute))
        return isinstance(found, str) and found.lower() == value.lower()

    def _create(self, kind: str, store: dict[str, dict[str, Any]], body: Any) -> httpx.Response:
        unique = "userName" if kind == "Users" else "displayName"
        if not isinstance(body, dict) or not isinstance(body.get(unique), str):
            return _error(400, f"{unique} is required", "invalidValue")
        if any(self._matches(item, unique, body[unique]) for item in store.values()):
            return _error(409, f"{unique} already exists", "uniqueness")
        resource = {k: v for k, v in body.items() if k not in ("password", "meta")}
        resource["id"] = self._new_id("User" if kind == "Users" else "Group")
        resource["meta"] = {"resourceType": kind[:-1]}
        if kind == "Groups":
            resource.setdefault("members", [])
        store[resource["id"]] = resource
        return _ok(201, resource)

    def _one(
        self, kind: str, store: dict[str, dict[str, Any]], rid: str, method: str, body: Any
    ) -> httpx.Response:
        resource = store.get(rid)
        if resource is None:
            return _error(404, f"no resource {rid}")
        if method == "GET":
            return _ok(200, resource)
        if method == "DELETE":
            self._remove(kind, rid)
            return httpx.Response(204)
        if method == "PUT":
            replaced = {k: v for k, v in body.items() if k not in ("password",)}
            replaced["id"], replaced["meta"] = rid, resource["meta"]
            store[rid] = replaced
            return self._after_change(kind, rid, 200)
        if method == "PATCH":
            for operation in body.get("Operations", []):
                self._apply(resource, operation)
            status = self.group_patch_status if kind == "Groups" else 200
            return self._after_change(kind, rid, status)
        return _error(405, "method not allowed")

    def _after_change(self, kind: str, rid: str, status: int) -> httpx.Response:
        store = self.users if kind == "Users" else self.groups
        resource = store[rid]
        if kind == "Users" and self.delete_on_deactivate and not _boolean(resource.get("active")):
            self._remove(kind, rid)
            return httpx.Response(204)
        return httpx.Response(204) if status == 204 else _ok(200, resource)

    def _remove(self, kind: str, rid: str) -> None:
        if kind == "Groups":
            del self.groups[rid]
            return
        del self.users[rid]
        for group in self.groups.values():
            group["members"] = [m for m in group.get("members", []) if m.get("value") != rid]

    @staticmethod
    def _set(resource: dict[str, Any], path: str, value: Any) -> None:
        if path.lower() == "active":
            resource["active"] = _boolean(value)
        elif path.lower().startswith("emails["):
            emails = resource.setdefault("emails", [])
            work = [e for e in emails if e.get("type") == "work"] or emails
            if work:
                work[0]["value"] = value
            else:
                emails.append({"type": "work", "value": value, "primary": True})
        elif path.startswith(_ENTERPRISE + ":"):
            attribute = path[len(_ENTERPRISE) + 1 :]
            extension = resource.setdefault(_ENTERPRISE, {})
            extension[attribute] = value
        elif "." in path:
            parent, child = path.split(".", 1)
            resource.setdefault(parent, {})[child] = value
        elif path != "id":
            resource[path] = value

    def _apply(self, resource: dict[str, Any], operation: dict[str, Any]) -> None:
        op = str(operation.get("op", "")).lower()
        path = operation.get("path")
        value = operation.get("value")
        if path is None:
            for key, item in (value or {}).items():
                self._set(resource, key, item)
            return
        member_filter = _MEMBER_FILTER.match(path)
        if member_filter and op == "remove":
            gone = json.loads(member_filter.group(1))
            resource["members"] = [m for m in resource["members"] if m["value"] != gone]
        elif path == "members" and op == "add":
            present = {m["value"] for m in resource["members"]}
            resource["members"] += [
                {"value": m["value"]} for m in value if m["value"] not in present
            ]
        elif path == "members" and op == "remove":
            gone_ids = {m["value"] for m in value or []}
            resource["members"] = [m for m in resource["members"] if m["value"] not in gone_ids]
        elif op in ("add", "replace"):
            self._set(resource, path, value)
