"""Which paging method a client uses, and a paged lookup rewritten for it (no I/O).

RFC 9865 §4: a ServiceProviderConfig may carry ``pagination`` with ``cursor``/``index``
booleans and ``maxPageSize``. A client's choice (``push --paging``) is ``cursor``, ``index``
or ``auto``: cursors when the configuration it read advertises them, index otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import unquote

from scim_harness.simulated_client.wire import RequestSpec

__all__ = ["PAGING_CHOICES", "Method", "Pagination", "choose", "paged_lookup"]

Method = Literal["cursor", "index"]
PAGING_CHOICES = ("auto", "cursor", "index")


@dataclass(frozen=True, slots=True)
class Pagination:
    """What a ServiceProviderConfig says of paging (RFC 9865 §4)."""

    cursor: bool = False
    index: bool = True
    max_page_size: int | None = None

    @classmethod
    def from_config(cls, config: Any) -> Pagination:
        found = config.get("pagination") if isinstance(config, dict) else None
        if not isinstance(found, dict):
            return cls()
        size = found.get("maxPageSize")
        return cls(
            cursor=found.get("cursor") is True,
            index=found.get("index") is not False,
            max_page_size=size if isinstance(size, int) and size > 0 else None,
        )


def choose(paging: str, config: Any) -> Method:
    """``cursor`` or ``index`` for the choice ``paging`` and the configuration read (if any)."""
    if paging == "cursor":
        return "cursor"
    if paging == "index":
        return "index"
    return "cursor" if Pagination.from_config(config).cursor else "index"


def paged_lookup(paging: str, config: Any, request: RequestSpec) -> RequestSpec:
    """A lookup that pages by index (``startIndex`` in its query, as Okta sends) asks for the
    first cursor page instead when the choice is cursor; the rest stays byte for byte."""
    if "startindex=" not in request.query.lower() or choose(paging, config) != "cursor":
        return request
    parts = [
        "cursor=" if unquote(part.split("=", 1)[0]).lower() == "startindex" else part
        for part in request.query.split("&")
    ]
    return replace(request, query="&".join(parts))
