"""TileJSON 3.0.0, the description of a set of vector tiles."""

from typing import Literal

from pydantic import BaseModel

from app.core.i18n import FALLBACK, message
from app.schemas.ogc import Link


class VectorLayer(BaseModel):
    """One layer of the tiles and the fields of its features."""

    id: str
    fields: dict[str, str]
    description: str = ""
    minzoom: int
    maxzoom: int


class TileJSON(BaseModel):
    """A TileJSON 3.0.0 document (https://github.com/mapbox/tilejson-spec)."""

    tilejson: Literal["3.0.0"] = "3.0.0"
    name: str
    description: str
    # HTML, as TileJSON allows: GeoNames' CC BY 4.0 asks for its name and the licence's link.
    attribution: str = (
        '<a href="https://www.naturalearthdata.com/">Natural Earth</a> · '
        '<a href="https://www.geonames.org/">GeoNames</a> '
        '(<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>) · '
        f"{message(FALLBACK, 'attribution_schematic')} · Contamap"
    )
    scheme: Literal["xyz"] = "xyz"
    tiles: list[str]
    minzoom: int
    maxzoom: int
    bounds: list[float]
    center: list[float]
    vector_layers: list[VectorLayer]


class TileLayer(BaseModel):
    """One layer of a vector tile set (OGC API - Tiles, tileset metadata)."""

    id: str
    dataType: Literal["vector"] = "vector"  # noqa: N815 - the standard's names
    description: str
    geometryDimension: int  # noqa: N815
    minTileMatrix: str  # noqa: N815
    maxTileMatrix: str  # noqa: N815


class TileSet(BaseModel):
    """A tile set: vector tiles in one tile matrix set, with its layers."""

    title: str
    dataType: Literal["vector"] = "vector"  # noqa: N815 - the standard's names
    crs: str = "http://www.opengis.net/def/crs/EPSG/0/3857"
    tileMatrixSetURI: str = (  # noqa: N815
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    )
    links: list[Link]
    layers: list[TileLayer] = []


class TileSets(BaseModel):
    """The tile sets of a collection, or of the whole dataset."""

    links: list[Link]
    tilesets: list[TileSet]
