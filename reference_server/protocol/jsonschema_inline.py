"""Inline a JSON Schema's ``$ref``s once, so validation does not resolve them on every call.

python-jsonschema looks a ``$ref`` up in its registry each time it meets one, and that lookup
is about a third of the time a full User takes to validate. The schema files stay small and
share their pieces by ``$ref``; the validators are compiled from a copy in which every
non-recursive reference is replaced by (a copy of) its target. A recursive reference (a SCIM
attribute definition's ``subAttributes``) stays a ``$ref``, made absolute so that it still
resolves through the registry.

Replacing ``{"$ref": X, ...}`` by ``{..., "allOf": [target]}`` when the reference has sibling
keywords keeps the draft 2020-12 meaning exactly: a ``$ref`` applies its target like one more
``allOf`` entry, and keywords that look at their siblings (``additionalProperties``,
``unevaluated*``, ``minContains``...) never see into an ``allOf``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urldefrag, urljoin

import referencing

__all__ = ["inline_refs"]

# Keywords whose values are data, not subschemas: a "$ref" key in them is not a reference.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})
# Keywords that only make sense at the root of a schema resource.
_RESOURCE_KEYWORDS = frozenset({"$id", "$schema", "$defs"})
_ANNOTATIONS = frozenset({"$comment", "description", "title"})


def inline_refs(
    schema: dict[str, Any], base_uri: str, registry: referencing.Registry[Any]
) -> dict[str, Any]:
    """A copy of ``schema`` (whose ``$id`` is ``base_uri``) with its references inlined.

    The root keeps its ``$id``, ``$schema`` and ``$defs`` unchanged (and a ``$ref`` of its own).
    """
    inliner = _Inliner(registry)
    return {
        key: (value if key in _RESOURCE_KEYWORDS else inliner.walk(value, key, base_uri, ()))
        for key, value in schema.items()
    }


class _Inliner:
    def __init__(self, registry: referencing.Registry[Any]) -> None:
        self._resolver = registry.resolver()

    def walk(self, node: Any, keyword: str, base: str, stack: tuple[str, ...]) -> Any:
        """Inline the references below ``node``, the value of ``keyword`` in a schema."""
        if keyword in _DATA_KEYWORDS:
            return node
        if keyword in ("properties", "patternProperties", "$defs", "dependentSchemas"):
            if isinstance(node, dict):
                return {name: self.schema(sub, base, stack) for name, sub in node.items()}
            return node
        if isinstance(node, list):
            return [self.schema(item, base, stack) for item in node]
        return self.schema(node, base, stack)

    def schema(self, node: Any, base: str, stack: tuple[str, ...]) -> Any:
        """Inline the references in the subschema ``node``."""
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$id"), str):
            base = urljoin(base, node["$id"])
        if isinstance(node.get("$ref"), str):
            return self._reference(node, base, stack)
        return {key: self.walk(value, key, base, stack) for key, value in node.items()}

    def _reference(self, node: dict[str, Any], base: str, stack: tuple[str, ...]) -> Any:
        target_uri = urljoin(base, node["$ref"])
        rest = {
            key: self.walk(value, key, base, stack) for key, value in node.items() if key != "$ref"
        }
        if target_uri in stack:
            # A recursive reference cannot be inlined: keep it, absolute, for the registry.
            return {"$ref": target_uri, **rest}
        contents = self._resolver.lookup(target_uri).contents
        target_base = urldefrag(target_uri).url
        target = self.schema(contents, target_base, (*stack, target_uri))
        if isinstance(target, dict):
            target = {k: v for k, v in target.items() if k not in _RESOURCE_KEYWORDS}
        if not set(rest) - _ANNOTATIONS:
            return target
        return {**rest, "allOf": [*rest.get("allOf", []), target]}
