"""A bounded least-recently-used cache: every cache the server keeps has a size it cannot pass.

Caches sit on paths any client reaches (app names in URLs, tokens, groups read with users),
so none may grow with what clients send: past ``capacity`` the entry used longest ago goes.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

__all__ = ["LruCache"]

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """``get``/``put`` in O(1); at most ``capacity`` entries."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            msg = "an LRU cache needs a capacity of at least 1"
            raise ValueError(msg)
        self.capacity = capacity
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The cached value (now the most recently used), or None."""
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data
