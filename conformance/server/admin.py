"""The reference server's admin API, as the server suite uses it (issue 4 item 1).

Only with :class:`~conformance.server.context.AdminAccess`: make throwaway apps with chosen
options (removed after the run), and read the platform directory records the mapping wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from scim_harness.conformance.model import CheckFailed
from scim_harness.conformance.server.context import Reply, ServerContext, detail

__all__ = [
    "ThrowawayApp",
    "admin_request",
    "copy_app",
    "delete_app",
    "directory_record",
    "make_app",
]


@dataclass(frozen=True)
class ThrowawayApp:
    """An app made for one check: its SCIM base URL and bearer token."""

    name: str
    base_url: str
    token: str


async def admin_request(ctx: ServerContext, method: str, path: str, body: Any = None) -> Reply:
    admin = ctx.require_admin()
    return await ctx.request(
        method,
        admin.admin_url.rstrip("/") + path,
        body=body,
        token=admin.admin_token,
        headers={"Content-Type": "application/json", "Accept": "application/json"}
        if body is not None
        else {"Accept": "application/json"},
        validate=False,
    )


async def make_app(ctx: ServerContext, suffix: str, settings: dict[str, Any]) -> ThrowawayApp:
    """``POST /admin/apps``: a new app under the run's namespace, removed after the run."""
    name = f"{ctx.namespace.value}-{suffix}"
    reply = await admin_request(ctx, "POST", "/apps", {"name": name, "settings": settings})
    if reply.status not in (200, 201) or not isinstance(reply.body, dict):
        msg = f"the admin API did not create app {name!r}: {reply.status} {detail(reply)}"
        raise CheckFailed(msg)
    ctx.throwaway_apps.append(name)
    base, token = reply.body.get("scimBaseUrl"), reply.body.get("token")
    if not isinstance(base, str) or not isinstance(token, str):
        msg = f"the admin API's new app {name!r} has no scimBaseUrl or token"
        raise CheckFailed(msg)
    return ThrowawayApp(name, base.rstrip("/"), token)


async def copy_app(ctx: ServerContext, suffix: str) -> ThrowawayApp:
    """A throwaway app with the settings and mapping of the admin app (removed after the run).

    The server suite works there instead of in the user's app, so the user's request record
    and directory hold nothing of the suite's (issue 12). ``CheckFailed`` says what failed.
    """
    admin = ctx.require_admin()
    reply = await admin_request(ctx, "GET", f"/apps/{quote(admin.app, safe='')}")
    if reply.status != 200 or not isinstance(reply.body, dict):
        msg = f"the admin API did not show app {admin.app!r}: {reply.status} {detail(reply)}"
        raise CheckFailed(msg)
    settings = reply.body.get("settings")
    body: dict[str, Any] = {"settings": settings if isinstance(settings, dict) else {}}
    mapping = reply.body.get("mapping")
    if isinstance(mapping, dict) and reply.body.get("defaultMapping") is False:
        body["mapping"] = mapping
    name = f"{ctx.namespace.value}-{suffix}"
    made = await admin_request(ctx, "POST", "/apps", {"name": name, **body})
    if made.status not in (200, 201) or not isinstance(made.body, dict):
        msg = f"the admin API did not create app {name!r}: {made.status} {detail(made)}"
        raise CheckFailed(msg)
    ctx.throwaway_apps.append(name)
    token = made.body.get("token")
    if not isinstance(token, str):
        msg = f"the admin API's new app {name!r} has no token"
        raise CheckFailed(msg)
    # The user's base URL with the app's name swapped keeps the host the user reaches it by.
    own = f"/apps/{admin.app}/scim/v2"
    if ctx.base_url.endswith(own):
        base = ctx.base_url.removesuffix(own) + f"/apps/{name}/scim/v2"
    else:
        listed = made.body.get("scimBaseUrl")
        base = listed.rstrip("/") if isinstance(listed, str) else ""
    if not base:
        msg = f"the admin API's new app {name!r} has no scimBaseUrl"
        raise CheckFailed(msg)
    return ThrowawayApp(name, base, token)


async def delete_app(ctx: ServerContext, name: str) -> None:
    await admin_request(ctx, "DELETE", f"/apps/{quote(name, safe='')}")


_PAGE = 500
_MAX_PAGES = 200


async def directory_record(
    ctx: ServerContext, kind: str, rid: str, *, app: str | None = None
) -> dict[str, Any] | None:
    """The directory record (``kind`` users or groups) of the SCIM resource ``rid``, or None.

    ``GET /admin/apps/{app}/directory/{kind}`` is paged like a SCIM list; this walks it.
    """
    name = app or ctx.require_admin().app
    base = f"/apps/{quote(name, safe='')}/directory/{kind}"
    start = 1
    for _ in range(_MAX_PAGES):
        reply = await admin_request(ctx, "GET", f"{base}?startIndex={start}&count={_PAGE}")
        if reply.status != 200 or not isinstance(reply.body, dict):
            msg = f"the admin API did not list the {kind} directory: {reply.status}"
            raise CheckFailed(msg)
        records = [r for r in reply.body.get("Resources") or [] if isinstance(r, dict)]
        found = next((r for r in records if r.get("id") == rid), None)
        if found is not None or not records:
            return found
        start += len(records)
    return None
