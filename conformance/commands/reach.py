"""Reaching a target before a suite runs: the preflights and the admin API reads.

Each failure is :class:`TargetUnavailable` with one line that names what to fix, so a wrong
token, URL or app is a usage error (exit 2), never a verdict on the target. Used by the
``check`` commands and by the pytest plugin alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from scim_harness.conformance.attribution import harness_user_agent

if TYPE_CHECKING:
    from scim_harness.conformance.client.expected import Expected
    from scim_harness.conformance.client.reconcile import PlatformView
    from scim_harness.conformance.server.context import AdminAccess
    from scim_harness.conformance.traffic.recording import Traffic

__all__ = [
    "TargetUnavailable",
    "fetch_client_platform",
    "fetch_client_traffic",
    "preflight_admin",
    "preflight_server",
]


class TargetUnavailable(Exception):
    """The run cannot start: unreachable target, refused token, missing app or file."""


async def preflight_server(
    http: httpx.AsyncClient,
    base_url: str,
    token: str,
    *,
    flags: str = "",
    via: str | None = None,
) -> None:
    """Raise :class:`TargetUnavailable` when the target is unreachable or refuses the token.

    ``flags`` prefixes the option names the message cites: ``"scim-"`` in the pytest plugin.
    The probe is the server suite's: it carries the harness's User-Agent (``via`` as in
    :func:`~scim_harness.conformance.attribution.harness_user_agent`).
    """
    url = f"{base_url}/Users"
    agent = harness_user_agent("server suite", via)
    headers = {"Authorization": f"Bearer {token}", "User-Agent": agent}
    try:
        response = await http.get(url, params={"count": 1}, headers=headers)
    except httpx.HTTPError as exc:
        msg = f"cannot reach {base_url}: {type(exc).__name__}: {exc}"
        raise TargetUnavailable(msg) from None
    if response.status_code in (401, 403):
        msg = (
            f"{base_url} refused the token (HTTP {response.status_code}); check --{flags}token "
            f"and that --{flags}base-url names the app the token belongs to"
        )
        raise TargetUnavailable(msg)
    if response.status_code == 404:
        msg = f"no SCIM Users endpoint at {url} (HTTP 404); check --{flags}base-url"
        raise TargetUnavailable(msg)


async def preflight_admin(http: httpx.AsyncClient, admin: AdminAccess, *, flags: str = "") -> None:
    """Raise :class:`TargetUnavailable` unless the admin API takes the token and has the app:
    a wrong ``--admin-token`` is a usage error, not a verdict on the server."""
    url = f"{admin.admin_url}/apps/{admin.app}"
    try:
        response = await http.get(url, headers={"Authorization": f"Bearer {admin.admin_token}"})
    except httpx.HTTPError as exc:
        msg = f"cannot reach the admin API at {admin.admin_url}: {type(exc).__name__}: {exc}"
        raise TargetUnavailable(msg) from None
    if response.status_code in (401, 403):
        status = response.status_code
        msg = f"the admin API at {admin.admin_url} refused --{flags}admin-token (HTTP {status})"
        raise TargetUnavailable(msg)
    if response.status_code == 404:
        msg = (
            f"no app {admin.app!r} at {admin.admin_url} (HTTP 404); "
            f"check --{flags}app and --{flags}admin-url"
        )
        raise TargetUnavailable(msg)
    if response.status_code != 200:
        msg = f"the admin API at {url} answered HTTP {response.status_code}"
        raise TargetUnavailable(msg)


async def fetch_client_traffic(
    http: httpx.AsyncClient, admin_url: str, admin_token: str, app: str
) -> Traffic:
    """An app's recorded traffic; :class:`TargetUnavailable` with one clear line otherwise."""
    from scim_harness.conformance.traffic.recording import fetch_traffic

    try:
        return await fetch_traffic(http, admin_url, admin_token, app)
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        if status in (401, 403):
            msg = f"the admin API at {admin_url} refused the admin token (HTTP {status})"
        elif status == 404:
            msg = f"no app {app!r} at {admin_url} (HTTP 404); check the app name and URL"
        else:
            msg = f"the admin API at {admin_url} answered HTTP {status}"
        raise TargetUnavailable(msg) from None
    except httpx.HTTPError as exc:
        msg = f"cannot reach {admin_url}: {type(exc).__name__}: {exc}"
        raise TargetUnavailable(msg) from None


async def fetch_client_platform(
    http: httpx.AsyncClient, admin_url: str, admin_token: str, app: str, expected: Expected
) -> PlatformView:
    """The app's directory, mapping and option for ``--expect``; :class:`TargetUnavailable`
    with one clear line when the admin API cannot give them."""
    from scim_harness.conformance.client.reconcile import fetch_platform

    try:
        return await fetch_platform(http, admin_url, admin_token, app, expected)
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        msg = f"the admin API at {admin_url} did not give app {app!r}'s directory (HTTP {status})"
        raise TargetUnavailable(msg) from None
    except (httpx.HTTPError, ValueError) as exc:
        msg = f"cannot read app {app!r}'s directory from {admin_url}: {exc}"
        raise TargetUnavailable(msg) from None
