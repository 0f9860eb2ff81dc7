"""The Directory tab: the platform's own user and group records, searched and paged.

These are the records the app's mapping made of the SCIM resources (what the platform
keeps), not the SCIM resources themselves: a user deleted on deactivation is gone from here.
"""

from __future__ import annotations

from scim_harness.reference_server.console.web import Page
from starlette.responses import Response

__all__ = ["PAGE_SIZE", "directory"]

PAGE_SIZE = 25
_MAX_SEARCH = 200


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < len(text) < 7 else 1


async def directory(page: Page) -> Response:
    kind = "groups" if page.param("kind") == "groups" else "users"
    search = page.param("q").strip()[:_MAX_SEARCH]
    number = _page_number(page.param("page", "1"))
    rtype = "Group" if kind == "groups" else "User"
    start = (number - 1) * PAGE_SIZE
    total, records = page.store.directory_records(
        page.app.name, rtype, start, PAGE_SIZE, search=search or None
    )
    last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return page.render(
        "directory.html",
        tab="directory",
        kind=kind,
        search=search,
        records=records,
        total=total,
        number=number,
        last=last,
        first_shown=start + 1 if records else 0,
        last_shown=start + len(records),
    )
