"""Walking a list of the reference server with RFC 9865 cursors, for the cursor tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
Between = Callable[[int], Awaitable[None]]
"""Called after each page with the number of pages read so far (concurrent writes)."""


async def cursor_walk(
    scim: httpx.AsyncClient,
    path: str = "/Users",
    *,
    between: Between | None = None,
    max_pages: int = 200,
    **params: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow nextCursor from an empty cursor to the last page: (resources, page bodies)."""
    seen: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(max_pages):
        response = await scim.get(path, params={**params, "cursor": cursor})
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        seen.extend(body["Resources"])
        if "nextCursor" not in body:
            return seen, pages
        cursor = body["nextCursor"]
        if between is not None:
            await between(len(pages))
    raise AssertionError(f"no last page within {max_pages} pages")


async def search_walk(
    scim: httpx.AsyncClient, path: str, **body: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The same walk with POST ``path`` (a ``/.search``): the cursor travels in the body."""
    seen: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(200):
        response = await scim.post(path, json={"schemas": [SEARCH], **body, "cursor": cursor})
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        seen.extend(page["Resources"])
        if "nextCursor" not in page:
            return seen, pages
        cursor = page["nextCursor"]
    raise AssertionError("no last page within 200 pages")


def ids(resources: list[dict[str, Any]]) -> list[str]:
    return [str(r["id"]) for r in resources]
