"""Tiles that cost almost nothing the second time: a bounded cache keyed by the data version.

Each worker process keeps its own cache in memory, bounded in bytes. Its key holds the
versions of the layers a tile shows (``layer_versions``, bumped by every write, migration
0006), read from the database with each request: after a committed write, every worker's
next request for a tile of that layer misses, so no stale tile is served, without any
message between processes. The same key, hashed, is the tile's strong ETag, so a browser
or a CDN in front revalidates with a 304 and never downloads an unchanged tile twice.
"""

import hashlib
import threading
from dataclasses import dataclass

from cachetools import LRUCache

from app.schemas.query import TileFilter

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class TileKey:
    """What a tile's bytes depend on: its layers and their versions, its place and filter."""

    layers: tuple[str, ...]
    versions: tuple[tuple[str, int], ...]
    z: int
    x: int
    y: int
    where: TileFilter

    @property
    def etag(self) -> str:
        """A strong ETag: the same exactly when the tile's bytes are."""
        digest = hashlib.sha256(repr(self).encode()).hexdigest()[:32]
        return f'"{digest}"'


class TileCache:
    """A least-recently-used cache of tile bytes, bounded in megabytes, safe across threads."""

    def __init__(self, megabytes: int) -> None:
        self._tiles: LRUCache[TileKey, bytes] = LRUCache(
            maxsize=max(megabytes * MEGABYTE, 1), getsizeof=lambda tile: len(tile) + 1
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: TileKey) -> bytes | None:
        """The cached tile, or None."""
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                self.misses += 1
            else:
                self.hits += 1
            return tile

    def put(self, key: TileKey, tile: bytes) -> None:
        """Keep a tile; a tile larger than the whole cache is not kept."""
        with self._lock:
            if len(tile) + 1 <= self._tiles.maxsize:
                self._tiles[key] = tile
