"""Tiles that cost almost nothing the second time: a bounded cache keyed by the data version.

Each worker process keeps its own cache in memory, bounded in bytes. Its key holds the
versions of the layers a tile shows (``layer_versions``, bumped by every write, migration
0006), read from the database with each request: after a committed write, every worker's
next request for a tile of that layer misses, so no stale tile is served, without any
message between processes. The same key, hashed, is the tile's strong ETag, so a browser
or a CDN in front revalidates with a 304 and never downloads an unchanged tile twice.
"""

import gzip
import hashlib
import threading
from dataclasses import dataclass

from cachetools import LRUCache

from app.schemas.query import TileFilter

MEGABYTE = 1024 * 1024
GZIP_MINIMUM_BYTES = 1024  # as the GZip middleware: smaller answers go as they are
GZIP_LEVEL = 5


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


@dataclass(frozen=True)
class Tile:
    """A tile's bytes, and the same bytes gzipped once for every client that accepts gzip."""

    body: bytes
    gzipped: bytes | None  # None for a tile too small to be worth compressing

    @classmethod
    def of(cls, body: bytes) -> "Tile":
        """The tile, compressed as the GZip middleware would (no timestamp: same bytes)."""
        small = len(body) < GZIP_MINIMUM_BYTES
        return cls(body, None if small else gzip.compress(body, GZIP_LEVEL, mtime=0))

    @property
    def size(self) -> int:
        """What the tile takes in the cache, in bytes."""
        return len(self.body) + len(self.gzipped or b"") + 1


class TileCache:
    """A least-recently-used cache of tile bytes, bounded in megabytes, safe across threads."""

    def __init__(self, megabytes: int) -> None:
        self._tiles: LRUCache[TileKey, Tile] = LRUCache(
            maxsize=max(megabytes * MEGABYTE, 1), getsizeof=lambda tile: tile.size
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: TileKey) -> Tile | None:
        """The cached tile, or None."""
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                self.misses += 1
            else:
                self.hits += 1
            return tile

    def put(self, key: TileKey, tile: Tile) -> None:
        """Keep a tile; a tile larger than the whole cache is not kept."""
        with self._lock:
            if tile.size <= self._tiles.maxsize:
                self._tiles[key] = tile
