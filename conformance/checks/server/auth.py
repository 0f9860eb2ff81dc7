"""Server checks: authentication (RFC 7644 §2, RFC 6750 §3) and app isolation."""

from __future__ import annotations

from urllib.parse import quote

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.server.admin import make_app
from scim_harness.conformance.server.context import Reply, ServerContext, ensure, expect_status

__all__: list[str] = []

_WRONG_TOKEN = "scim-harness-wrong-token-0000000000000000"


def _challenge(reply: Reply, action: str) -> None:
    challenge = reply.headers.get("www-authenticate", "")
    # RFC 6750 §3 / RFC 9110 §11.6.1: a 401 carries a WWW-Authenticate challenge.
    ensure(
        challenge.lower().startswith("bearer"),
        f"{action}: 401 without a 'WWW-Authenticate: Bearer ...' header "
        f"(got {challenge or 'none'})",
    )


@server_check(
    "SRV-AUT-001",
    level="MUST",
    area="auth",
    reference="RFC 7644 §2, RFC 6750 §3.1",
    claim="A request without a bearer token is refused with 401 and a Bearer challenge.",
    fix="Authenticate every SCIM endpoint: answer 401 with 'WWW-Authenticate: Bearer' when "
    "the Authorization header is missing.",
)
async def no_token(ctx: ServerContext) -> None:
    for path in ("/Users", "/Groups"):
        reply = await ctx.get(path, token=None)
        expect_status(reply, 401, f"GET {path} without a token")
        _challenge(reply, f"GET {path} without a token")


@server_check(
    "SRV-AUT-002",
    level="MUST",
    area="auth",
    reference="RFC 7644 §2, RFC 6750 §3.1",
    claim="A request with a wrong bearer token is refused with 401 and a Bearer challenge.",
    fix="Compare the bearer token with the app's tokens and answer 401 "
    "(with 'WWW-Authenticate: Bearer error=\"invalid_token\"') when it matches none.",
)
async def wrong_token(ctx: ServerContext) -> None:
    reply = await ctx.get("/Users", token=_WRONG_TOKEN)
    expect_status(reply, 401, "GET /Users with a wrong token")
    _challenge(reply, "GET /Users with a wrong token")
    created = await ctx.post("/Users", ctx.namespace.user("aut-wrong"), token=_WRONG_TOKEN)
    if created.status < 300:
        ctx.remember(created, "/Users")
    expect_status(created, 401, "POST /Users with a wrong token")


@server_check(
    "SRV-AUT-003",
    level="MUST",
    area="auth",
    reference="Platform: app isolation; RFC 6750 §3.1",
    claim="A token of one app never reaches another app's resources.",
    fix="Resolve the app from the token and scope every query and write to that app: "
    "another app's token must get 401 on this base URL, and 404 for this app's ids.",
)
async def app_isolation(ctx: ServerContext) -> None:
    ctx.require_admin()  # before creating anything
    user = await ctx.create_user("aut-iso")
    other = await make_app(ctx, "iso", {})
    path = f"/Users/{quote(user['id'], safe='')}"
    # Another app's token on this app's base URL.
    reply = await ctx.get(path, token=other.token)
    expect_status(reply, 401, "GET this app's user with another app's token")
    listed = await ctx.get(
        "/Users", params={"filter": f'userName eq "{user["userName"]}"'}, token=other.token
    )
    expect_status(listed, 401, "GET this app's /Users with another app's token")
    # The other app, with its own token, asking for this app's resource id.
    foreign = await ctx.get(path, token=other.token, base=other.base_url)
    expect_status(foreign, 404, "GET this app's user id through another app's base URL")
    search = await ctx.get(
        "/Users",
        params={"filter": f'userName eq "{user["userName"]}"'},
        token=other.token,
        base=other.base_url,
    )
    expect_status(search, 200, "GET /Users?filter=... on the other app")
    ensure(
        not search.resources() and search.field("totalResults") == 0,
        "another app's filter found this app's user: data leaks across apps",
    )
