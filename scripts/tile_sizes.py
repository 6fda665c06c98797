"""Print the largest vector tile per zoom over the loaded dataset (the 500 KB bound).

Walks down from z0, visiting only the children of tiles that hold features, which covers
every non-empty tile of the dataset's bounds.
Usage: DATABASE_URL=... python scripts/tile_sizes.py [MAXZOOM]
"""

import asyncio
import sys
import time
from dataclasses import dataclass

import morecantile
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.config import Settings
from app.schemas.query import TileFilter
from app.services import tiles
from app.services.tile_cache import TileCache


@dataclass(frozen=True)
class ZoomReport:
    """The tiles of one zoom that hold features, and the largest of them."""

    zoom: int
    tiles: int
    largest_bytes: int
    largest: morecantile.Tile


NO_CACHE = TileCache(0)  # every tile is built, as on a first request


async def _size(engine: AsyncEngine, names: list[str], tile: morecantile.Tile) -> int:
    place = (tile.z, tile.x, tile.y)
    _, built = await tiles.fetch_tile(engine, names, place, TileFilter(), NO_CACHE)
    assert built is not None  # no ETag was given: the tile is built
    return len(built.body)


async def walk(engine: AsyncEngine, max_zoom: int) -> list[ZoomReport]:
    """Every non-empty all-layers tile from z0 to ``max_zoom``, reported per zoom."""
    names = tiles.layer_names(None)
    level = [morecantile.Tile(0, 0, 0)]
    reports = []
    for zoom in range(max_zoom + 1):
        sizes = {tile: await _size(engine, names, tile) for tile in level}
        full = [tile for tile, size in sizes.items() if size]
        if not full:
            break
        largest = max(full, key=sizes.__getitem__)
        reports.append(ZoomReport(zoom, len(full), sizes[largest], largest))
        level = [child for tile in full for child in tiles.TMS.children(tile, zoom=zoom + 1)]
    return reports


async def _report(max_zoom: int) -> None:
    engine = create_async_engine(Settings().sqlalchemy_read_url)
    print("zoom  tiles  largest_kb  largest_tile")
    for report in await walk(engine, max_zoom):
        tile = report.largest
        size_kb = report.largest_bytes / 1000
        where = f"{tile.z}/{tile.x}/{tile.y}"
        print(f"{report.zoom:>4}  {report.tiles:>5}  {size_kb:>10.1f}  {where}")
    await engine.dispose()


def main() -> None:
    """Walk the tiles of the configured database and print one line per zoom."""
    max_zoom = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    started = time.perf_counter()
    asyncio.run(_report(max_zoom))
    print(f"walked in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
