"""The parameters shared by many routes: the collection, bbox, datetime, crs, sortby, as_of.

Each is declared with ``Query`` or ``Path``, so the OpenAPI document is generated from them.
"""

import math
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Query
from pydantic import BeforeValidator

from app.catalog import Collection, ContaminationType, RiskLevel, ZoneStatus
from app.catalog import get_collection as find_collection
from app.crs import SUPPORTED, Crs, parse_crs
from app.errors import InvalidParameterValue
from app.schemas.query import BBox, Interval, SortKey, parse_date
from app.schemas.stats import ZoneFilter


def _comma_separated(value: Any) -> Any:
    """``a,b,c`` as a list (a parameter is one comma-separated value: style form, no explode).

    FastAPI gathers a list parameter's repetitions; ``reject_unknown`` refused those before.
    """
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        return [item.strip() for item in value.split(",")]
    return value


CommaSeparated = BeforeValidator(_comma_separated)


async def get_collection(
    collection_id: Annotated[
        str, Path(alias="collectionId", description="the collection's id: districts, ...")
    ],
) -> Collection:
    """The collection named in the path, or a 404 listing the known ones."""
    return find_collection(collection_id)


CollectionDep = Annotated[Collection, Depends(get_collection)]
# The standard's parameter name: GDAL reads the items path of the OpenAPI document by it.
FeatureIdPath = Annotated[str, Path(alias="featureId", description="the feature's id")]


def parse_content_crs(header: str | None) -> Crs:
    """The CRS of a written body, from ``Content-Crs: <uri>``; CRS84 when absent."""
    return parse_crs(header.strip().strip("<>") if header else None, "Content-Crs")


def parse_sortby(keys: list[str] | None, allowed: tuple[str, ...]) -> tuple[SortKey, ...]:
    """``-a,+b,c``: each key a field, ``-`` first for descending; ``+`` (or a space) ascending.

    A ``+`` that reached us as a space (unencoded in the URL) still means ascending.
    """
    if keys in (None, [""]):  # sortby= says nothing
        return ()
    parsed = []
    for key in keys or ():
        name = key.lstrip("+-").strip()
        if not name:
            raise InvalidParameterValue("sortby: an empty sort key")
        if name not in allowed:
            raise InvalidParameterValue(
                f"sortby: unknown field {name!r}; use one of {', '.join(allowed)}, "
                "with a leading '-' for descending order"
            )
        parsed.append(SortKey(name, ascending=not key.startswith("-")))
    return tuple(parsed)


SortbyQuery = Annotated[
    list[str] | None,
    CommaSeparated,
    Query(description="fields, each with '-' for descending or '+' for ascending: -a,+b"),
]


async def bbox(
    values: Annotated[
        list[float] | None,
        CommaSeparated,
        Query(
            alias="bbox",
            json_schema_extra={"minItems": 4, "maxItems": 6},
            description=(
                "minx,miny,maxx,maxy (or minx,miny,minz,maxx,maxy,maxz) in bbox-crs, CRS84 by "
                "default; a box whose minx is greater than its maxx crosses the antimeridian"
            ),
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None,
        Query(
            alias="bbox-crs",
            description="CRS of bbox",
            json_schema_extra={"format": "uri", "enum": list(SUPPORTED)},
        ),
    ] = None,
) -> BBox | None:
    """``bbox`` as 4 or 6 numbers in ``bbox-crs``, checked."""
    if values is None:
        if bbox_crs is not None:
            raise InvalidParameterValue("bbox-crs is given without bbox")
        return None
    crs = parse_crs(bbox_crs, "bbox-crs")
    if len(values) not in (4, 6):
        raise InvalidParameterValue(f"bbox needs 4 or 6 numbers, got {len(values)}")
    if not all(math.isfinite(number) for number in values):
        raise InvalidParameterValue("bbox values must be finite numbers")
    half = len(values) // 2
    if half == 3 and values[2] > values[5]:
        raise InvalidParameterValue("bbox minimum z is greater than maximum z")
    a, b, c, d = values[0], values[1], values[half], values[half + 1]
    minx, miny, maxx, maxy = (b, a, d, c) if crs.lat_first else (a, b, c, d)
    if crs.geographic:
        if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
            raise InvalidParameterValue("bbox latitude must be between -90 and 90")
        if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
            raise InvalidParameterValue("bbox longitude must be between -180 and 180")
    elif minx > maxx:
        raise InvalidParameterValue("bbox minimum x is greater than maximum x")
    if miny > maxy:
        raise InvalidParameterValue("bbox minimum latitude (y) is greater than the maximum")
    return BBox(minx, miny, maxx, maxy, crs)


def _instant(text: str) -> date | None:
    return None if text in ("", "..") else parse_date(text, "datetime", time_allowed=True)


async def datetime_interval(
    datetime: Annotated[
        str | None,
        Query(
            description=(
                "an instant or an interval (RFC 3339): 2024-05-01, 2021-01-01/2022-12-31, "
                "../2022-12-31 or 2021-01-01/..; matched against each layer's dates"
            )
        ),
    ] = None,
) -> Interval | None:
    """``datetime`` as an instant, a closed interval or a half-open one with ``..``."""
    if datetime is None:
        return None
    if not datetime.strip():
        raise InvalidParameterValue("datetime is empty: give an instant or an interval")
    parts = datetime.split("/")
    if len(parts) == 1:
        instant = _instant(parts[0])
        if instant is None:
            raise InvalidParameterValue("datetime: an instant cannot be open ('..')")
        return Interval(instant, instant)
    if len(parts) != 2:
        raise InvalidParameterValue("datetime: use an instant, start/end, ../end or start/..")
    start, end = (_instant(part) for part in parts)
    if start is None and end is None:
        raise InvalidParameterValue("datetime: both ends of the interval cannot be open")
    if start is not None and end is not None and start > end:
        raise InvalidParameterValue("datetime: the start is after the end")
    return Interval(start, end)


IntervalDep = Annotated[Interval | None, Depends(datetime_interval)]


async def output_crs(
    crs: Annotated[
        str | None,
        Query(
            description="the CRS of the output geometries",
            json_schema_extra={"format": "uri", "enum": list(SUPPORTED)},
        ),
    ] = None,
) -> Crs | None:
    """The ``crs`` parameter, one of the supported CRSs."""
    return parse_crs(crs, "crs") if crs is not None else None


async def as_of_date(
    as_of: Annotated[
        str | None,
        Query(
            description="the date of the figures, YYYY-MM-DD; today by default",
            json_schema_extra={"format": "date"},
        ),
    ] = None,
) -> date:
    """The date the figures are computed for."""
    return parse_date(as_of, "as_of") if as_of is not None else date.today()


async def zone_filter(
    risk_level: Annotated[RiskLevel | None, Query(description="only zones of this risk")] = None,
    contamination: Annotated[
        ContaminationType | None, Query(description="only zones with this contamination type")
    ] = None,
    status: Annotated[ZoneStatus | None, Query(description="only zones with this status")] = None,
) -> ZoneFilter:
    """The zone filter shared by every statistics endpoint."""
    return ZoneFilter(risk_level=risk_level, contamination=contamination, status=status)


AsOfDep = Annotated[date, Depends(as_of_date)]
ZoneFilterDep = Annotated[ZoneFilter, Depends(zone_filter)]
