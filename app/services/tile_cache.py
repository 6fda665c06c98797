"""Tiles that cost almost nothing the second time: a bounded cache checked against the data.

Each worker process keeps its own cache in memory, bounded in bytes. Each tile is kept with
the versions of the tables it shows (``layer_versions``, bumped by every write, migration
0006). Every request asks the database once: the tables' current versions, and the tile
only if they are not those of the cached one. So after a committed write every worker's
next request for a tile of that table gets the new tile, with no message between processes,
and a cached tile costs one short query. The tile's strong ETag is the key, hashed with the
code, and the versions: a browser or a CDN in front revalidates with a 304 and never
downloads an unchanged tile twice, and a worker that has not cached the tile answers that
304 from the versions in the ETag, without building it.
"""

import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from app.core import release
from app.core.cache import BoundedCache
from app.schemas.query import TileFilter

GZIP_MINIMUM_BYTES = 1024  # as the GZip middleware: smaller answers go as they are
GZIP_LEVEL = 5
GZIP_SUFFIX = "-gzip"  # the gzip encoding's ETag is the tile's with this suffix


@dataclass(frozen=True)
class TileKey:
    """Which tile: its layers, its place and its filter."""

    layers: tuple[str, ...]
    z: int
    x: int
    y: int
    where: TileFilter

    def etag(self, versions: tuple[int, ...]) -> str:
        """A strong ETag: the same exactly when the tile's bytes are (same key, same data)."""
        return '"' + "-".join([self._digest, *map(str, versions)]) + '"'

    def versions_in(self, tags: Iterable[str]) -> tuple[int, ...] | None:
        """The versions named by an ETag of this tile among ``tags`` (either encoding's)."""
        for tag in tags:
            digest, *versions = tag.strip('"').removesuffix(GZIP_SUFFIX).split("-")
            if digest == self._digest and all(part.isdigit() for part in versions):
                etag = self.etag(tuple(map(int, versions)))
                if tag in (etag, gzip_etag(etag)):
                    return tuple(map(int, versions))
        return None

    @cached_property
    def _digest(self) -> str:
        return hashlib.sha256(f"{release.CODE} {self!r}".encode()).hexdigest()[:24]


def gzip_etag(etag: str) -> str:
    """The ETag of a tile's gzip encoding: other bytes, so another strong ETag."""
    return etag.removesuffix('"') + GZIP_SUFFIX + '"'


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


@dataclass(frozen=True)
class Cached:
    """A tile as built from the data at these versions of its tables."""

    versions: tuple[int, ...]
    tile: Tile


class TileCache(BoundedCache[TileKey, Cached]):
    """The tiles of this worker, bounded in megabytes."""

    def __init__(self, megabytes: int) -> None:
        super().__init__(megabytes, lambda cached: cached.tile.size)
