"""What a web map over Karabakh asks for, and how Contamap and tipg each spell it.

A viewport is a 1024 x 768 pixel map view at a random place over Karabakh and a random zoom;
it asks for the zones in its bounding box and for the 256-pixel WebMercatorQuad tiles that
cover it.
"""

import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

import morecantile
from morecantile import Tile

TMS = morecantile.tms.get("WebMercatorQuad")
KARABAKH = (45.4, 39.0, 47.4, 40.5)  # west, south, east, north in degrees
ZOOMS = range(8, 15)
VIEWPORT_PX = (1024, 768)
MAX_VIEWPORTS = 200_000  # looked at before giving up the search for a tile never requested


@dataclass(frozen=True)
class Viewport:
    """A map view: its bounds in degrees and its zoom."""

    west: float
    south: float
    east: float
    north: float
    zoom: int

    def bbox(self) -> str:
        """The ``bbox`` parameter of the view."""
        return ",".join(f"{value:.5f}" for value in (self.west, self.south, self.east, self.north))

    def tiles(self) -> list[Tile]:
        """The tiles that cover the view at its zoom."""
        return list(TMS.tiles(self.west, self.south, self.east, self.north, [self.zoom]))


def viewport(
    rng: random.Random, zooms: Sequence[int] = ZOOMS, lon_lat: tuple[float, float] | None = None
) -> Viewport:
    """A view centred at ``lon_lat``, or at a random place over Karabakh, at a random zoom."""
    west, south, east, north = KARABAKH
    lon, lat = lon_lat or (rng.uniform(west, east), rng.uniform(south, north))
    zoom = rng.choice(zooms)
    x, y = TMS.xy(lon, lat)
    half_width, half_height = (pixels / 2 * TMS.matrix(zoom).cellSize for pixels in VIEWPORT_PX)
    low, high = (
        TMS.lnglat(x - half_width, y - half_height),
        TMS.lnglat(x + half_width, y + half_height),
    )
    return Viewport(low.x, low.y, high.x, high.y, zoom)


class FreshTiles:
    """Tiles of random views that no server has been asked for yet in this run."""

    def __init__(self, rng: random.Random, used: set[Tile]) -> None:
        self.rng = rng
        self.used = used

    def take(self, count: int) -> list[Tile]:
        """``count`` tiles never handed out before, in the order the views asked for them."""
        tiles: list[Tile] = []
        for tile in self._candidates():
            if tile not in self.used:
                self.used.add(tile)
                tiles.append(tile)
                if len(tiles) == count:
                    return tiles
        raise RuntimeError(f"fewer than {count} tiles left that were never requested")

    def _candidates(self) -> Iterator[Tile]:
        for _ in range(MAX_VIEWPORTS):
            yield from viewport(self.rng).tiles()


@dataclass(frozen=True)
class Api:
    """How one server spells each request; None where it serves no such thing."""

    collection_prefix: str  # tipg names tables with their schema: public.contaminated_zones
    tile_template: str  # with {collection}, {z}, {x} and {y}
    serves_stats: bool

    def items(self, bbox: str, limit: int) -> str:
        """The zones in a bounding box, one page of ``limit``."""
        return f"{self._collection('contaminated_zones')}/items?bbox={bbox}&limit={limit}"

    def page(self, limit: int) -> str:
        """The first ``limit`` zones, without a filter."""
        return f"{self._collection('contaminated_zones')}/items?limit={limit}"

    def item(self, feature_id: int) -> str:
        """One zone."""
        return f"{self._collection('contaminated_zones')}/items/{feature_id}"

    def tile(self, collection: str, tile: Tile) -> str:
        """One vector tile of one collection."""
        name = self.collection_prefix + collection
        return self.tile_template.format(collection=name, z=tile.z, x=tile.x, y=tile.y)

    def district_stats(self) -> str | None:
        """The statistics of every district."""
        return "/stats/districts" if self.serves_stats else None

    def _collection(self, name: str) -> str:
        return f"/collections/{self.collection_prefix}{name}"


# A request a web map makes, spelled by a server's Api (None: that server has no such path).
Ask = Callable[[Api], str | None]


MIXED_ZOOMS = range(8, 13)
MIXED_WEIGHTS = (45, 45, 10)  # zones in a view (limit=100), a tile, /stats/districts
TILED = ("contaminated_zones", "districts")
REPEATED_VIEWS = ((46.75, 39.8, 10), (46.75, 39.8, 12))  # lon, lat, zoom: Agdam to Shusha


class WebMap:
    """The requests of each workload, drawn from one seeded generator.

    The repeated tiles are marked as used from the start, so a cold tile is never one of them.
    """

    def __init__(self, rng: random.Random, zone_ids: Sequence[int]) -> None:
        self.rng = rng
        self.zone_ids = zone_ids
        self.repeated = [
            tile
            for lon, lat, zoom in REPEATED_VIEWS
            for tile in viewport(rng, [zoom], (lon, lat)).tiles()
        ]
        self.fresh = {name: FreshTiles(rng, set(self.repeated)) for name in TILED}

    def items(self, limit: int, count: int) -> list[Ask]:
        """The zones of random views, ``limit`` a page."""
        return [
            partial(Api.items, bbox=viewport(self.rng).bbox(), limit=limit) for _ in range(count)
        ]

    def cold_tiles(self, collection: str, count: int) -> list[Ask]:
        """Tiles of random views, each never requested before in the run."""
        return [
            partial(Api.tile, collection=collection, tile=tile)
            for tile in self.fresh[collection].take(count)
        ]

    def repeated_tiles(self, collection: str, count: int) -> list[Ask]:
        """The same few tiles over and over."""
        tiles = self.repeated
        return [
            partial(Api.tile, collection=collection, tile=tiles[i % len(tiles)])
            for i in range(count)
        ]

    def features(self, count: int) -> list[Ask]:
        """Single zones picked at random."""
        return [partial(Api.item, feature_id=self.rng.choice(self.zone_ids)) for _ in range(count)]

    def stats(self, count: int) -> list[Ask]:
        """The statistics of every district."""
        return [Api.district_stats] * count

    def mixed(self, count: int) -> list[Ask]:
        """Many map users at once: views' zones, tiles of zooms 8 to 12, district statistics.

        Its tiles may repeat and are not marked as used: the mixed load runs after the cold rows.
        """
        makers = (partial(self.items, 100, 1), self._mixed_tile, partial(self.stats, 1))
        return [
            ask for maker in self.rng.choices(makers, MIXED_WEIGHTS, k=count) for ask in maker()
        ]

    def warm_up(self) -> list[Ask]:
        """A few requests of each kind, none of them a cold tile."""
        tiles = [ask for name in TILED for ask in self.repeated_tiles(name, 2)]
        return self.items(100, 2) + self.items(1000, 2) + tiles + self.features(2) + self.stats(2)

    def cold_zooms(self) -> Counter[int]:
        """How many cold tiles each zoom gave, over both collections."""
        repeated = set(self.repeated)
        return Counter(tile.z for fresh in self.fresh.values() for tile in fresh.used - repeated)

    def _mixed_tile(self) -> list[Ask]:
        tile = self.rng.choice(viewport(self.rng, MIXED_ZOOMS).tiles())
        return [partial(Api.tile, collection=self.rng.choice(TILED), tile=tile)]
