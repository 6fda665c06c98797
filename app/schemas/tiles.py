"""TileJSON 3.0.0, the description of a set of vector tiles."""

from typing import Literal

from pydantic import BaseModel


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
    attribution: str = (
        "Contamap; districts and the former line of contact: Natural Earth (public domain); "
        "contaminated zones: schematic scenario"
    )
    scheme: Literal["xyz"] = "xyz"
    tiles: list[str]
    minzoom: int
    maxzoom: int
    bounds: list[float]
    center: list[float]
    vector_layers: list[VectorLayer]
