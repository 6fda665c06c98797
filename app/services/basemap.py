"""The map's background: the neighbouring countries, bundled (no tile server, no internet)."""

from functools import cache

from app.services.loader import BUNDLED_DATA


@cache
def countries() -> bytes:
    """Natural Earth country outlines around Azerbaijan, as GeoJSON (geodata/data)."""
    return (BUNDLED_DATA / "countries.geojson").read_bytes()
