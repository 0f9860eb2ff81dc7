"""What a response shows: ``attributes``/``excludedAttributes`` and ``returned`` (RFC 7644 §3.9).

``returned: always`` attributes (``id``, ``schemas``) are always shown, ``returned: never``
ones (``password``) never; ``attributes`` keeps only the listed ones, ``excludedAttributes``
drops them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.protocol.schema import ResourceType
from scim_harness.reference_server.query import filters

__all__ = ["Projection", "parse_projection"]

_ALWAYS = {"id", "schemas"}


@dataclass(frozen=True)
class Projection:
    """A parsed ``attributes`` or ``excludedAttributes`` request (at most one of them)."""

    include: tuple[filters.AttrPath, ...] = ()
    exclude: tuple[filters.AttrPath, ...] = ()

    @property
    def is_default(self) -> bool:
        return not self.include and not self.exclude

    def apply(self, rtype: ResourceType, resource: dict[str, Any]) -> dict[str, Any]:
        if self.include:
            return _include(rtype, resource, self.include)
        if self.exclude:
            return _exclude(rtype, resource, self.exclude)
        return resource


def parse_projection(
    rtype: ResourceType, attributes: Iterable[str] | None, excluded: Iterable[str] | None
) -> Projection:
    """Parse the comma-separated (or listed) attribute paths of the two parameters."""
    return Projection(
        include=tuple(_paths(rtype, attributes)),
        exclude=tuple(_paths(rtype, excluded)),
    )


def _paths(rtype: ResourceType, raw: Iterable[str] | None) -> list[filters.AttrPath]:
    out: list[filters.AttrPath] = []
    for item in raw or ():
        for part in item.split(","):
            if part.strip():
                out.append(filters.parse_attr_path(part.strip(), rtype))
    return out


def _container(rtype: ResourceType, path: filters.AttrPath) -> str | None:
    """The top-level key holding this path's attribute: None for core, the URN for extensions."""
    if path.uri is None or path.uri.lower() == rtype.schema.id.lower():
        return None
    ext = rtype.extension(path.uri)
    return None if ext is None else ext.id


def _include(
    rtype: ResourceType, resource: dict[str, Any], paths: tuple[filters.AttrPath, ...]
) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in resource.items() if k in _ALWAYS}
    for path in paths:
        container = _container(rtype, path)
        if path.uri and container is None and path.uri.lower() != rtype.schema.id.lower():
            continue
        source: Any = resource if container is None else resource.get(container)
        if container is not None and path.attr == "" and isinstance(source, dict):
            out[container] = source
            continue
        if not isinstance(source, dict):
            continue
        key = _key(source, path.attr)
        if key is None:
            continue
        target = out if container is None else out.setdefault(container, {})
        value = source[key]
        if path.sub is None:
            target[key] = value
        elif isinstance(value, list):
            picked = [_pick(v, path.sub) for v in value if isinstance(v, dict)]
            merged = target.get(key)
            if isinstance(merged, list) and len(merged) == len(picked):
                target[key] = [{**m, **p} for m, p in zip(merged, picked, strict=True)]
            else:
                target[key] = picked
        elif isinstance(value, dict):
            target.setdefault(key, {}).update(_pick(value, path.sub))
    return out


def _exclude(
    rtype: ResourceType, resource: dict[str, Any], paths: tuple[filters.AttrPath, ...]
) -> dict[str, Any]:
    out = dict(resource)
    for path in paths:
        container = _container(rtype, path)
        if container is not None and path.attr == "":
            out.pop(container, None)
            continue
        if container is None:
            holder = out
        else:
            holder = dict(out.get(container) or {})
            out[container] = holder
        key = _key(holder, path.attr)
        if key is None or (container is None and key in _ALWAYS):
            continue
        if path.sub is None:
            del holder[key]
        elif isinstance(holder[key], list):
            holder[key] = [_drop(v, path.sub) for v in holder[key] if isinstance(v, dict)]
        elif isinstance(holder[key], dict):
            holder[key] = _drop(holder[key], path.sub)
    return out


def _key(source: dict[str, Any], name: str) -> str | None:
    lowered = name.lower()
    for key in source:
        if key.lower() == lowered:
            return key
    return None


def _pick(value: dict[str, Any], sub: str) -> dict[str, Any]:
    key = _key(value, sub)
    return {} if key is None else {key: value[key]}


def _drop(value: dict[str, Any], sub: str) -> dict[str, Any]:
    key = _key(value, sub)
    return {k: v for k, v in value.items() if k != key}
