"""A least-recently-used cache bounded in megabytes, safe across threads, one per worker."""

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

MEGABYTE = 1024 * 1024
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """Values kept by key, the least recently used dropped beyond ``megabytes`` in all."""

    def __init__(self, megabytes: int, size: Callable[[V], int]) -> None:
        self._values: LRUCache[K, V] = LRUCache(
            maxsize=max(megabytes * MEGABYTE, 1), getsizeof=size
        )
        self._size = size
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        """The cached value, or None."""
        with self._lock:
            value = self._values.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        """Keep a value; one larger than the whole cache is not kept."""
        with self._lock:
            if self._size(value) <= self._values.maxsize:
                self._values[key] = value
