"""``bulkId`` references between the operations of one BulkRequest, and the order they run in.

RFC 7644 §3.7.2: a POST names the resource it creates with a ``bulkId``; any other operation
of the same request refers to that resource as ``"bulkId:<bulkId>"`` and the server replaces
the reference with the resource's ``id`` once it exists. A reference is found

- as a whole string value anywhere in ``data`` (``members[].value``, the enterprise
  ``manager.value``, a PATCH ``value``, ...);
- quoted inside a string, as in a PATCH value-filter path ``members[value eq "bulkId:q"]``;
- as the id segment of the operation's own path, ``/Groups/bulkId:q`` (see ``bulk.py``).

Order (the RFC lets the service provider choose): operations run in the order of the
request, except that a POST runs just before the first operation that refers to it. A set of
POSTs that refer to one another in a circle is not resolved: RFC 7644 §3.7.1 allows the server
to stop and answer 409 instead, which it does for every operation of the cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["PREFIX", "Plan", "plan", "references", "substitute"]

PREFIX = "bulkId:"
_QUOTED = re.compile(r'"bulkId:([^"]+)"')


def _strings_refs(text: str) -> Iterator[str]:
    if text.startswith(PREFIX):
        if len(text) > len(PREFIX):
            yield text[len(PREFIX) :]
        return
    for match in _QUOTED.finditer(text):
        yield match.group(1)


def references(value: Any) -> list[str]:
    """The bulkIds ``value`` refers to, in the order they first appear, each once."""
    found: dict[str, None] = {}
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.update(dict.fromkeys(_strings_refs(item)))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return list(found)


def substitute(value: Any, ids: Mapping[str, str]) -> Any:
    """A copy of ``value`` with each reference to a bulkId in ``ids`` replaced by its id."""
    if isinstance(value, str):
        if value.startswith(PREFIX) and value[len(PREFIX) :] in ids:
            # RFC 7644 §3.7.2: "bulkId:qwerty" becomes the permanent resource id.
            return ids[value[len(PREFIX) :]]
        return _QUOTED.sub(
            lambda m: f'"{ids[m.group(1)]}"' if m.group(1) in ids else m.group(0), value
        )
    if isinstance(value, dict):
        return {k: substitute(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, ids) for v in value]
    return value


@dataclass(frozen=True)
class Plan:
    """The operations' indexes in the order they run, and those on a reference cycle."""

    order: list[int]
    circular: frozenset[int]


def plan(defines: Sequence[str | None], refers: Sequence[Sequence[str]]) -> Plan:
    """Order operations so that a POST runs before the operations that refer to its bulkId.

    ``defines[i]`` is the bulkId operation ``i`` creates (a POST), ``refers[i]`` the bulkIds it
    refers to. A depth-first walk in request order, without recursion (a long chain of
    references cannot exhaust the Python stack); a reference back to an operation still on
    the walk's path closes a cycle.
    """
    creator = {bulk_id: i for i, bulk_id in enumerate(defines) if bulk_id is not None}
    needs = [sorted({creator[r] for r in refs if r in creator}) for refs in refers]
    state = [0] * len(defines)  # 0 not seen, 1 on the current path, 2 placed
    order: list[int] = []
    circular: set[int] = set()
    for root in range(len(defines)):
        if state[root]:
            continue
        state[root] = 1
        path: list[tuple[int, Iterator[int]]] = [(root, iter(needs[root]))]
        while path:
            node, pending = path[-1]
            for dep in pending:
                if state[dep] == 0:
                    state[dep] = 1
                    path.append((dep, iter(needs[dep])))
                    break
                if state[dep] == 1:
                    # RFC 7644 §3.7.1: a circular reference; every operation on it gets 409.
                    start = next(i for i, (n, _) in enumerate(path) if n == dep)
                    circular.update(n for n, _ in path[start:])
            else:
                path.pop()
                state[node] = 2
                order.append(node)
    return Plan(order, frozenset(circular))
