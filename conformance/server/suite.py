"""The server suite: every registered server check, run against one SCIM base URL and token.

``run_server_suite`` reads the target's ServiceProviderConfig, /Schemas and /ResourceTypes
once (what it supports, and whether it is judged by the RFCs alone or also by the platform's
rules: :mod:`~scim_harness.conformance.server.target`), runs the selected checks one after the
other (each with its own evidence), skips those needing a feature the target does not
advertise or a platform rule that does not apply to it, and removes the test data it created,
newest first (unless ``keep``). A check that raises anything but
:class:`CheckFailed`/:class:`CheckSkipped` is reported as an ERROR with the message: one broken
check never stops the run.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from scim_harness.conformance.attribution import harness_user_agent
from scim_harness.conformance.checks import Registered, registered
from scim_harness.conformance.model import (
    Check,
    CheckFailed,
    CheckSkipped,
    Level,
    Outcome,
    Report,
    Result,
)
from scim_harness.conformance.profiles import PROFILE_CHOICES
from scim_harness.conformance.server.context import DEACTIVATION_SEEN, AdminAccess, ServerContext
from scim_harness.conformance.server.data import Namespace
from scim_harness.conformance.server.target import TARGET_CHOICES, read_target

__all__ = [
    "DEACTIVATION_CHOICES",
    "DEACTIVATION_SEEN",
    "TARGET_CHOICES",
    "AdminAccess",
    "run_server_suite",
]

DEACTIVATION_CHOICES = ("delete", "keep")
"""Values of ``deactivation``: what the target does when a user is deactivated."""

_FEATURE_NAMES = {
    "patch": "patch",
    "bulk": "bulk",
    "etag": "etag",
    "sort": "sort",
    "filter": "filter",
    "changePassword": "changePassword",
}
_LAST_AREAS = ("schema", "readback")


def _order(checks: list[Registered]) -> list[Registered]:
    """By id, except the checks judging the whole run (every response's schema, every
    write read back): last."""
    return sorted(checks, key=lambda r: (r.check.area in _LAST_AREAS, r.check.id))


def _unsupported(ctx: ServerContext, needs: tuple[str, ...]) -> str | None:
    for need in needs:
        if need == "platform":
            if not ctx.target.platform:
                # The report's header (details "target") says why; each skip says how.
                return (
                    "platform rule, not applied: the target is judged by RFC 7643/7644 alone "
                    "(see target in the report's header; --target platform applies it)"
                )
            continue
        feature = _FEATURE_NAMES.get(need, need)
        if ctx.supports(feature) is False:
            return (
                f"the target does not advertise {feature} "
                f"(ServiceProviderConfig {feature}.supported is not true)"
            )
    return None


async def _run_one(ctx: ServerContext, entry: Registered) -> Result:
    check = entry.check
    ctx.check_id = check.id
    ctx.exchanges = []
    ctx.notes = []
    started = time.perf_counter()
    outcome, message = Outcome.PASSED, ""
    reason = entry.off_profile(ctx.profile) or _unsupported(ctx, entry.needs)
    if reason is not None:
        outcome, message = Outcome.SKIPPED, reason
    else:
        try:
            await entry.run(ctx)
            message = "; ".join(ctx.notes)
        except CheckFailed as exc:
            outcome, message = Outcome.FAILED, str(exc)
        except CheckSkipped as exc:
            outcome, message = Outcome.SKIPPED, str(exc)
        except httpx.HTTPError as exc:
            outcome = Outcome.ERROR
            message = f"HTTP error talking to the target: {type(exc).__name__}: {exc}"
        except Exception as exc:  # a check's own bug must not stop the run
            outcome, message = Outcome.ERROR, f"{type(exc).__name__}: {exc}"
    return Result(
        check=check,
        outcome=outcome,
        message=message,
        exchanges=list(ctx.exchanges),
        duration_ms=(time.perf_counter() - started) * 1000,
    )


async def _discover(ctx: ServerContext, target: str) -> None:
    """ServiceProviderConfig, then what kind of target this is and what it declares."""
    ctx.check_id = "(setup)"
    try:
        reply = await ctx.get("/ServiceProviderConfig")
    except httpx.HTTPError:
        reply = None
    if reply is not None and reply.status == 200 and isinstance(reply.body, dict):
        ctx.spc = reply.body
    ctx.target = await read_target(ctx, target, admin=ctx.admin is not None)
    ctx.namespace = replace(ctx.namespace, enterprise=ctx.target.enterprise)
    ctx.exchanges = []


def _deactivation_seen(ctx: ServerContext) -> str | None:
    """What the deactivation checks saw the target do: delete, keep, or a mix."""
    seen: dict[str, str] = ctx.cache.get(DEACTIVATION_SEEN, {})
    if not seen:
        return None
    modes = set(seen.values())
    forms = ", ".join(seen)
    if len(modes) == 1:
        mode = modes.pop()
        verb = "deleted" if mode == "delete" else "kept with active=false"
        return f"{mode}: users were {verb} after {forms}"
    return "mixed: " + ", ".join(f"{form} -> {mode}" for form, mode in seen.items())


async def _clean_up(ctx: ServerContext) -> dict[str, int]:
    """Delete what the suite created, newest first; then the throwaway apps (best effort)."""
    ctx.check_id = "(cleanup)"
    removed = failed = 0
    for url, token in reversed(ctx.cleanup):
        try:
            reply = await ctx.request("DELETE", url, token=token, validate=False, readback=False)
        except httpx.HTTPError:
            failed += 1
            continue
        if reply.status < 300 or reply.status == 404:
            removed += 1
        else:
            failed += 1
    if ctx.admin is not None:
        from scim_harness.conformance.server.admin import delete_app

        for app in reversed(ctx.throwaway_apps):
            try:
                await delete_app(ctx, app)
            except httpx.HTTPError:
                failed += 1
    ctx.exchanges = []
    return {"resources": len(ctx.cleanup), "removed": removed, "failed": failed}


async def _isolate(ctx: ServerContext) -> str:
    """With admin access, move the run into a throwaway copy of the user's app; what it did."""
    from scim_harness.conformance.server.admin import copy_app

    admin = ctx.require_admin()
    ctx.check_id = "(setup)"
    try:
        copy = await copy_app(ctx, "suite")
    except (CheckFailed, httpx.HTTPError) as exc:
        ctx.exchanges = []
        return f"ran in app {admin.app} (no throwaway copy: {exc})"
    ctx.exchanges = []
    ctx.base_url, ctx.token = copy.base_url, copy.token
    ctx.admin = AdminAccess(admin.admin_url, admin.admin_token, copy.name)
    return f"ran in {copy.name}, a throwaway copy of app {admin.app}"


async def run_server_suite(
    http: httpx.AsyncClient,
    base_url: str,
    token: str,
    *,
    profile: str = "rfc",
    seed: int = 0,
    keep: bool = False,
    select: Callable[[Check], bool] | None = None,
    admin: AdminAccess | None = None,
    progress: Callable[[Result], None] | None = None,
    deactivation: str | None = None,
    via: str | None = None,
    target: str = "auto",
    fail_on: Level = Level.MUST,
) -> Report:
    """Run the server checks against ``base_url`` with ``token``; see the module docstring.

    ``deactivation`` says what the target does when a user is deactivated (``"delete"`` or
    ``"keep"``), making the deactivation checks exact; ``None`` accepts either and reports
    which one the target showed. ``target`` (``auto``, ``rfc``, ``platform``) decides whether
    the platform's rules apply (:mod:`~scim_harness.conformance.server.target`). ``fail_on``
    is the lowest level whose failure makes the report's exit code 1. With ``admin`` access
    the suite works in a throwaway copy of the admin app (same settings and mapping), never in
    the app itself. Every request carries ``User-Agent: scim-harness/<version> (server
    suite[; via])``.
    """
    if profile not in PROFILE_CHOICES:
        msg = f"unknown profile {profile!r} (known: {', '.join(PROFILE_CHOICES)})"
        raise ValueError(msg)
    if deactivation is not None and deactivation not in DEACTIVATION_CHOICES:
        msg = f"deactivation must be one of {', '.join(DEACTIVATION_CHOICES)} or None"
        raise ValueError(msg)
    if target not in TARGET_CHOICES:
        msg = f"target must be one of {', '.join(TARGET_CHOICES)}"
        raise ValueError(msg)
    started = time.perf_counter()
    namespace = Namespace(f"scimh-{seed}-{secrets.token_hex(3)}")
    ctx = ServerContext(
        http=http,
        base_url=base_url.rstrip("/"),
        token=token,
        namespace=namespace,
        profile=profile,
        seed=seed,
        admin=admin,
        deactivation=deactivation,
        user_agent=harness_user_agent("server suite", via),
    )
    report = Report(side="server", target=ctx.base_url, fail_on=fail_on)
    isolation = await _isolate(ctx) if admin is not None else None
    await _discover(ctx, target)
    selected = [r for r in registered("server") if select is None or select(r.check)]
    # Reading every write back costs two GETs a write: only when a check will judge it.
    ctx.readback.enabled = any(r.check.area == "readback" for r in selected)
    for entry in _order(selected):
        result = await _run_one(ctx, entry)
        report.results.append(result)
        if progress is not None:
            progress(result)
    details: dict[str, Any] = {
        "profile": profile,
        "seed": seed,
        "namespace": namespace.value,
        "admin": admin.app if admin else None,
        "target": ctx.target.describe(),
        "deactivation": deactivation,
    }
    if isolation is not None:
        details["app"] = isolation
    seen = _deactivation_seen(ctx)
    if seen is not None:
        details["deactivation_seen"] = seen
    if keep:
        details["cleanup"] = f"kept: {len(ctx.cleanup)} resources under {namespace.value}"
        if ctx.throwaway_apps:
            details["cleanup"] += f" and apps {', '.join(ctx.throwaway_apps)}"
    else:
        done = await _clean_up(ctx)
        details["cleanup"] = (
            f"removed {done['removed']} of {done['resources']} resources, newest first"
            + (f"; {done['failed']} could not be removed" if done["failed"] else "")
        )
    report.details = details
    report.duration_s = time.perf_counter() - started
    return report
