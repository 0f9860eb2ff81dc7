"""Server checks: deactivation, on any target (SRV-DEA) and under the platform option (SRV-PLT).

A source app deactivates a user in one of three ways: PATCH ``active`` with a path, a
path-less ``{"active": false}``, or a PUT with ``active: false``. On any SCIM server, after
each form the user must be either gone (the server deletes deactivated users: 404, and no
filter finds it, RFC 7644 §3.6) or present with ``active: false`` (the write was applied,
RFC 7644 §3.5.1/§3.5.2); anything else loses the deactivation. Without a hint both are
accepted and the report says which the target showed; ``deactivation`` ("delete"/"keep", the
``--deactivation`` flag) makes the expectation exact.

The platform's delete-on-deactivation option is judged with admin access to the reference
server: two throwaway apps, the option on and off, each form on each.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckFailed, CheckSkipped
from scim_harness.conformance.server.admin import directory_record, make_app
from scim_harness.conformance.server.context import (
    DEACTIVATION_SEEN,
    USE_TOKEN,
    Reply,
    ServerContext,
    ensure,
    expect_status,
)
from scim_harness.conformance.server.values import value_at

__all__: list[str] = []

_RULE = "Platform: delete the user when it is deactivated in the source"


@dataclass(frozen=True)
class Target:
    """Where to deactivate: the suite's target or a throwaway app."""

    base: str | None
    token: str
    app: str | None
    """The app name when the suite has admin access (to read directory records)."""


async def _target(ctx: ServerContext, delete: bool) -> Target:
    mode = "delete" if delete else "keep"
    if ctx.admin is None:
        msg = (
            "needs admin access to the reference server (two throwaway apps, the option on "
            "and off); SRV-DEA-001..003 judge this target's own deactivation"
        )
        raise CheckSkipped(msg)
    key = f"deactivation-{mode}"
    if key not in ctx.cache:
        app = await make_app(
            ctx, f"del-{'on' if delete else 'off'}", {"deleteOnDeactivate": delete}
        )
        ctx.cache[key] = Target(app.base_url, app.token, app.name)
    found: Target = ctx.cache[key]
    return found


Form = Callable[[ServerContext, Target, dict[str, Any], str], Awaitable[Reply]]


async def _patch_path(ctx: ServerContext, t: Target, user: dict[str, Any], path: str) -> Reply:
    return await ctx.patch(
        path, [{"op": "replace", "path": "active", "value": False}], token=t.token, base=t.base
    )


async def _patch_pathless(ctx: ServerContext, t: Target, user: dict[str, Any], path: str) -> Reply:
    return await ctx.patch(
        path, [{"op": "replace", "value": {"active": False}}], token=t.token, base=t.base
    )


async def _put(ctx: ServerContext, t: Target, user: dict[str, Any], path: str) -> Reply:
    tag = str(user["userName"]).removeprefix(f"{ctx.namespace.value}-")
    body = ctx.namespace.user(tag, active=False)
    return await ctx.put(path, body, token=t.token, base=t.base)


_FORMS: dict[str, tuple[str, Form]] = {
    "patch-path": ('PATCH {"op": "replace", "path": "active", "value": false}', _patch_path),
    "patch-pathless": ('PATCH {"op": "replace", "value": {"active": false}}', _patch_pathless),
    "put": ("PUT with active: false", _put),
}


async def _deactivate(
    ctx: ServerContext, target: Target, form: str, tag: str
) -> tuple[dict[str, Any], str]:
    label, send = _FORMS[form]
    user = await ctx.create("/Users", ctx.namespace.user(tag), token=target.token, base=target.base)
    path = f"/Users/{quote(user['id'], safe='')}"
    reply = await send(ctx, target, user, path)
    expect_status(reply, (200, 204), f"deactivation by {label}")
    return user, path


def _on_check(number: int, form: str) -> None:
    label = _FORMS[form][0]

    @server_check(
        f"SRV-PLT-{number:03d}",
        level="MUST",
        area="platform",
        reference=_RULE,
        claim=f"With delete-on-deactivation on, {label} deletes the user (then 404).",
        fix="When the option is on, treat every request that leaves active=false as a delete: "
        "remove the resource, its directory record and its memberships.",
        needs=("patch", "platform") if form != "put" else ("platform",),
    )
    async def run(ctx: ServerContext) -> None:
        target = await _target(ctx, delete=True)
        user, path = await _deactivate(ctx, target, form, f"plt-dea-{form}")
        again = await ctx.get(path, token=target.token, base=target.base)
        expect_status(again, 404, f"GET the user after {label} with the option on")
        if target.app is not None:
            record = await directory_record(ctx, "users", user["id"], app=target.app)
            ensure(record is None, "the user's directory record is still there")

    run.__name__ = f"deleted_on_{form.replace('-', '_')}"


_on_check(11, "patch-path")
_on_check(12, "patch-pathless")
_on_check(13, "put")


@server_check(
    "SRV-PLT-014",
    level="MUST",
    area="platform",
    reference=_RULE,
    claim="With the option off, each deactivation form keeps the user with active=false "
    "(directory status inactive).",
    fix="When the option is off, store active=false and map it to the platform status "
    "'inactive'; never delete the user.",
    needs=("platform",),
)
async def kept_when_off(ctx: ServerContext) -> None:
    target = await _target(ctx, delete=False)
    forms = [f for f in _FORMS if f == "put" or ctx.supports("patch") is not False]
    for form in forms:
        user, path = await _deactivate(ctx, target, form, f"plt-dea-{form}")
        again = await ctx.get(path, token=target.token, base=target.base)
        expect_status(again, 200, f"GET the user after {_FORMS[form][0]} with the option off")
        ensure(
            value_at(again.body, "active") is False,
            f"after {_FORMS[form][0]} active is {value_at(again.body, 'active')!r}",
        )
        if target.app is not None:
            record = await directory_record(ctx, "users", user["id"], app=target.app)
            status = record.get("status") if record else None
            ensure(status == "inactive", f"the directory status is {status!r}, not 'inactive'")


# -- any target -------------------------------------------------------------------------


async def _gone(ctx: ServerContext, user: dict[str, Any]) -> None:
    """A deleted user is not returned by a filter either (RFC 7644 §3.6)."""
    if ctx.supports("filter") is False:
        return
    name = str(user.get("userName"))
    listed = await ctx.get("/Users", params={"filter": f'userName eq "{name}"'})
    if listed.status == 200:
        ids = [r.get("id") for r in listed.resources()]
        ensure(
            user["id"] not in ids,
            f"GET /Users/{{id}} is 404 but userName eq {name!r} still finds the user",
        )


def _any_target_check(number: int, form: str) -> None:
    label = _FORMS[form][0]

    @server_check(
        f"SRV-DEA-{number:03d}",
        level="MUST",
        area="deactivation",
        reference="RFC 7644 §3.5.1, §3.5.2 (a write is applied), §3.6 (a deleted resource "
        "is gone); RFC 7643 §4.1.1 (active)",
        claim=f"After {label}, the user is gone (404, found by no filter) or present with "
        "active=false.",
        fix="Store active=false and return it on every read - or, if your service deletes "
        "deactivated users, delete them completely (404 on GET, absent from every list). "
        "With --deactivation the check expects the behaviour named there.",
        needs=("patch",) if form != "put" else (),
    )
    async def run(ctx: ServerContext) -> None:
        target = Target(None, USE_TOKEN, None)
        user, path = await _deactivate(ctx, target, form, f"dea-{form}")
        again = await ctx.get(path)
        if again.status == 404:
            await _gone(ctx, user)
            mode, showed = "delete", "deleted the user"
        else:
            expect_status(again, (200, 404), f"GET the user after {label}")
            active = value_at(again.body, "active")
            ensure(
                active is False,
                f"after {label} (answered 2xx) the user is still there with active "
                f"{active!r}: the deactivation was lost",
            )
            mode, showed = "keep", "kept the user with active=false"
        ctx.cache.setdefault(DEACTIVATION_SEEN, {})[label] = mode
        if ctx.deactivation is not None and ctx.deactivation != mode:
            msg = f"--deactivation {ctx.deactivation}, but after {label} the target {showed}"
            raise CheckFailed(msg)
        ctx.note(f"the target {showed}")

    run.__name__ = f"deactivated_by_{form.replace('-', '_')}"


_any_target_check(1, "patch-path")
_any_target_check(2, "patch-pathless")
_any_target_check(3, "put")
