"""Server check: every response the suite received validates against its JSON Schema.

The schemas are those of ``fixtures/schemas/json`` (User, Group, ListResponse and each of its
Resources, Error, ServiceProviderConfig, ResourceType, Schema, BulkResponse). Every request
of the run is validated as it comes back (:mod:`conformance.server.schemas`); this check runs
last and reports the violations, with the exchanges that show them.
"""

from __future__ import annotations

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckFailed
from scim_harness.conformance.server.context import ServerContext

__all__: list[str] = []

_SHOWN = 10


@server_check(
    "SRV-SCH-001",
    level="MUST",
    area="schema",
    reference="RFC 7643 §3-8, RFC 7644 §3.4.2, §3.12; fixtures/schemas/json",
    claim="Every response body the suite received validates against its JSON Schema.",
    fix="Make each response match the RFC representation: the exchange notes name the "
    "schema and the JSON path of every problem.",
)
async def every_response_valid(ctx: ServerContext) -> None:
    if ctx.responses_validated == 0:
        for path in ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas"):
            await ctx.get(path)
        await ctx.get("/Users", params={"count": "5"})
        await ctx.get("/Groups", params={"count": "5"})
    ctx.exchanges = []
    violations = ctx.schema_violations
    if not violations:
        ctx.note(f"{ctx.responses_validated} responses validated")
        return
    ctx.exchanges = [v.exchange for v in violations[:_SHOWN]]
    lines = [
        f"{v.check_id}: {v.exchange.headline()} breaks {v.schema}: {'; '.join(v.messages[:3])}"
        for v in violations[:_SHOWN]
    ]
    more = f" (and {len(violations) - _SHOWN} more)" if len(violations) > _SHOWN else ""
    msg = f"{len(violations)} of {ctx.responses_validated} responses break their schema{more}: "
    raise CheckFailed(msg + " | ".join(lines))
