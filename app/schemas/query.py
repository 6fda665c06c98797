"""Parsed query parameters shared by the API and the services, and the one date parser."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.crs import Crs
from app.errors import InvalidParameterValue


def parse_date(text: str, name: str, *, time_allowed: bool = False) -> date:
    """A calendar date written YYYY-MM-DD (or, when allowed, the date of an RFC 3339 time)."""
    try:
        if time_allowed and "T" in text.upper():
            return datetime.fromisoformat(text.upper().replace("Z", "+00:00")).date()
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    kind = "an RFC 3339 date or date-time" if time_allowed else "a date written YYYY-MM-DD"
    raise InvalidParameterValue(f"{name}: {text!r} is not {kind}")


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
class SortKey:
    """One key of a ``sortby``: a field and its direction."""

    name: str
    ascending: bool = True


@dataclass(frozen=True)
class ItemsQuery:
    """Everything an ``items`` request asks for, already checked."""

    bbox: BBox | None = None
    interval: Interval | None = None
    equals: tuple[tuple[str, Any], ...] = ()  # (property, value of the property's type)
    filter: str | None = None
    filter_lang: str = "cql2-text"
    sortby: tuple[SortKey, ...] = ()
    properties: tuple[str, ...] | None = None
    skip_geometry: bool = False
    crs: Crs | None = None
    precision: int | None = None
    simplify_m: float | None = None
    limit: int = 10
    offset: int = 0
    clamped_from: int | None = None  # the limit asked for, when it was above the maximum
    # Progress reports not yet approved that the reader may see: one organisation's (an
    # operator's own), every one's ("*", the authority's), or none (the public).
    drafts_of: str | None = None


@dataclass(frozen=True)
class TileFilter:
    """Which features a tile keeps: a date interval and equality on enumerated properties."""

    interval: Interval | None = None
    equals: tuple[tuple[str, str], ...] = ()  # (property, value), sorted: a cache key
