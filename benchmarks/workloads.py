"""The workload: the same requests, built from one seeded population, for every target.

Only the path prefix and the server-assigned ids differ between targets; everything else (which
users are looked up, in which order, what each PATCH says) comes from the seed, so the figures
of two targets compare the same work.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from scim_harness.simulated_client.generate.people import GeneratedUser

__all__ = [
    "GROUP_SIZE",
    "ID_PATTERN",
    "PATCH_OP",
    "WORKLOADS",
    "Bounds",
    "Request",
    "Workload",
    "group_body",
    "requests_for",
]

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ID_PATTERN = r'"id":\s*"([^"]+)"'
GROUP_SIZE = 1000


Request = tuple[str, str, str | None]
"""(method, path, JSON body or None)."""


@dataclass(frozen=True)
class Workload:
    """One measured request mix: its name, how many in flight, and what answers are right."""

    name: str
    label: str
    sequential: bool = False
    """Sent one at a time (paging follows pages; one group's PATCHes serialise anyway)."""
    expect: tuple[int, ...] = (200,)
    warmup: bool = True


WORKLOADS: tuple[Workload, ...] = (
    Workload("post_users", "POST /Users", expect=(201,), warmup=False),
    Workload("get_by_id", "GET /Users/{id}"),
    Workload("filter_username", 'filter userName eq "..."'),
    Workload("filter_externalid", 'filter externalId eq "..."'),
    Workload("filter_email", 'filter emails[type eq "work"].value eq "..."'),
    Workload("filter_co", 'filter userName co "..." (scan)', sequential=True),
    Workload("paging", "page through all users, 100 a page", sequential=True),
    Workload("patch_active", "PATCH active=false", expect=(200, 204), warmup=False),
    Workload(
        "group_patch",
        f"PATCH members of a {GROUP_SIZE}-member group",
        sequential=True,
        expect=(200, 204),
        warmup=False,
    ),
)


@dataclass(frozen=True)
class Bounds:
    """How many requests a workload may send and for how long (every loop is bounded)."""

    requests: int = 20_000
    seconds: float = 10.0
    heavy_requests: int = 500
    """For the scanning ``co`` filter."""
    heavy_seconds: float = 15.0
    page_seconds: float = 180.0
    patches: int = 3000
    group_patches: int = 400
    post_seconds: float = 900.0


def _filter_path(base: str, expression: str, count: int | None = None) -> str:
    path = f"{base}/Users?filter={quote(expression, safe='')}"
    return path if count is None else f"{path}&count={count}"


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _patch(*operations: dict[str, Any]) -> str:
    return json.dumps({"schemas": [PATCH_OP], "Operations": list(operations)})


def group_body(member_ids: Sequence[str]) -> str:
    return json.dumps(
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "Benchmark group of one thousand",
            "members": [{"value": i} for i in member_ids],
        }
    )


def _co_fragment(user: GeneratedUser) -> str:
    local = user.user_name.split("@", 1)[0]
    return local[1:7] if len(local) > 7 else local


def requests_for(
    workload: str,
    *,
    base: str,
    users: Sequence[GeneratedUser],
    ids: Sequence[str],
    n: int,
    start: int,
    rng: random.Random,
    bounds: Bounds,
    group_id: str | None = None,
) -> tuple[list[Request], int, float]:
    """(requests, max requests, max seconds) of ``workload`` at ``n`` stored users.

    ``start`` is how many users were stored before this step (POST sends ``users[start:n]``).
    """
    sample = max(1, min(n, 2000))
    picks = [rng.randrange(n) for _ in range(sample)]
    if workload == "post_users":
        reqs: list[Request] = [
            ("POST", f"{base}/Users", json.dumps(u.scim_body())) for u in users[start:n]
        ]
        return reqs, len(reqs), bounds.post_seconds
    if workload == "get_by_id":
        return (
            [("GET", f"{base}/Users/{ids[i]}", None) for i in picks],
            bounds.requests,
            (bounds.seconds),
        )
    if workload in ("filter_username", "filter_externalid", "filter_email"):
        reqs = []
        for i in picks:
            user = users[i]
            if workload == "filter_username":
                expression = f"userName eq {_quoted(user.user_name)}"
            elif workload == "filter_externalid":
                expression = f"externalId eq {_quoted(user.external_id or user.user_name)}"
            else:
                expression = f'emails[type eq "work"].value eq {_quoted(user.email)}'
            reqs.append(("GET", _filter_path(base, expression), None))
        return reqs, bounds.requests, bounds.seconds
    if workload == "filter_co":
        reqs = [
            ("GET", _filter_path(base, f"userName co {_quoted(_co_fragment(users[i]))}", 100), None)
            for i in picks
        ]
        return reqs, bounds.heavy_requests, bounds.heavy_seconds
    if workload == "paging":
        pages = math.ceil(n / 100)
        reqs = [
            ("GET", f"{base}/Users?startIndex={1 + 100 * p}&count=100", None) for p in range(pages)
        ]
        return reqs, len(reqs), bounds.page_seconds
    if workload == "patch_active":
        count = min(bounds.patches, n)
        body = _patch({"op": "replace", "path": "active", "value": False})
        # Newest users first, so each step deactivates users no earlier step touched.
        targets = [ids[n - 1 - k] for k in range(count)]
        return [("PATCH", f"{base}/Users/{i}", body) for i in targets], count, bounds.seconds
    if workload == "group_patch":
        if group_id is None:
            return [], 0, 0.0
        reqs = []
        for k in range(bounds.group_patches // 2):
            member = ids[k % min(GROUP_SIZE, len(ids))]
            remove = _patch({"op": "remove", "path": f"members[value eq {_quoted(member)}]"})
            add = _patch({"op": "add", "path": "members", "value": [{"value": member}]})
            reqs.append(("PATCH", f"{base}/Groups/{group_id}", remove))
            reqs.append(("PATCH", f"{base}/Groups/{group_id}", add))
        return reqs, len(reqs), bounds.heavy_seconds
    msg = f"unknown workload {workload!r}"
    raise ValueError(msg)
