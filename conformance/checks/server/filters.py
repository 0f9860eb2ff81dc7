"""Server checks: filters (RFC 7644 §3.4.2.2), judged against the population the suite made.

Each check sends one or more filters and compares the ids that come back (and totalResults)
with the subset of the shared population the filter selects: a server that ignores a filter,
or applies it wrongly, returns another set and fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scim_harness.conformance.checks import server_check
from scim_harness.conformance.model import CheckFailed
from scim_harness.conformance.server.context import ServerContext, ensure, expect_status
from scim_harness.conformance.server.data import Person, Population

__all__: list[str] = []

_SECTION = "RFC 7644 §3.4.2.2"
_FIX_OP = "Implement the {op} operator as RFC 7644 §3.4.2.2 defines it, for every attribute type."


@dataclass(frozen=True)
class Case:
    """A filter (written with the population's names) and the people it selects."""

    text: Callable[[Population], str]
    selects: Callable[[Person], bool]


async def _judge(ctx: ServerContext, cases: list[Case], endpoint: str = "/Users") -> None:
    population = await ctx.population()
    for case in cases:
        text = case.text(population)
        reply = await ctx.get(endpoint, params={"filter": text, "count": "50"})
        expect_status(reply, 200, f"GET {endpoint}?filter={text}")
        expected = population.expect(case.selects)
        got = {str(r.get("id")) for r in reply.resources()}
        total = reply.field("totalResults")
        if got != expected or total != len(expected):
            want = sorted(population.tag_of(i) for i in expected)
            have = sorted(population.tag_of(i) for i in got)
            if len(have) > 8:
                have = [*have[:8], f"... {len(have) - 8} more"]
            msg = (
                f"filter {text!r} should select {want} (totalResults {len(expected)}), "
                f"got {have} (totalResults {total})"
            )
            raise CheckFailed(msg)


def _within(p: Population) -> str:
    """Restrict a filter to the population: other data on the target must not match."""
    return f'userName sw "{p.prefix}"'


def _operator_check(number: int, op: str, cases: list[Case], claim: str) -> None:
    @server_check(
        f"SRV-FLT-{number:03d}",
        level="MUST",
        area="filter",
        reference=_SECTION,
        claim=claim,
        fix=_FIX_OP.format(op=op),
        needs=("filter",),
    )
    async def run(ctx: ServerContext) -> None:
        await _judge(ctx, cases)

    run.__name__ = f"filter_{op}"


_operator_check(
    1,
    "eq",
    [Case(lambda p: f'userName eq "{p.user_name("p-bravo")}"', lambda x: x.tag == "p-bravo")],
    "'eq' selects exactly the resources whose value is equal.",
)
_operator_check(
    2,
    "eq (caseExact false)",
    [
        Case(
            lambda p: f'userName eq "{p.user_name("p-bravo").upper()}"',
            lambda x: x.tag == "p-bravo",
        )
    ],
    "'eq' on userName (caseExact false) ignores case.",
)
_operator_check(
    3,
    "ne",
    [Case(lambda p: f'{_within(p)} and title ne "Engineer"', lambda x: x.title != "Engineer")],
    "'ne' selects the resources whose value differs.",
)
_operator_check(
    4,
    "co",
    [Case(lambda p: f'{_within(p)} and title co "ngine"', lambda x: "ngine" in x.title)],
    "'co' selects the resources whose value contains the substring.",
)
_operator_check(
    5,
    "sw",
    [Case(lambda p: f'userName sw "{p.prefix}c"', lambda x: x.tag.startswith("p-c"))],
    "'sw' selects the resources whose value starts with the substring.",
)
_operator_check(
    6,
    "ew",
    [Case(lambda p: f'{_within(p)} and userName ew "o"', lambda x: x.tag.endswith("o"))],
    "'ew' selects the resources whose value ends with the substring.",
)
_operator_check(
    7,
    "pr",
    [Case(lambda p: f"{_within(p)} and nickName pr", lambda x: x.nick is not None)],
    "'pr' selects the resources that have a value.",
)
_operator_check(
    8,
    "gt",
    [
        Case(
            lambda p: f'{_within(p)} and userName gt "{p.user_name("p-charlie")}"',
            lambda x: x.tag > "p-charlie",
        ),
        Case(
            lambda p: f'{_within(p)} and meta.created gt "2000-01-01T00:00:00Z"',
            lambda x: True,
        ),
    ],
    "'gt' compares strings lexicographically and dateTimes chronologically.",
)
_operator_check(
    9,
    "ge",
    [
        Case(
            lambda p: f'{_within(p)} and userName ge "{p.user_name("p-charlie")}"',
            lambda x: x.tag >= "p-charlie",
        )
    ],
    "'ge' selects values greater than or equal.",
)
_operator_check(
    10,
    "lt",
    [
        Case(
            lambda p: f'{_within(p)} and userName lt "{p.user_name("p-charlie")}"',
            lambda x: x.tag < "p-charlie",
        ),
        Case(
            lambda p: f'{_within(p)} and meta.created lt "2000-01-01T00:00:00Z"',
            lambda x: False,
        ),
    ],
    "'lt' compares strings lexicographically and dateTimes chronologically.",
)
_operator_check(
    11,
    "le",
    [
        Case(
            lambda p: f'{_within(p)} and userName le "{p.user_name("p-charlie")}"',
            lambda x: x.tag <= "p-charlie",
        )
    ],
    "'le' selects values less than or equal.",
)
_operator_check(
    12,
    "and",
    [
        Case(
            lambda p: f'{_within(p)} and title eq "Engineer" and nickName pr',
            lambda x: x.title == "Engineer" and x.nick is not None,
        )
    ],
    "'and' selects the resources matching both expressions.",
)
_operator_check(
    13,
    "or",
    [
        Case(
            lambda p: (
                f'userName eq "{p.user_name("p-alpha")}" or userName eq "{p.user_name("p-delta")}"'
            ),
            lambda x: x.tag in ("p-alpha", "p-delta"),
        )
    ],
    "'or' selects the resources matching either expression.",
)
_operator_check(
    14,
    "not",
    [
        Case(
            lambda p: f'{_within(p)} and not (title eq "Engineer")',
            lambda x: x.title != "Engineer",
        )
    ],
    "'not ( ... )' selects the resources the inner expression does not match.",
)
_operator_check(
    15,
    "grouping and precedence",
    [
        Case(
            lambda p: f'{_within(p)} and (title eq "Manager" or title eq "Designer")',
            lambda x: x.title in ("Manager", "Designer"),
        ),
        # 'and' binds tighter than 'or': a or (b and c).
        Case(
            lambda p: (
                f'userName eq "{p.user_name("p-alpha")}" or {_within(p)} and title eq "Manager"'
            ),
            lambda x: x.tag == "p-alpha" or x.title == "Manager",
        ),
    ],
    "Parentheses group expressions, and 'and' binds tighter than 'or'.",
)
_operator_check(
    16,
    "value filter",
    [
        Case(
            lambda p: f'emails[type eq "work" and value sw "{p.prefix}b"]',
            lambda x: x.tag.startswith("p-b"),
        ),
        Case(lambda p: f'{_within(p)} and emails[type eq "home"]', lambda x: x.home_email),
    ],
    "A value filter 'emails[type eq \"work\" and value sw ...]' matches within one email.",
)
_operator_check(
    17,
    "sub-attribute",
    [
        Case(
            lambda p: f'{_within(p)} and name.familyName eq "Carter"',
            lambda x: x.family == "Carter",
        )
    ],
    "A sub-attribute path 'name.familyName' filters on that sub-attribute.",
)
_operator_check(
    18,
    "multi-valued sub-attribute",
    [
        Case(
            lambda p: f'emails.value eq "{p.namespace.email("p-delta")}"',
            lambda x: x.tag == "p-delta",
        )
    ],
    "'emails.value eq ...' matches a resource when any of its emails matches.",
)
_operator_check(
    19,
    "case-insensitive names",
    [
        Case(
            lambda p: f'USERNAME EQ "{p.user_name("p-alpha")}"',
            lambda x: x.tag == "p-alpha",
        )
    ],
    "Attribute names and operators in a filter are case-insensitive.",
)


@server_check(
    "SRV-FLT-020",
    level="MUST",
    area="filter",
    reference=_SECTION,
    claim="Filters work on Groups: displayName eq selects exactly that Group.",
    fix="Support filtering on /Groups (displayName at least: clients look groups up by it).",
    needs=("filter",),
)
async def group_filter(ctx: ServerContext) -> None:
    population = await ctx.population()
    name = population.namespace.group_name("g-one")
    reply = await ctx.get("/Groups", params={"filter": f'displayName eq "{name}"'})
    expect_status(reply, 200, "GET /Groups?filter=displayName eq ...")
    got = {str(r.get("id")) for r in reply.resources()}
    want = {population.ids["g-one"]}
    ensure(
        got == want and reply.field("totalResults") == 1,
        f"displayName eq {name!r} should select one Group, got {len(got)} "
        f"(totalResults {reply.field('totalResults')})",
    )


@server_check(
    "SRV-FLT-021",
    level="MUST",
    area="filter",
    reference=f"{_SECTION}, §3.12 (invalidFilter)",
    claim="A filter that does not parse answers 400 with scimType invalidFilter.",
    fix="Parse filters with the RFC 7644 §3.4.2.2 grammar and answer 400 'invalidFilter' "
    "on a syntax error, never 200 with everything or a 500.",
    needs=("filter",),
)
async def invalid_filter(ctx: ServerContext) -> None:
    for text in ('userName zz "x"', 'userName eq "unterminated'):
        reply = await ctx.get("/Users", params={"filter": text})
        expect_status(reply, 400, f"GET /Users?filter={text}")
        scim_type = reply.field("scimType")
        ensure(scim_type == "invalidFilter", f"filter {text!r}: scimType is {scim_type!r}")
