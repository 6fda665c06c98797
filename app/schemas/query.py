"""Parsed query parameters shared by the API and the services."""

from dataclasses import dataclass
from datetime import date

from app.services.crs import Crs


@dataclass(frozen=True)
class BBox:
    """A bounding box in the given CRS, axes in x (east) then y (north) order."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    crs: Crs


@dataclass(frozen=True)
class Interval:
    """A closed date interval; ``None`` on a side means open."""

    start: date | None
    end: date | None


@dataclass(frozen=True)
class ItemsQuery:
    """Everything an ``items`` request asks for, already checked."""

    bbox: BBox | None = None
    interval: Interval | None = None
    equals: tuple[tuple[str, str], ...] = ()
    filter: str | None = None
    filter_lang: str = "cql2-text"
    sortby: tuple[tuple[str, bool], ...] = ()  # (property, ascending)
    properties: tuple[str, ...] | None = None
    skip_geometry: bool = False
    crs: Crs | None = None
    precision: int | None = None
    simplify_m: float | None = None
    limit: int = 10
    offset: int = 0
