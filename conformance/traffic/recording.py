r"""A client's recorded traffic: the reference server's request records of one app, in order.

:class:`Traffic` holds the records oldest first and reads them as :class:`Record`\ s. Traffic
comes from the admin API (:func:`fetch_traffic`) or from a JSON-lines export
(:func:`load_traffic_jsonl`), one record per line, and can be written back
(:func:`dump_traffic_jsonl`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from scim_harness.conformance.traffic.index import TrafficIndex
from scim_harness.conformance.traffic.records import Record

if TYPE_CHECKING:
    from scim_harness.conformance.client.reconcile import PlatformView

__all__ = ["Traffic", "dump_traffic_jsonl", "fetch_traffic", "load_traffic_jsonl"]

_PAGE = 500


@dataclass
class Traffic:
    """The reference server's request records of one app, oldest first."""

    records: list[dict[str, Any]]
    source: str = ""
    """Where the records came from (an admin URL and app, a file), for reports."""
    platform: PlatformView | None = field(default=None, repr=False)
    """The platform's directory at the end of the run and the source's intended state, for
    the reconciliation checks (``check client --expect``); None without them."""
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Views other modules compute from these records once (e.g. the client state model)."""

    @cached_property
    def requests(self) -> list[Record]:
        """Every record, read, in ``seq`` order."""
        read = [Record.from_json(raw, i + 1) for i, raw in enumerate(self.records)]
        return sorted(read, key=lambda r: r.seq)

    @cached_property
    def index(self) -> TrafficIndex:
        """What the traffic says about resources: ids, names, deletions, deactivations."""
        return TrafficIndex.build(self.requests)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.requests)

    def select(self, method: str | None = None, endpoint: str | None = None) -> list[Record]:
        """The requests with this method and/or on this endpoint, in order."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (endpoint is None or r.endpoint == endpoint)
        ]

    def summary(self) -> dict[str, Any]:
        """Figures for a report's details: how many requests, which seqs, when."""
        reqs = self.requests
        times = [r.at for r in reqs if r.at is not None]
        return {
            "source": self.source,
            "requests": len(reqs),
            "first_seq": reqs[0].seq if reqs else None,
            "last_seq": reqs[-1].seq if reqs else None,
            "first_at": min(times).isoformat() if times else None,
            "last_at": max(times).isoformat() if times else None,
        }


def _records_from_lines(lines: Iterable[str], where: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            msg = f"{where}, line {number}: not JSON ({exc})"
            raise ValueError(msg) from None
        if not isinstance(value, dict):
            msg = f"{where}, line {number}: a request record must be a JSON object"
            raise ValueError(msg)
        records.append(value)
    return records


def load_traffic_jsonl(path: Path) -> Traffic:
    """Traffic from a JSON-lines export (``/admin/apps/{app}/requests.jsonl``), one record a line.

    ``ValueError`` names the line when one is not a JSON object.
    """
    with Path(path).open(encoding="utf-8") as handle:
        records = _records_from_lines(handle, str(path))
    return Traffic(records, source=str(path))


def dump_traffic_jsonl(traffic: Traffic, path: Path) -> None:
    """Write the records as JSON lines, in ``seq`` order; :func:`load_traffic_jsonl` reads them."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for record in traffic.requests:
            handle.write(json.dumps(record.raw, ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")


def _page_records(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        for key in ("requests", "records", "items", "Resources"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        msg = "the admin API answered a page of requests that is not a list of records"
        raise ValueError(msg)
    return [r for r in data if isinstance(r, dict)]


async def fetch_traffic(
    http: httpx.AsyncClient, admin_url: str, admin_token: str, app: str
) -> Traffic:
    """All recorded requests of ``app`` from the reference server's admin API, oldest first.

    ``admin_url`` is the admin API's root (``http://host:port/admin``). Pages of
    ``GET {admin_url}/apps/{app}/requests?after=<seq>&limit=<n>`` are followed through their
    ``nextAfter`` until it is null. A refusal raises ``httpx.HTTPStatusError``.
    """
    base = admin_url.rstrip("/")
    url = f"{base}/apps/{app}/requests"
    headers = {"Authorization": f"Bearer {admin_token}", "Accept": "application/json"}
    records: list[dict[str, Any]] = []
    after = 0
    while True:
        response = await http.get(url, params={"after": after, "limit": _PAGE}, headers=headers)
        response.raise_for_status()
        body = response.json()
        page = [r for r in _page_records(body) if _seq(r) > after]
        records.extend(page)
        if isinstance(body, dict) and "nextAfter" in body:
            following = body["nextAfter"]
            if not isinstance(following, int) or following <= after:
                break
            after = following
        elif page:  # no cursor in the answer: go on from the last seq until a page is empty
            after = max(_seq(r) for r in page)
        else:
            break
    return Traffic(records, source=f"{base} app {app}")


def _seq(record: dict[str, Any]) -> int:
    seq = record.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0
