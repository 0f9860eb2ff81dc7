"""Walking a SCIM list page by page, with RFC 9865 cursors or RFC 7644 startIndex.

``walk(client, request)`` yields every resource of a list (a GET ``RequestSpec`` as a profile
shapes it, without paging parameters, or a ``POST /.search``), page by page:

- **cursor** (RFC 9865 §2): ``cursor=`` (empty) on the first page, then each ``nextCursor``
  exactly as returned, every other parameter unchanged, until a page without one;
- **index** (RFC 7644 §3.4.2.4): ``startIndex=1``, then the index after the last resource
  received, until ``totalResults`` is reached or a page comes back empty.

The method is ``client.paging``: ``"cursor"``, ``"index"`` or ``"auto"`` (the default), which
reads ``/ServiceProviderConfig`` once (unless the client already has) and uses cursors when
its ``pagination.cursor`` is true (RFC 9865 §4). The page size is capped to the advertised
``maxPageSize``. (``ScimClient.find`` applies the same choice to a profile's paged lookup,
Okta's ``startIndex=1&count=100``, without any extra request: ``paging.paged_lookup``.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimClientError
from scim_harness.simulated_client.paging import Method, Pagination, choose
from scim_harness.simulated_client.wire import RequestSpec, encode_query

__all__ = ["Page", "pages", "paging_method", "walk"]

_MAX_PAGES = 100_000


async def paging_method(
    client: ScimClient, like: RequestSpec | None = None
) -> tuple[Method, Pagination]:
    """The method a walk uses, reading /ServiceProviderConfig once when ``auto`` needs it
    (with the headers of ``like``, the request that needs a walk, as its profile sends them)."""
    if client.paging == "auto" and client.service_provider_config is None:
        headers = like.headers if like else ()
        try:
            await client.send(RequestSpec("GET", "/ServiceProviderConfig", headers=headers))
        except ScimClientError:
            client.service_provider_config = {}  # unreadable: index, and do not ask again
    config = client.service_provider_config
    return choose(client.paging, config), Pagination.from_config(config)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a walk: its resources and the body it came in."""

    number: int
    resources: list[dict[str, Any]]
    body: dict[str, Any]


def _with(request: RequestSpec, params: list[tuple[str, str]]) -> RequestSpec:
    """``request`` with paging parameters: appended to the query, or put in a search body."""
    if request.method == "POST":
        body = dict(request.body or {})
        for key, value in params:
            body[key] = int(value) if key in ("count", "startIndex") else value
        return replace(request, body=body)
    extra = encode_query(params)
    return replace(request, query=f"{request.query}&{extra}" if request.query else extra)


def _resources(body: Any) -> list[dict[str, Any]]:
    found = body.get("Resources") if isinstance(body, dict) else None
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


async def pages(
    client: ScimClient,
    request: RequestSpec,
    *,
    page_size: int | None = None,
    max_pages: int = _MAX_PAGES,
) -> AsyncIterator[Page]:
    """Every page of the list ``request`` names (see the module docstring)."""
    method, known = await paging_method(client, request)
    size = page_size
    if size is not None and known.max_page_size is not None:
        size = min(size, known.max_page_size)
    counted = [("count", str(size))] if size is not None else []
    cursor, start, received = "", 1, 0
    for number in range(1, max_pages + 1):
        if method == "cursor":
            params = [*counted, ("cursor", cursor)]
        else:
            params = [("startIndex", str(start)), *counted]
        reply = await client.send(_with(request, params))
        body = reply.body if isinstance(reply.body, dict) else {}
        found = _resources(body)
        yield Page(number, found, body)
        received += len(found)
        if method == "cursor":
            following = body.get("nextCursor")
            if not isinstance(following, str) or not following:
                return  # RFC 9865 §2: no nextCursor, no more pages
            if following == cursor:
                msg = f"{request.method} {request.path}: the server returned the same cursor"
                raise ScimClientError(msg, target=f"{request.method} {request.path}")
            cursor = following
            continue
        total = body.get("totalResults")
        if not found or (isinstance(total, int) and received >= total):
            return
        start += len(found)
    msg = f"{request.method} {request.path}: more than {max_pages} pages"
    raise ScimClientError(msg, target=f"{request.method} {request.path}")


async def walk(
    client: ScimClient,
    request: RequestSpec,
    *,
    page_size: int | None = None,
    max_pages: int = _MAX_PAGES,
) -> AsyncIterator[dict[str, Any]]:
    """Every resource of the list ``request`` names, in the server's order."""
    async for page in pages(client, request, page_size=page_size, max_pages=max_pages):
        for resource in page.resources:
            yield resource
