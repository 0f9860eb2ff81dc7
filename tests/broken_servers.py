"""Deliberately broken variants of the reference server, for proving the server suite.

Each variant wraps the reference server's ASGI app in a small middleware that rewrites
requests or responses (or swaps in a platform subclass); ``reference_server`` itself is never
edited. :data:`BROKEN_SERVERS` lists each variant with the check meant to catch it and the
exact set of MUST checks expected to fail (the meant one plus documented collateral).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from asgi_rewrite import (
    SCIM_PATH,
    Exchange,
    Rewrite,
    Rewriting,
    as_get,
    call,
    scim_rest,
    with_json_response,
    with_request,
)
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.http import auth
from scim_harness.reference_server.platform.mapping import PlatformMapping
from scim_harness.reference_server.protocol.schema import ResourceType
from scim_harness.reference_server.resources.core import AppContext, Resources
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.types import ASGIApp
from subtle_faults import (
    DanglingMembers,
    bulk_unimplemented,
    changes_password_unadvertised,
    drop_email_primary,
    drop_enterprise_extension,
    drop_external_id,
    frozen_last_modified,
    ignore_deactivation,
    remove_absent_is_no_target,
    remove_required_is_invalid_value,
    sorts_unadvertised,
)

__all__ = [
    "BROKEN_SERVERS",
    "BrokenServer",
    "Exchange",
    "Rewriting",
    "call",
    "with_json_response",
]

# -- the variants -------------------------------------------------------------------------


async def ignore_filters(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Drops the ``filter`` query parameter: every list answers everything."""
    if exchange.method == "GET" and scim_rest(exchange) in ("/Users", "/Groups"):
        pairs = parse_qsl(exchange.scope["query_string"].decode(), keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() != "filter"]
        exchange = with_request(exchange, query=urlencode(kept))
    return await call(app, exchange.scope, exchange.body)


def _drop_family(resource: Any) -> None:
    if isinstance(resource, dict) and isinstance(resource.get("name"), dict):
        resource["name"].pop("familyName", None)
        resource["name"].pop("formatted", None)


async def drop_family_name(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Loses ``name.familyName`` from every User it returns."""
    done = await call(app, exchange.scope, exchange.body)
    rest = scim_rest(exchange) or ""
    data = done.response_json()
    if not rest.startswith("/Users") or not isinstance(data, dict):
        return done
    for resource in [data, *(data.get("Resources") or [])]:
        _drop_family(resource)
    return with_json_response(done, data)


async def never_delete(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Ignores the delete-on-deactivation option, wherever the admin API sets it."""
    data = exchange.json()
    if exchange.path.startswith("/admin/apps") and isinstance(data, dict):
        settings = data.get("settings") if exchange.method == "POST" else data
        if isinstance(settings, dict) and "deleteOnDeactivate" in settings:
            settings["deleteOnDeactivate"] = False
            exchange = with_request(exchange, body=data)
    return await call(app, exchange.scope, exchange.body)


async def remove_all_members(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Reads ``remove members[value eq "x"]`` as ``remove members``: everyone leaves."""
    data = exchange.json()
    rest = scim_rest(exchange) or ""
    if exchange.method == "PATCH" and rest.startswith("/Groups/") and isinstance(data, dict):
        for operation in data.get("Operations") or []:
            path = str(operation.get("path", ""))
            if str(operation.get("op", "")).lower() == "remove" and path.startswith("members["):
                operation["path"] = "members"
        exchange = with_request(exchange, body=data)
    return await call(app, exchange.scope, exchange.body)


async def plain_json(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Answers ``application/json`` instead of ``application/scim+json``."""
    done = await call(app, exchange.scope, exchange.body)
    done.headers = [
        (k, b"application/json" if k.lower() == b"content-type" else v)
        for k, v in done.headers or []
    ]
    return done


async def skip_409(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Never answers 409: a duplicate create is stored under a mangled name, a conflicting
    replace is silently ignored."""
    done = await call(app, exchange.scope, exchange.body)
    if done.status != 409:
        return done
    data = exchange.json()
    if exchange.method == "POST" and isinstance(data, dict):
        wanted = data.get("userName")
        data["userName"] = f"{wanted}~duplicate~{len(exchange.body)}"
        created = await call(app, exchange.scope, json.dumps(data).encode())
        stored = created.response_json()
        if isinstance(stored, dict):
            stored["userName"] = wanted
            return with_json_response(created, stored)
        return created
    return await call(app, as_get(exchange), b"")


async def leak_across_apps(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Accepts any app's token on any app's base URL (and serves that base URL's data)."""
    found = SCIM_PATH.match(exchange.path)
    header = exchange.header("authorization") or ""
    if found and header.lower().startswith("bearer "):
        store: SqliteStore = _store_of(app)
        owner = auth.app_for_token(store, header[7:].strip())
        wanted = found.group("app")
        if owner is not None and owner != wanted:
            token = _LEAK_TOKENS.get(wanted)
            if token is None or auth.app_for_token(store, token) != wanted:
                token = auth.issue_token(store, wanted, "leak", "2000-01-01T00:00:00Z")
                _LEAK_TOKENS[wanted] = token
            headers = [(k, v) for k, v in exchange.scope["headers"] if k != b"authorization"]
            headers.append((b"authorization", f"Bearer {token}".encode()))
            exchange = Exchange({**exchange.scope, "headers": headers}, exchange.body)
    return await call(app, exchange.scope, exchange.body)


_LEAK_TOKENS: dict[str, str] = {}


def _store_of(app: ASGIApp) -> SqliteStore:
    store: SqliteStore = app.state.server.store  # type: ignore[attr-defined]
    return store


class LaxEmailPlatform(PlatformMapping):
    """A platform that maps a User without a work email as if it had one: accepts it."""

    def check_and_map(
        self, app: AppContext, rtype: ResourceType, resource: dict[str, Any]
    ) -> dict[str, Any] | None:
        return super().check_and_map(app, rtype, _with_stand_in(rtype, resource))

    def missing_required(
        self, app: AppContext, rtype: ResourceType, resource: dict[str, Any]
    ) -> list[str]:
        return super().missing_required(app, rtype, _with_stand_in(rtype, resource))


def _with_stand_in(rtype: ResourceType, resource: dict[str, Any]) -> dict[str, Any]:
    emails = [e for e in resource.get("emails") or [] if isinstance(e, dict)]
    if rtype.name == "User" and not any(e.get("type") == "work" for e in emails):
        stand_in = {"value": "nobody@invalid.example", "type": "work"}
        return {**resource, "emails": [*emails, stand_in]}
    return resource


@dataclass(frozen=True)
class BrokenServer:
    """A broken variant: how to build it, the check meant to catch it, the MUST failures."""

    name: str
    description: str
    meant: str
    expected: frozenset[str]
    """Every MUST check expected to fail: ``meant`` and its documented collateral."""
    rewrite: Rewrite | None = None
    lax_email: bool = False
    resources: type[Resources] | None = None
    """A subclass of the resource layer to swap in (a fault no middleware can fake)."""
    admin: bool = True
    """Run with admin access; False runs the suite as a user would against any server: no
    admin API, no --deactivation hint."""

    def build(self, store: SqliteStore) -> ASGIApp:
        platform = LaxEmailPlatform(store) if self.lax_email else None
        app = create_app(ServerSettings(), store=store, platform=platform)
        if self.resources is not None:
            server = app.state.server
            server.resources = self.resources(store, server.resources.platform)
        return app if self.rewrite is None else _Wrapped(app, self.rewrite)


class _Wrapped(Rewriting):
    """Keeps ``state`` reachable (the leak variant reads the store through it)."""

    def __init__(self, app: ASGIApp, rewrite: Rewrite) -> None:
        super().__init__(app, rewrite)
        self.state = app.state  # type: ignore[attr-defined]


_FILTERS = frozenset(f"SRV-FLT-{n:03d}" for n in range(1, 22))

BROKEN_SERVERS: tuple[BrokenServer, ...] = (
    BrokenServer(
        "ignore-filters",
        "ignores the filter query parameter",
        "SRV-FLT-001",
        # Every filter check; nothing else reads a filtered list for its verdict.
        _FILTERS,
        rewrite=ignore_filters,
    ),
    BrokenServer(
        "drop-family-name",
        "never returns name.familyName",
        "SRV-USR-003",
        # Create, read and replace all compare the family name they sent.
        frozenset({"SRV-USR-001", "SRV-USR-003", "SRV-USR-004", "SRV-RBK-001", "SRV-RBK-002"}),
        rewrite=drop_family_name,
    ),
    BrokenServer(
        "accept-no-work-email",
        "accepts a User without a work email",
        "SRV-PLT-004",
        # The same rule on replace (PUT) and on PATCH removing the work email.
        frozenset({"SRV-PLT-004", "SRV-PLT-008", "SRV-PLT-009", "SRV-PAT-016"}),
        lax_email=True,
    ),
    BrokenServer(
        "never-delete-on-deactivation",
        "keeps deactivated users even with delete-on-deactivation on",
        "SRV-PLT-011",
        frozenset({"SRV-PLT-011", "SRV-PLT-012", "SRV-PLT-013"}),
        rewrite=never_delete,
    ),
    BrokenServer(
        "remove-all-members",
        'removes every member on remove members[value eq "x"]',
        "SRV-PAT-010",
        # A remove of an absent member empties the group too; the read-back of the PATCH sees it.
        frozenset({"SRV-PAT-010", "SRV-PAT-014", "SRV-RBK-002"}),
        rewrite=remove_all_members,
    ),
    BrokenServer(
        "application-json",
        "answers application/json",
        "SRV-MED-001",
        frozenset({"SRV-MED-001"}),
        rewrite=plain_json,
    ),
    BrokenServer(
        "skip-409",
        "never answers 409 on a duplicate userName",
        "SRV-ERR-001",
        # The case-insensitive duplicate and the conflicting replace are the same rule.
        frozenset(
            {
                "SRV-ERR-001",
                "SRV-ERR-002",
                "SRV-ERR-003",
                "SRV-RBK-001",
                "SRV-RBK-002",
                "SRV-RBK-004",
            }
        ),
        rewrite=skip_409,
    ),
    BrokenServer(
        "leak-across-apps",
        "accepts one app's token on another app's base URL",
        "SRV-AUT-003",
        frozenset({"SRV-AUT-003"}),
        rewrite=leak_across_apps,
    ),
    # -- issue 11: each class of fault the default run used to miss -------------------------
    BrokenServer(
        "dangling-members",
        "deletes a user but leaves it in its groups' members",
        "SRV-GRP-005",
        frozenset({"SRV-GRP-005"}),
        resources=DanglingMembers,
        admin=False,
    ),
    BrokenServer(
        "ignore-deactivation",
        "answers each deactivation 2xx and keeps the user active",
        "SRV-DEA-001",
        # Every form; the read-back sees active still true (and an unmoved version).
        frozenset({"SRV-DEA-001", "SRV-DEA-002", "SRV-DEA-003", "SRV-RBK-002", "SRV-RBK-004"}),
        rewrite=ignore_deactivation,
        admin=False,
    ),
    BrokenServer(
        "drop-external-id",
        "never stores externalId",
        "SRV-RBK-001",
        # Only the read-back compares externalId, on creates and replaces.
        frozenset({"SRV-RBK-001", "SRV-RBK-002"}),
        rewrite=drop_external_id,
        admin=False,
    ),
    BrokenServer(
        "drop-email-primary",
        "stores emails without their primary sub-attribute",
        "SRV-RBK-001",
        # Each check still finds the work email; only the read-back compares primary.
        frozenset({"SRV-RBK-001", "SRV-RBK-002"}),
        rewrite=drop_email_primary,
        admin=False,
    ),
    BrokenServer(
        "drop-enterprise-extension",
        "advertises the enterprise extension, drops it on create and replace",
        "SRV-RBK-001",
        # SRV-PAT-008 (a PATCH of department) still passes: the loss is on create/replace.
        frozenset({"SRV-RBK-001", "SRV-RBK-002"}),
        rewrite=drop_enterprise_extension,
        admin=False,
    ),
    BrokenServer(
        "frozen-last-modified",
        "never moves meta.lastModified past meta.created",
        "SRV-RBK-003",
        frozenset({"SRV-RBK-003"}),
        rewrite=frozen_last_modified,
        admin=False,
    ),
    BrokenServer(
        "changes-password-unadvertised",
        "advertises changePassword false and takes password changes",
        "SRV-CAP-004",
        frozenset(),
        rewrite=changes_password_unadvertised,
        admin=False,
    ),
    BrokenServer(
        "sorts-unadvertised",
        "advertises sort false and sorts",
        "SRV-CAP-005",
        frozenset(),
        rewrite=sorts_unadvertised,
        admin=False,
    ),
    BrokenServer(
        "bulk-unimplemented",
        "advertises bulk, answers /Bulk with 501",
        "SRV-CAP-002",
        # The Bulk checks run because bulk is advertised; SRV-CAP-002 says the advertisement lies.
        frozenset({"SRV-BLK-001", "SRV-BLK-002"}),
        rewrite=bulk_unimplemented,
        admin=False,
    ),
    BrokenServer(
        "remove-required-invalid-value",
        "refuses a PATCH removing a required attribute with invalidValue, not mutability",
        "SRV-PAT-016",
        frozenset({"SRV-PAT-016"}),
        rewrite=remove_required_is_invalid_value,
        admin=False,
    ),
    BrokenServer(
        "remove-absent-no-target",
        "answers noTarget to a remove of a non-member, losing the add beside it",
        "SRV-PAT-015",
        frozenset(),
        rewrite=remove_absent_is_no_target,
        admin=False,
    ),
)
