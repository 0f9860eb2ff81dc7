"""What a server check works with: the target, a recording HTTP seam, and the run's test data.

Every request a check sends goes through :meth:`ServerContext.request`, which records it as an
:class:`~conformance.model.Exchange` (the Authorization value masked) in the current check's
evidence and validates the response body against the matching JSON Schema of
``fixtures/schemas/json`` (see :mod:`conformance.server.schemas`). The violations are kept for
``SRV-SCH-001`` and shown in the exchange's note.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx
from scim_harness.conformance.attribution import harness_user_agent
from scim_harness.conformance.model import CheckFailed, CheckSkipped, Exchange
from scim_harness.conformance.server.data import Namespace, Population
from scim_harness.conformance.server.readback import ReadBack
from scim_harness.conformance.server.schemas import response_schema_errors
from scim_harness.conformance.server.target import TargetProfile

__all__ = [
    "DEACTIVATION_SEEN",
    "SCIM_MEDIA_TYPE",
    "USE_TOKEN",
    "AdminAccess",
    "CheckFn",
    "Reply",
    "SchemaViolation",
    "ServerContext",
    "detail",
    "ensure",
    "expect_status",
    "need",
]

DEACTIVATION_SEEN = "deactivation-seen"
"""``cache`` key: deactivation form -> what the target did with the user (delete or keep)."""
SCIM_MEDIA_TYPE = "application/scim+json"
USE_TOKEN = "<the suite's token>"
"""Default of ``token=``: send the target's bearer token."""

_MAX_RECORDED_TEXT = 8000
T = TypeVar("T")
CheckFn = Callable[["ServerContext"], Awaitable[None]]
"""A server check: ``async def check(ctx) -> None`` raising CheckFailed/CheckSkipped."""


@dataclass(frozen=True)
class AdminAccess:
    """The reference server's admin API: lets the suite read directory records, make apps."""

    admin_url: str
    """``http://host:port/admin``."""
    admin_token: str
    app: str
    """The app whose SCIM base URL is the target."""


@dataclass
class Reply:
    """A response as a check sees it: status, headers, parsed body, and its evidence."""

    status: int
    headers: httpx.Headers
    body: Any
    exchange: Exchange

    @property
    def media_type(self) -> str:
        kind: str = self.headers.get("content-type", "")
        return kind.split(";", 1)[0].strip().lower()

    def resources(self) -> list[dict[str, Any]]:
        """The ``Resources`` of a ListResponse (RFC 7644 §3.4.2), objects only."""
        found = self.body.get("Resources") if isinstance(self.body, dict) else None
        return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []

    def field(self, name: str) -> Any:
        return self.body.get(name) if isinstance(self.body, dict) else None


@dataclass(frozen=True)
class SchemaViolation:
    """A response that breaks its JSON Schema."""

    check_id: str
    exchange: Exchange
    schema: str
    messages: tuple[str, ...]


def expect_status(reply: Reply, expected: int | tuple[int, ...], action: str) -> None:
    """Fail unless the reply's status is one of ``expected``; the message names both."""
    wanted = (expected,) if isinstance(expected, int) else expected
    if reply.status not in wanted:
        shown = " or ".join(str(s) for s in wanted)
        msg = f"{action}: expected {shown}, got {reply.status} {detail(reply)}".rstrip()
        raise CheckFailed(msg)


def need(value: T | None, message: str) -> T:
    """``value``, or fail the check with ``message`` when it is None."""
    if value is None:
        raise CheckFailed(message)
    return value


def ensure(condition: object, message: str) -> None:
    """Fail the check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)


def _mask(headers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in headers.items():
        if key.lower() in ("authorization", "cookie", "proxy-authorization"):
            scheme, _, rest = value.partition(" ")
            out[key] = f"{scheme} ***" if rest else "***"
        else:
            out[key] = value
    return out


def _parse(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return response.text[:_MAX_RECORDED_TEXT]


@dataclass
class ServerContext:
    """The target and the shared state of one server-suite run."""

    http: httpx.AsyncClient
    base_url: str
    token: str
    namespace: Namespace
    profile: str = "rfc"
    seed: int = 0
    admin: AdminAccess | None = None
    deactivation: str | None = None
    """What the target does on deactivation, when the user says (delete, keep); None: infer."""
    spc: dict[str, Any] | None = None
    """The target's ServiceProviderConfig, read once at the start (None: unreadable)."""
    target: TargetProfile = field(default_factory=TargetProfile)
    """RFC or platform, and what the target's /Schemas declares (read at the start)."""
    readback: ReadBack = field(default_factory=ReadBack)
    """Every write read back by id and by filter; the SRV-RBK checks report what differed."""
    check_id: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    schema_violations: list[SchemaViolation] = field(default_factory=list)
    cleanup: list[tuple[str, str | None]] = field(default_factory=list)
    """(resource URL, token) of everything the suite created, oldest first."""
    throwaway_apps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Remarks of the current check, shown with its verdict (e.g. what it could not reach)."""
    responses_validated: int = 0
    cache: dict[str, Any] = field(default_factory=dict)
    """Setup shared between checks (e.g. throwaway apps), keyed by the check module."""
    user_agent: str = field(default_factory=lambda: harness_user_agent("server suite"))
    """Sent on every request, so the client suite never judges the server suite's traffic."""
    _population: Population | None = None
    _population_error: str | None = None

    # -- HTTP ---------------------------------------------------------------------------

    def note(self, message: str) -> None:
        """Add a remark to the current check's verdict (a pass or a skip can carry one too)."""
        if message and message not in self.notes:
            self.notes.append(message)

    def url(self, path: str, base: str | None = None) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return (base or self.base_url).rstrip("/") + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content: bytes | None = None,
        params: Sequence[tuple[str, str]] | Mapping[str, str] | None = None,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        token: str | None = USE_TOKEN,
        base: str | None = None,
        note: str = "",
        validate: bool = True,
        accept: str | None = SCIM_MEDIA_TYPE,
        readback: bool = True,
    ) -> Reply:
        """Send one request, record it, validate the response body against its JSON Schema.

        ``params`` are percent-encoded (``%20`` for spaces); ``query`` is sent as it is.
        ``token=None`` sends no Authorization header; the default sends the suite's token.
        ``accept=None`` sends no Accept header. A successful write is read back
        (:mod:`~scim_harness.conformance.server.readback`) unless ``readback`` is False: then
        the resource's expected state is forgotten (the write is not one the suite models).
        """
        url = self.url(path, base)
        if params:
            pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
            query = "&".join(filter(None, [query, urlencode(pairs, quote_via=quote)]))
        if query:
            url = f"{url}?{query}"
        sent: dict[str, str] = {"User-Agent": self.user_agent}
        if accept:
            sent["Accept"] = accept
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode()
            sent["Content-Type"] = SCIM_MEDIA_TYPE
        sent.update(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {self.token if token == USE_TOKEN else token}"
        started = time.monotonic()
        response = await self.http.request(method, url, content=content, headers=sent)
        data = _parse(response)
        recorded_body = body
        if recorded_body is None and content is not None:
            recorded_body = content.decode("utf-8", "replace")[:_MAX_RECORDED_TEXT]
        exchange = Exchange(
            method=method,
            url=url,
            request_headers=_mask(sent),
            request_body=recorded_body,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=data,
            note=note,
        )
        self.exchanges.append(exchange)
        if validate:
            self._validate(exchange, method, url, query, response.status_code, data)
        reply = Reply(response.status_code, response.headers, data, exchange)
        if readback:
            sent_body = body if body is not None else _parsed_content(content)
            await self.readback.after(
                self,
                reply,
                base=base,
                token=self.token if token == USE_TOKEN else token,
                sent=sent_body,
                started=started,
            )
        elif method != "GET":
            self.readback.forget(url)
        return reply

    def _validate(
        self, exchange: Exchange, method: str, url: str, query: str, status: int, data: Any
    ) -> None:
        projected = "attributes=" in query.lower() or "attributes" in _search_keys(
            method, url, exchange
        )
        found = response_schema_errors(
            method, url, status, data, projected=projected, cursor=_cursor_request(query, exchange)
        )
        if found is None:
            return
        schema, messages = found
        self.responses_validated += 1
        if not messages:
            return
        shown = "; ".join(messages[:5])
        exchange.note = "; ".join(filter(None, [exchange.note, f"breaks {schema}: {shown}"]))
        self.schema_violations.append(
            SchemaViolation(self.check_id, exchange, schema, tuple(messages))
        )

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return await self.request("POST", path, body=body, **kwargs)

    async def put(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return await self.request("PUT", path, body=body, **kwargs)

    async def patch(self, path: str, operations: list[dict[str, Any]], **kwargs: Any) -> Reply:
        """A PatchOp message (RFC 7644 §3.5.2) with ``operations``."""
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
        return await self.request("PATCH", path, body={**body, "Operations": operations}, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("DELETE", path, **kwargs)

    # -- discovery ----------------------------------------------------------------------

    def supports(self, feature: str) -> bool | None:
        """What ServiceProviderConfig says of ``feature`` (None: it could not be read)."""
        if self.spc is None:
            return None
        value = self.spc.get(feature)
        return bool(value.get("supported")) if isinstance(value, dict) else False

    def spc_number(self, feature: str, key: str) -> int | None:
        value = self.spc.get(feature) if self.spc else None
        number = value.get(key) if isinstance(value, dict) else None
        return number if isinstance(number, int) and not isinstance(number, bool) else None

    # -- test data ----------------------------------------------------------------------

    def remember(
        self, reply: Reply, endpoint: str, *, token: str | None = USE_TOKEN, base: str | None = None
    ) -> str | None:
        """Register a created resource for clean-up; returns its id."""
        rid = reply.field("id")
        location = reply.headers.get("location")
        if isinstance(rid, str) and rid:
            url = self.url(f"{endpoint}/{quote(rid, safe='')}", base)
        elif location:
            url = location
            rid = location.rstrip("/").rsplit("/", 1)[-1]
        else:
            return None
        self.cleanup.append((url, self.token if token == USE_TOKEN else token))
        return str(rid)

    async def create(
        self,
        endpoint: str,
        body: dict[str, Any],
        *,
        what: str = "",
        token: str | None = USE_TOKEN,
        base: str | None = None,
    ) -> dict[str, Any]:
        """POST ``body``; anything but 201 with an id fails the check (setup, not the rule)."""
        reply = await self.post(endpoint, body, token=token, base=base)
        rid = self.remember(reply, endpoint, token=token, base=base) if reply.status < 300 else None
        if reply.status != 201 or rid is None or not isinstance(reply.body, dict):
            label = what or endpoint.strip("/").rstrip("s").lower()
            msg = (
                f"could not create the test {label}: POST {endpoint} answered "
                f"{reply.status} {detail(reply)}"
            )
            raise CheckFailed(msg)
        created: dict[str, Any] = reply.body
        return created

    async def create_user(self, tag: str, **overrides: Any) -> dict[str, Any]:
        return await self.create("/Users", self.namespace.user(tag, **overrides), what="user")

    async def create_group(self, tag: str, members: Sequence[str] = ()) -> dict[str, Any]:
        return await self.create("/Groups", self.namespace.group(tag, members), what="group")

    async def population(self) -> Population:
        """The shared, read-only population the filter, paging and sorting checks query."""
        if self._population is not None:
            return self._population
        if self._population_error is not None:
            raise CheckFailed(self._population_error)
        population = self.namespace.population()
        try:
            for person in population.people:
                created = await self.create_user(person.tag, **person.overrides())
                population.ids[person.tag] = created["id"]
            for group in population.groups:
                members = [population.ids[t] for t in group.members]
                created = await self.create_group(group.tag, members)
                population.ids[group.tag] = created["id"]
        except CheckFailed as exc:
            self._population_error = f"the shared test population is incomplete: {exc}"
            raise
        self._population = population
        return population

    def require_admin(self) -> AdminAccess:
        if self.admin is None:
            msg = "needs the reference server's admin API (pass admin access to run it)"
            raise CheckSkipped(msg)
        return self.admin


def _parsed_content(content: bytes | None) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None


def _search_keys(method: str, url: str, exchange: Exchange) -> set[str]:
    """Lower-cased keys of a /.search body, to know whether it asked for a projection."""
    if method != "POST" or not url.split("?", 1)[0].endswith("/.search"):
        return set()
    body = exchange.request_body
    if not isinstance(body, dict):
        return set()
    keys = {k.lower() for k in body}
    return {"attributes"} if keys & {"attributes", "excludedattributes"} else set()


def _cursor_request(query: str, exchange: Exchange) -> bool:
    """The request asked for an RFC 9865 cursor page (``cursor`` in the query or the body)."""
    names = {pair.split("=", 1)[0].lower() for pair in query.split("&") if pair}
    body = exchange.request_body
    return "cursor" in names or (isinstance(body, dict) and "cursor" in body)


def detail(reply: Reply) -> str:
    """The error detail (or the start of the body) of a reply, for failure messages."""
    if isinstance(reply.body, dict):
        return str(reply.body.get("detail") or reply.body.get("scimType") or "")[:300]
    if isinstance(reply.body, str):
        return reply.body[:300]
    return str(reply.body or "")[:300]
