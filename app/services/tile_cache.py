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

The workers of one server also share the tiles they build, as files in one directory
(``SharedTiles``): a tile one worker built is read, not built again, by the others. A file
holds the versions it was built from, and is taken only as the worker's own cache is, while
the database says they are current.
"""

import hashlib
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from app.core import release
from app.core.cache import MEGABYTE, BoundedCache
from app.core.compression import GZIP_LEVEL, GZIP_MINIMUM_BYTES, gzip_compress
from app.schemas.query import TileFilter

BACKLOG = 256  # tiles waiting for a worker's writing thread, at most
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
        return '"' + "-".join([self.digest, *map(str, versions)]) + '"'

    def versions_in(self, tags: Iterable[str]) -> tuple[int, ...] | None:
        """The versions named by an ETag of this tile among ``tags`` (either encoding's)."""
        for tag in tags:
            digest, *versions = tag.strip('"').removesuffix(GZIP_SUFFIX).split("-")
            if digest == self.digest and all(part.isdigit() for part in versions):
                etag = self.etag(tuple(map(int, versions)))
                if tag in (etag, gzip_etag(etag)):
                    return tuple(map(int, versions))
        return None

    @cached_property
    def digest(self) -> str:
        """The key hashed with the code: a new release never takes an older release's tile."""
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
        return cls(body, None if small else gzip_compress(body, GZIP_LEVEL))

    @property
    def size(self) -> int:
        """What the tile takes in the cache, in bytes."""
        return len(self.body) + len(self.gzipped or b"") + 1


@dataclass(frozen=True)
class Cached:
    """A tile as built from the data at these versions of its tables."""

    versions: tuple[int, ...]
    tile: Tile


class SharedTiles:
    """The tiles the workers of one server built, a file each in ``directory``.

    A file is written whole under another name and renamed, so a reader sees a whole tile or
    none. Each worker writes in a thread of its own, so that no request waits for the disk
    (on ext4 a write took 0.2 ms, a tenth of a cold tile), and removes the oldest files it
    wrote once they pass ``megabytes``: the directory holds at most that many per worker.
    """

    def __init__(self, directory: Path, megabytes: int) -> None:
        self.directory = directory
        self.bound = megabytes * MEGABYTE
        self._written: dict[Path, int] = {}  # this worker's files and sizes, oldest first
        self._size = 0
        # Tiles given to the writing thread, and taken by it: each counted by one thread alone.
        self._given = self._taken = 0
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="shared-tiles")

    def get(self, key: TileKey) -> Cached | None:
        """The tile as some worker built it, with its versions, or None."""
        try:
            head, data = (self.directory / key.digest).read_bytes().split(b"\n", 1)
            *versions, size, packed = map(int, head.split(b","))
        except (OSError, ValueError):  # not built yet, removed meanwhile, or not a tile
            return None
        if size < 0 or packed < 0 or len(data) != size + packed:
            return None  # cut short
        return Cached(tuple(versions), Tile(data[:size], data[size:] or None))

    def share(self, key: TileKey, cached: Cached) -> None:
        """Write the tile in this worker's writing thread (``put``), without waiting; not
        while ``BACKLOG`` tiles wait to be written (a slow disk), so none waits in memory."""
        if self._given - self._taken < BACKLOG:
            self._given += 1
            self._writer.submit(self._write, key, cached)

    def _write(self, key: TileKey, cached: Cached) -> None:
        self._taken += 1
        self.put(key, cached)

    def settle(self) -> None:
        """Wait until the tiles given to ``share`` so far are written."""
        self._writer.submit(lambda: None).result()

    def put(self, key: TileKey, cached: Cached) -> None:
        """Share a tile; a full disk or a removed directory only means it is not shared."""
        tile = cached.tile
        sizes = [len(tile.body), len(tile.gzipped or b"")]
        head = ",".join(map(str, [*cached.versions, *sizes])).encode()
        path = self.directory / key.digest
        temporary = path.with_name(f".{key.digest}.{os.getpid()}.{threading.get_ident()}")
        try:
            temporary.write_bytes(b"".join([head, b"\n", tile.body, tile.gzipped or b""]))
            temporary.replace(path)
        except OSError:
            temporary.unlink(missing_ok=True)
            return
        with self._lock:
            self._size += tile.size - self._written.pop(path, 0)
            self._written[path] = tile.size
            while self._size > self.bound:
                oldest = next(iter(self._written))
                self._size -= self._written.pop(oldest)
                oldest.unlink(missing_ok=True)


class TileCache(BoundedCache[TileKey, Cached]):
    """The tiles of this worker, bounded in megabytes, and those the other workers shared."""

    def __init__(self, megabytes: int, shared: SharedTiles | None = None) -> None:
        super().__init__(megabytes, lambda cached: cached.tile.size)
        self.shared = shared

    def get(self, key: TileKey) -> Cached | None:
        """This worker's tile, else a tile another worker built (then kept here too)."""
        cached = super().get(key)
        if cached is None and self.shared is not None:
            cached = self.shared.get(key)
            if cached is not None:
                super().put(key, cached)
        return cached

    def put(self, key: TileKey, value: Cached) -> None:
        """Keep a tile this worker built, and share it."""
        super().put(key, value)
        if self.shared is not None:
            self.shared.share(key, value)
