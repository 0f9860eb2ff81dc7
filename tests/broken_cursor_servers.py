"""Reference servers with a broken RFC 9865 cursor pagination, for proving the cursor checks.

Built like :mod:`broken_servers`: a middleware rewrites requests and responses around the
untouched reference server. Each variant names the check meant to catch it and every check
(MUST or SHOULD) expected to fail with it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from broken_servers import Exchange, Rewrite, Rewriting, call, scim_rest, with_request
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.types import ASGIApp

_LISTS = ("/Users", "/Groups", "/Users/.search", "/Groups/.search", "/.search")
_OFFSET = re.compile(r"^o(\d{1,9})$")


def _pairs(exchange: Exchange) -> list[tuple[str, str]]:
    return parse_qsl(exchange.scope["query_string"].decode(), keep_blank_values=True)


def _cursor_of(exchange: Exchange) -> str | None:
    """The cursor a list request carries (query or SearchRequest body), or None."""
    if exchange.method == "GET":
        return next((v for k, v in _pairs(exchange) if k.lower() == "cursor"), None)
    body = exchange.json()
    value = body.get("cursor") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def _without_cursor(exchange: Exchange, start: int | None = None) -> Exchange:
    """The same request with no cursor; ``start`` adds ``startIndex`` instead."""
    if exchange.method == "GET":
        kept = [(k, v) for k, v in _pairs(exchange) if k.lower() != "cursor"]
        if start is not None:
            kept.append(("startIndex", str(start)))
        return with_request(exchange, query=urlencode(kept))
    body = dict(exchange.json() or {})
    body.pop("cursor", None)
    if start is not None:
        body["startIndex"] = start
    return with_request(exchange, body=body)


def _error(done: Exchange, scim_type: str, detail: str) -> Exchange:
    done.status = 400
    done.headers = [(b"content-type", b"application/scim+json")]
    error = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400"}
    done.response = json.dumps({**error, "scimType": scim_type, "detail": detail}).encode()
    return done


def _is_list(exchange: Exchange) -> bool:
    rest = scim_rest(exchange)
    wanted = "GET" if rest in ("/Users", "/Groups") else "POST"
    return rest in _LISTS and exchange.method == wanted


async def ignore_cursor(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Drops the cursor parameter: every cursor request gets an index page, no nextCursor."""
    if _is_list(exchange) and _cursor_of(exchange) is not None:
        exchange = _without_cursor(exchange)
    return await call(app, exchange.scope, exchange.body)


async def offset_cursor(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Cursors that are offsets in disguise (``o<startIndex>``): a delete before the position
    skips a resource, an insert before it repeats one."""
    cursor = _cursor_of(exchange) if _is_list(exchange) else None
    if cursor is None:
        return await call(app, exchange.scope, exchange.body)
    found = _OFFSET.match(cursor)
    if cursor and found is None:
        return _error(Exchange(exchange.scope, b""), "invalidCursor", "not a cursor of ours")
    start = int(found.group(1)) if found else 1
    exchange = _without_cursor(exchange, start)
    done = await call(app, exchange.scope, exchange.body)
    page = done.response_json()
    if done.status == 200 and isinstance(page, dict):
        shown = len(page.get("Resources") or [])
        page.pop("startIndex", None)
        if shown and start - 1 + shown < int(page.get("totalResults", 0)):
            page["nextCursor"] = f"o{start + shown}"
        done.response = json.dumps(page).encode()
    return done


_MINTED: dict[str, tuple[str, bytes]] = {}
"""cursor -> (app path prefix, Authorization header) of the request that received it."""
_APP = re.compile(r"^(/apps/[^/]+/scim/v2)")


async def accept_foreign_cursor(app: ASGIApp, exchange: Exchange) -> Exchange:
    """Trusts the app a cursor was issued to: another app's cursor pages that app's data."""
    prefix = _APP.match(exchange.path)
    cursor = _cursor_of(exchange) if _is_list(exchange) else None
    minted = _MINTED.get(cursor or "")
    if prefix and minted is not None and minted[0] != prefix.group(1):
        path = minted[0] + exchange.path[len(prefix.group(1)) :]
        headers = [(k, v) for k, v in exchange.scope["headers"] if k != b"authorization"]
        headers.append((b"authorization", minted[1]))
        scope = {**exchange.scope, "path": path, "raw_path": path.encode(), "headers": headers}
        exchange = Exchange(scope, exchange.body)
    done = await call(app, exchange.scope, exchange.body)
    page = done.response_json()
    if prefix and isinstance(page, dict):
        auth = next((v for k, v in exchange.scope["headers"] if k == b"authorization"), b"")
        for name in ("nextCursor", "previousCursor"):
            if isinstance(page.get(name), str):
                _MINTED[page[name]] = (_APP.match(exchange.path).group(1), auth)  # type: ignore[union-attr]
    return done


@dataclass(frozen=True)
class BrokenCursorServer:
    name: str
    description: str
    meant: str
    failed: frozenset[str]
    """Every check (MUST or SHOULD) expected to fail: ``meant`` and its collateral."""
    rewrite: Rewrite

    def build(self, store: SqliteStore) -> ASGIApp:
        return Rewriting(create_app(ServerSettings(), store=store), self.rewrite)


BROKEN_CURSOR_SERVERS: tuple[BrokenCursorServer, ...] = (
    BrokenCursorServer(
        "cursor-ignored",
        "advertises cursors, then ignores the cursor parameter",
        "SRV-CUR-003",
        # No first page has a nextCursor: every walk, and every check needing a cursor, fails
        # (the one-page walk also contradicts its totalResults, SRV-CUR-008);
        # count=two is then an index request (400 invalidValue, not invalidCount).
        frozenset(
            {
                *(f"SRV-CUR-{n:03d}" for n in (2, 3, 4, 8, 9, 10, 12, 13, 14, 16, 18, 19, 20)),
            }
        ),
        ignore_cursor,
    ),
    BrokenCursorServer(
        "offset-cursor",
        "cursors are startIndex offsets: skips and repeats under concurrent writes",
        "SRV-CUR-018",
        # The same offset is valid in any app (SRV-CUR-014), though the data stays confined;
        # count=two becomes an index request (400 invalidValue, SRV-CUR-016).
        frozenset({"SRV-CUR-014", "SRV-CUR-016", "SRV-CUR-018", "SRV-CUR-019"}),
        offset_cursor,
    ),
    BrokenCursorServer(
        "foreign-cursor-accepted",
        "pages the data of the app a cursor was issued to, whichever app it is sent to",
        "SRV-CUR-013",
        frozenset({"SRV-CUR-013", "SRV-CUR-014"}),
        accept_foreign_cursor,
    ),
)
