"""The Provisioning tab: the app's SCIM Base URL, its tokens (new, rotate, revoke) and settings.

The settings form changes only the settings it shows, through the same
:meth:`AppSettings.updated` the admin API's PATCH uses, so its checks and messages are the
same and settings it does not show are kept.
"""

from __future__ import annotations

from typing import Any

from scim_harness.reference_server.admin.api import issue, revoke
from scim_harness.reference_server.console.web import ROOT, Page
from scim_harness.reference_server.protocol.errors import InvalidValue, ScimError
from scim_harness.reference_server.settings import AppSettings
from starlette.responses import Response

__all__ = ["new_token", "provisioning", "revoke_token", "save_settings"]

_MAX_LABEL = 100


def _page(page: Page, *, status: int = 200, error: str = "", notice: str = "") -> Response:
    row = page.app
    return page.render(
        "provisioning.html",
        status,
        tab="provisioning",
        base_url=page.scim_base_url(row.name),
        tokens=page.store.list_tokens(row.name),
        settings=AppSettings.from_json(row.settings),
        error=error,
        notice=notice or _NOTICES.get(page.param("done"), ""),
    )


_NOTICES = {
    "settings": "Settings saved.",
    "revoked": "Token revoked: requests that send it now get 401.",
}


async def provisioning(page: Page) -> Response:
    return _page(page)


def _status(text: str, what: str) -> int:
    if text not in ("200", "204"):
        msg = f"app setting {what!r} must be 200 or 204"
        raise InvalidValue(msg)
    return int(text)


def _retention(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        msg = f"app setting 'retention' must be a whole number, not {text!r}"
        raise InvalidValue(msg) from None


async def save_settings(page: Page) -> Response:
    row = page.app
    try:
        changes: dict[str, Any] = {
            "deleteOnDeactivate": page.field("deleteOnDeactivate") == "on",
            "lenient": page.field("mode", "lenient") != "strict",
            "rules": page.field("rules", "platform"),
            "userPatchStatus": _status(page.field("userPatchStatus"), "userPatchStatus"),
            "groupPatchStatus": _status(page.field("groupPatchStatus"), "groupPatchStatus"),
            "retention": _retention(page.field("retention")),
        }
        settings = AppSettings.from_json(row.settings).updated(changes)
    except ScimError as error:
        return _page(page, status=error.status, error=error.detail)
    page.store.update_app(row.name, settings=settings.as_json())
    return page.redirect(f"{ROOT}/apps/{row.name}/provisioning?done=settings")


async def new_token(page: Page) -> Response:
    """Issue a token (``rotate``: and revoke every other); shown once, on this answer only."""
    row = page.app
    label = page.field("label").strip()
    if len(label) > _MAX_LABEL:
        return _page(page, status=400, error=f"A label has at most {_MAX_LABEL} characters.")
    rotate = page.field("rotate") == "on"
    token = issue(page.store, row.name, label or "console", revoke_others=rotate)
    return page.render(
        "token_created.html",
        201,
        tab="provisioning",
        base_url=page.scim_base_url(row.name),
        token=token["token"],
        rotated=rotate,
    )


async def revoke_token(page: Page) -> Response:
    row = page.app
    revoke(page.store, row.name, page.request.path_params["token_id"])
    return page.redirect(f"{ROOT}/apps/{row.name}/provisioning?done=revoked")
