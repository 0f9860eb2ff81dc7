"""The admin API under ``/admin``: apps, their tokens, mappings and settings.

Every route takes the admin token (see :mod:`reference_server.admin.edge`).

    POST   /admin/apps                          {name, settings?, mapping?} -> 201, token once
    GET    /admin/apps                          every app
    GET    /admin/apps/{app}                    one app, its mapping and token list
    DELETE /admin/apps/{app}                    the app and all its data
    POST   /admin/apps/{app}/tokens             {label?, revokeOthers?} -> 201, token once
    GET    /admin/apps/{app}/tokens             ids, labels, creation times (never a token)
    DELETE /admin/apps/{app}/tokens/{id}        revoke one token
    GET    /admin/apps/{app}/mapping            the mapping in force
    PUT    /admin/apps/{app}/mapping            replace it (checked; 400 names the bad row)
    GET    /admin/apps/{app}/settings           the app's settings
    PATCH  /admin/apps/{app}/settings           change some of them (rules, preset, throttle,
                                                faults included; see reference_server.settings)
    GET    /admin/presets                       the target presets, each rule with its source

The directory and request-record routes live in :mod:`reference_server.admin.records`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from scim_harness.reference_server.admin import har
from scim_harness.reference_server.admin import records as admin_records
from scim_harness.reference_server.admin.edge import (
    AdminCall,
    AdminHandler,
    admin_endpoint,
    json_response,
    only_members,
)
from scim_harness.reference_server.http import auth
from scim_harness.reference_server.platform.mapping import mapping_for, validate_mapping
from scim_harness.reference_server.platform.presets import known_presets, load_preset
from scim_harness.reference_server.protocol.errors import InvalidValue, NotFound
from scim_harness.reference_server.protocol.schema import format_datetime
from scim_harness.reference_server.settings import AppSettings
from scim_harness.reference_server.store.sqlite import AppRow, SqliteStore
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

__all__ = [
    "APP_NAME",
    "admin_routes",
    "check_app_name",
    "create_app",
    "create_token",
    "delete_app",
    "delete_token",
    "get_app",
    "get_mapping",
    "get_settings",
    "index",
    "issue",
    "list_apps",
    "list_presets",
    "list_tokens",
    "open_app",
    "patch_settings",
    "put_mapping",
    "remove_app",
    "revoke",
    "store_mapping",
]

APP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""What an app name may be: it becomes a path segment of the app's SCIM base URL."""

_MAX_LABEL = 100


def _now() -> str:
    return format_datetime(datetime.now(UTC))


def _settings_of(row: AppRow) -> AppSettings:
    return AppSettings.from_json(row.settings)


def _mapping_json(stored: dict[str, Any] | None, settings: AppSettings) -> dict[str, Any]:
    """The mapping in force (None: the default); its option shows the app's setting."""
    data = dict(mapping_for(stored).data)
    data["options"] = {**data["options"], "deleteOnDeactivate": settings.delete_on_deactivate}
    return data


def _app_json(call: AdminCall, row: AppRow, *, full: bool = True) -> dict[str, Any]:
    settings = _settings_of(row)
    body: dict[str, Any] = {
        "name": row.name,
        "scimBaseUrl": call.scim_base_url(row.name),
        "created": row.created,
        "settings": settings.as_json(),
    }
    if full:
        body["mapping"] = _mapping_json(row.mapping, settings)
        body["defaultMapping"] = row.mapping is None
    return body


# -- operations, shared by the admin API and the web console ------------------------------


def issue(
    store: SqliteStore, app: str, label: str, *, revoke_others: bool = False
) -> dict[str, Any]:
    """A new token for ``app`` (``revoke_others``: rotation, every earlier one stops working)."""
    with store.transaction():
        if revoke_others:
            store.revoke_tokens(app)
        created = _now()
        token = auth.issue_token(store, app, label, created)
    # The token is shown here once; only its hash is stored (auth.py).
    return {"id": auth.hash_token(token)[:12], "label": label, "created": created, "token": token}


def check_app_name(name: Any) -> str:
    """``name`` when it can be an app's name (a path segment of its base URL), else 400."""
    if not isinstance(name, str) or not APP_NAME.fullmatch(name):
        msg = f"name must match {APP_NAME.pattern} (letters, digits, '_', '.', '-'), not {name!r}"
        raise InvalidValue(msg)
    return name


def open_app(
    store: SqliteStore,
    name: Any,
    settings: AppSettings,
    mapping_data: Any = None,
    *,
    label: str = "admin",
) -> tuple[AppRow, dict[str, Any]]:
    """Create an app and its first token: 400 for a bad name or mapping, 409 for a taken name."""
    check_app_name(name)
    if mapping_data is not None:
        validate_mapping(mapping_data)
    with store.transaction():
        row = store.create_app(name, settings.as_json(), mapping_data, _now())
        token = issue(store, name, label)
    return row, token


def remove_app(store: SqliteStore, name: str) -> None:
    """Delete an app with its tokens, data and request record."""
    with store.transaction():
        store.delete_app(name)


def revoke(store: SqliteStore, app: str, token_id: str) -> None:
    """Revoke one token by the id the token list shows (404 when the app has no such token)."""
    with store.transaction():
        if not re.fullmatch(r"[0-9a-f]{12}", token_id) or not store.revoke_tokens(app, token_id):
            msg = f"app {app!r} has no token {token_id!r}"
            raise NotFound(msg)


def store_mapping(store: SqliteStore, row: AppRow, data: Any) -> AppSettings:
    """Check and store an app's mapping; its option becomes the app's deletion setting."""
    mapping = validate_mapping(data)
    settings = _settings_of(row).updated({"deleteOnDeactivate": mapping.delete_on_deactivate})
    store.update_app(row.name, settings=settings.as_json(), mapping=data)
    return settings


# -- apps -----------------------------------------------------------------------------------


def create_app(call: AdminCall) -> Response:
    data = call.json_object()
    only_members(data, ("name", "settings", "mapping"), "the app")
    name = check_app_name(data.get("name"))
    settings = call.server.settings.default_app_settings
    mapping_data = data.get("mapping")
    if mapping_data is not None:
        # The mapping's option is the app's delete-on-deactivation setting (explicit settings win).
        mapping = validate_mapping(mapping_data)
        settings = settings.updated({"deleteOnDeactivate": mapping.delete_on_deactivate})
    if data.get("settings") is not None:
        settings = settings.updated(data["settings"])
    row, token = open_app(call.server.store, name, settings, mapping_data)
    body = {**_app_json(call, row), "token": token["token"], "tokenId": token["id"]}
    return json_response(body, 201, {"Location": f"/admin/apps/{name}"})


def list_apps(call: AdminCall) -> Response:
    apps = [_app_json(call, row, full=False) for row in call.server.store.list_apps()]
    return json_response({"apps": apps})


def get_app(call: AdminCall) -> Response:
    row = call.app()
    body = _app_json(call, row)
    body["tokens"] = call.server.store.list_tokens(row.name)
    return json_response(body)


def delete_app(call: AdminCall) -> Response:
    remove_app(call.server.store, call.app().name)
    return Response(status_code=204)


# -- tokens ---------------------------------------------------------------------------------


def create_token(call: AdminCall) -> Response:
    row = call.app()
    data = call.json_object(optional=True)
    only_members(data, ("label", "revokeOthers"), "the token request")
    label = data.get("label", "")
    if not isinstance(label, str) or len(label) > _MAX_LABEL:
        msg = f"label must be a string of at most {_MAX_LABEL} characters"
        raise InvalidValue(msg)
    revoke = data.get("revokeOthers", False)
    if not isinstance(revoke, bool):
        msg = f"revokeOthers must be true or false, not {revoke!r}"
        raise InvalidValue(msg)
    # Rotation (revokeOthers): every earlier token of the app stops working now.
    return json_response(issue(call.server.store, row.name, label, revoke_others=revoke), 201)


def list_tokens(call: AdminCall) -> Response:
    row = call.app()
    return json_response({"tokens": call.server.store.list_tokens(row.name)})


def delete_token(call: AdminCall) -> Response:
    revoke(call.server.store, call.app().name, call.request.path_params["token_id"])
    return Response(status_code=204)


# -- mapping and settings -------------------------------------------------------------------


def get_mapping(call: AdminCall) -> Response:
    row = call.app()
    return json_response(_mapping_json(row.mapping, _settings_of(row)))


def put_mapping(call: AdminCall) -> Response:
    data = call.json_object()
    settings = store_mapping(call.server.store, call.app(), data)
    return json_response(_mapping_json(data, settings))


def get_settings(call: AdminCall) -> Response:
    return json_response(_settings_of(call.app()).as_json())


def patch_settings(call: AdminCall) -> Response:
    row = call.app()
    data = call.json_object()
    settings = _settings_of(row).updated(data)
    call.server.store.update_app(row.name, settings=settings.as_json())
    if {"throttle", "faults"} & set(data):
        call.server.behaviour.reset(row.name)  # "the Nth request" counts from now on
    return json_response(settings.as_json())


def list_presets(call: AdminCall) -> Response:
    """``GET /admin/presets``: the target presets an app may take, every rule with its source."""
    return json_response({"presets": [load_preset(n).as_json() for n in known_presets()]})


def _route(path: str, handler: AdminHandler, methods: list[str]) -> Route:
    return Route("/admin" + path, admin_endpoint(handler), methods=methods)


def index(call: AdminCall) -> Response:
    """``GET /admin``: every route of the admin API with what it does."""
    routes = [
        {"method": method, "path": "/admin" + path, "does": does}
        for path, _, methods, does in _ROUTES
        for method in methods
    ]
    return json_response({"routes": routes})


def admin_routes() -> list[BaseRoute]:
    """Every admin route (this module's and :mod:`reference_server.admin.records`')."""
    return [_route(path, handler, methods) for path, handler, methods, _ in _ROUTES]


_ROUTES: list[tuple[str, AdminHandler, list[str], str]] = [
    ("", index, ["GET"], "this index"),
    ("/apps", create_app, ["POST"], "create an app: its SCIM Base URL and token (shown once)"),
    ("/apps", list_apps, ["GET"], "list the apps"),
    ("/apps/{app}", get_app, ["GET"], "one app: base URL, settings, mapping"),
    ("/apps/{app}", delete_app, ["DELETE"], "delete an app with its data and record"),
    ("/apps/{app}/tokens", create_token, ["POST"], "issue a token (revokeOthers rotates)"),
    ("/apps/{app}/tokens", list_tokens, ["GET"], "list an app's tokens (ids, never secrets)"),
    ("/apps/{app}/tokens/{token_id}", delete_token, ["DELETE"], "revoke one token"),
    ("/apps/{app}/mapping", get_mapping, ["GET"], "the attribute mapping"),
    ("/apps/{app}/mapping", put_mapping, ["PUT"], "replace the attribute mapping"),
    ("/apps/{app}/settings", get_settings, ["GET"], "the app's settings"),
    ("/apps/{app}/settings", patch_settings, ["PATCH"], "change some settings"),
    ("/presets", list_presets, ["GET"], "target presets: platforms' limits and their sources"),
    (
        "/apps/{app}/directory/users",
        admin_records.directory_users,
        ["GET"],
        "the platform's user records (paged)",
    ),
    (
        "/apps/{app}/directory/groups",
        admin_records.directory_groups,
        ["GET"],
        "the platform's group records (paged)",
    ),
    ("/apps/{app}/requests", admin_records.requests, ["GET"], "the request record (paged)"),
    (
        "/apps/{app}/requests.jsonl",
        admin_records.requests_jsonl,
        ["GET"],
        "the request record as JSON lines",
    ),
    ("/apps/{app}/requests.har", har.requests_har, ["GET"], "the request record as HAR 1.2"),
]
