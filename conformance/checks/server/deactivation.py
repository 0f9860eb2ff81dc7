"""Server checks: the platform's delete-on-deactivation option (issue 4 item 5).

Each deactivation form a source app uses - PATCH ``active`` with a path, a path-less
``{"active": false}``, a PUT with ``active: false`` - must delete the user when the option is
on (later GETs 404) and keep it inactive when it is off. With admin access the suite makes two
throwaway apps, one per setting; without it, ``deactivation`` says how the target is set up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckSkipped
from scim_harness.conformance.server.admin import directory_record, make_app
from scim_harness.conformance.server.context import (
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
        if ctx.deactivation is None:
            msg = (
                "needs admin access, or the deactivation option ('delete' or 'keep') saying "
                "how the target is configured"
            )
            raise CheckSkipped(msg)
        if ctx.deactivation != mode:
            msg = f"the target is configured to {ctx.deactivation} deactivated users"
            raise CheckSkipped(msg)
        return Target(None, USE_TOKEN, None)
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


async def _deactivate(ctx: ServerContext, target: Target, form: str) -> tuple[dict[str, Any], str]:
    label, send = _FORMS[form]
    user = await ctx.create(
        "/Users",
        ctx.namespace.user(f"dea-{form}-{'on' if target.app else 'x'}"),
        token=target.token,
        base=target.base,
    )
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
        needs=("patch",) if form != "put" else (),
    )
    async def run(ctx: ServerContext) -> None:
        target = await _target(ctx, delete=True)
        user, path = await _deactivate(ctx, target, form)
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
)
async def kept_when_off(ctx: ServerContext) -> None:
    target = await _target(ctx, delete=False)
    forms = [f for f in _FORMS if f == "put" or ctx.supports("patch") is not False]
    for form in forms:
        user, path = await _deactivate(ctx, target, form)
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
