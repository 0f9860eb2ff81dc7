"""What goes on the wire: schema URNs, one request to send, and query-string encoding.

A :class:`RequestSpec` is the exact request a profile wants sent (method, path relative to the
base URL, raw query string, headers, JSON body); :mod:`simulated_client.client` sends it.
Query strings are built here, byte for byte, so that a profile can choose ``+`` or ``%20``
for spaces in a filter the way the real client it imitates does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, quote_plus

__all__ = [
    "ADSCIM_GROUP_SCHEMA",
    "ENTERPRISE_USER_SCHEMA",
    "ERROR_SCHEMA",
    "GROUP_SCHEMA",
    "LIST_RESPONSE_SCHEMA",
    "PATCH_OP_SCHEMA",
    "USER_SCHEMA",
    "FilterSpaces",
    "RequestSpec",
    "encode_query",
    "eq_filter",
    "resource_path",
]

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
# Sent by Microsoft Entra ID on group creation next to the core Group schema (Microsoft docs).
ADSCIM_GROUP_SCHEMA = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

FilterSpaces = Literal["plus", "percent"]

# RFC 3986 §3.3: characters allowed in a path segment without percent-encoding.
_PCHAR_SAFE = "-._~!$&'()*+,;=:@"


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One request exactly as a profile shapes it; ``path`` is relative to the base URL."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = None

    @property
    def target(self) -> str:
        """Path and query as they appear in the request line (relative to the base URL)."""
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def has_body(self) -> bool:
        return self.body is not None


def eq_filter(attribute: str, value: str) -> str:
    """``attribute eq "value"`` with the value written as a JSON string.

    RFC 7644 §3.4.2.2: ``compValue`` is a JSON string, so ``"`` and ``\\`` are escaped.
    """
    return f"{attribute} eq {json.dumps(value, ensure_ascii=False)}"


def encode_query(
    params: Sequence[tuple[str, str | None]], *, spaces: FilterSpaces = "percent"
) -> str:
    """A raw query string; ``None`` as a value writes a bare flag (``?aadOptscim062020``).

    ``spaces="plus"`` is form encoding (space as ``+``, a literal ``+`` as ``%2B``), as sent by
    Microsoft Entra ID; ``"percent"`` writes ``%20`` (RFC 3986), as sent by Okta.
    """
    encode = quote_plus if spaces == "plus" else quote
    parts: list[str] = []
    for name, value in params:
        if value is None:
            parts.append(quote(name, safe=""))
        else:
            parts.append(f"{quote(name, safe='')}={encode(value, safe='')}")
    return "&".join(parts)


def resource_path(endpoint: str, resource_id: str) -> str:
    """``/Users/{id}`` with the id percent-encoded as one path segment (RFC 3986 §3.3)."""
    return f"{endpoint}/{quote(resource_id, safe=_PCHAR_SAFE)}"
