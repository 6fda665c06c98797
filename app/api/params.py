"""Parsing of the query parameters shared by several routes: bbox, datetime, crs, f."""

import math
from datetime import date, datetime

from fastapi import Request

from app.errors import InvalidParameterValue, UnknownParameter
from app.models.catalog import Collection
from app.schemas.query import BBox, Interval, ItemsQuery
from app.services.crs import CRS84, parse_crs

FORMATS = ("json", "html", "csv", "geojsonseq")


def reject_unknown(request: Request, allowed: set[str]) -> None:
    """Refuse query parameters the endpoint does not know, naming them."""
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise UnknownParameter(
            f"unknown query parameter(s): {', '.join(unknown)}; "
            f"this endpoint takes {', '.join(sorted(allowed))}"
        )


def parse_bbox(value: str | None, crs_value: str | None) -> BBox | None:
    """``bbox`` as 4 or 6 numbers in ``bbox-crs`` (CRS84 by default), checked."""
    if value is None:
        if crs_value is not None:
            raise InvalidParameterValue("bbox-crs is given without bbox")
        return None
    crs = parse_crs(crs_value, "bbox-crs")
    try:
        numbers = [float(item) for item in value.split(",")]
    except ValueError:
        raise InvalidParameterValue(f"bbox={value!r}: every value must be a number") from None
    if len(numbers) not in (4, 6):
        raise InvalidParameterValue(f"bbox needs 4 or 6 numbers, got {len(numbers)}")
    if not all(math.isfinite(number) for number in numbers):
        raise InvalidParameterValue("bbox values must be finite numbers")
    half = len(numbers) // 2
    a, b, c, d = numbers[0], numbers[1], numbers[half], numbers[half + 1]
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


def _parse_instant(text: str) -> date | None:
    if text in ("", ".."):
        return None
    try:
        if "T" in text or "t" in text:
            return datetime.fromisoformat(text.replace("z", "Z")).date()
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidParameterValue(
            f"datetime: {text!r} is not an RFC 3339 date or date-time"
        ) from None


def parse_datetime(value: str | None) -> Interval | None:
    """``datetime`` as an instant, a closed interval or a half-open one with ``..``."""
    if value is None:
        return None
    parts = value.split("/")
    if len(parts) == 1:
        instant = _parse_instant(parts[0])
        if instant is None:
            raise InvalidParameterValue("datetime: an instant cannot be open ('..')")
        return Interval(instant, instant)
    if len(parts) != 2:
        raise InvalidParameterValue("datetime: use an instant, start/end, ../end or start/..")
    start, end = (_parse_instant(part) for part in parts)
    if start is None and end is None:
        raise InvalidParameterValue("datetime: both ends of the interval cannot be open")
    if start is not None and end is not None and start > end:
        raise InvalidParameterValue("datetime: the start is after the end")
    return Interval(start, end)


MEDIA_FORMATS = {
    "application/geo+json": "json",
    "application/json": "json",
    "text/html": "html",
    "text/csv": "csv",
    "application/geo+json-seq": "geojsonseq",
}


def _accepted(header: str) -> list[tuple[float, int, str]]:
    """(quality, -position, media type) for each media range of an Accept header."""
    ranges = []
    for position, item in enumerate(header.split(",")):
        media, *options = (part.strip() for part in item.split(";"))
        quality = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((quality, -position, media.lower()))
    return ranges


def negotiate_format(request: Request, allowed: tuple[str, ...] = FORMATS) -> str:
    """The output format: ``f`` when given, else the best of the Accept header, else JSON."""
    requested = request.query_params.get("f")
    if requested is not None:
        if requested not in allowed:
            raise InvalidParameterValue(f"f={requested!r}: use one of {', '.join(allowed)}")
        return requested
    for quality, _, media in sorted(_accepted(request.headers.get("accept", "")), reverse=True):
        fmt = "json" if media in ("*/*", "application/*") else MEDIA_FORMATS.get(media)
        if quality > 0 and fmt in allowed:
            return fmt
    return "json"


def parse_date(value: str, name: str) -> date:
    """A calendar date written YYYY-MM-DD, or a 400 saying so."""
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidParameterValue(f"{name}={value!r} is not a date written YYYY-MM-DD") from None


def parse_int(value: str | None, name: str, default: int, low: int, high: int | None) -> int:
    """An integer parameter within bounds (``high`` None: unbounded)."""
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidParameterValue(f"{name}={value!r} is not an integer") from None
    if number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidParameterValue(f"{name} must be {bounds}; got {number}")
    return number


def parse_bool(value: str | None, name: str) -> bool:
    """A boolean parameter: true/false (or 1/0)."""
    if value is None:
        return False
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise InvalidParameterValue(f"{name}={value!r}: use true or false")


# cql-text is the draft name that GDAL 3.6 sends; its simple filters are valid CQL2 text.
FILTER_LANGUAGES = {"cql2-text": "cql2-text", "cql-text": "cql2-text", "cql2-json": "cql2-json"}
ITEMS_PARAMETERS = {
    "f",
    "bbox",
    "bbox-crs",
    "datetime",
    "limit",
    "offset",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
    "skipGeometry",
    "crs",
    "precision",
    "simplify",
}


def parse_items_query(
    request: Request, collection: Collection, max_limit: int, default_limit: int
) -> tuple[ItemsQuery, int | None]:
    """The items parameters, checked; also the limit asked for when it was clamped."""
    params = request.query_params
    reject_unknown(request, ITEMS_PARAMETERS | set(collection.property_names))
    language = FILTER_LANGUAGES.get(params.get("filter-lang", "cql2-text"))
    if language is None:
        raise InvalidParameterValue(
            f"filter-lang={params['filter-lang']!r}: use cql2-text or cql2-json"
        )
    if params.get("filter-crs") not in (None, CRS84):
        raise InvalidParameterValue(f"filter-crs: only {CRS84} is supported")
    requested = parse_int(params.get("limit"), "limit", default_limit, 1, None)
    crs_value = params.get("crs")
    query = ItemsQuery(
        bbox=parse_bbox(params.get("bbox"), params.get("bbox-crs")),
        interval=parse_datetime(params.get("datetime")),
        equals=tuple((name, params[name]) for name in collection.property_names if name in params),
        filter=params.get("filter") or None,
        filter_lang=language,
        sortby=_sortby(params.get("sortby"), collection),
        properties=_names(params.get("properties"), collection, "properties"),
        skip_geometry=parse_bool(params.get("skipGeometry"), "skipGeometry"),
        crs=parse_crs(crs_value, "crs") if crs_value is not None else None,
        precision=parse_int(params.get("precision"), "precision", -1, 0, 15)
        if "precision" in params
        else None,
        simplify_m=_simplify(params.get("simplify")),
        limit=min(requested, max_limit),
        offset=parse_int(params.get("offset"), "offset", 0, 0, None),
    )
    return query, requested if requested > max_limit else None


def _names(value: str | None, collection: Collection, parameter: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    for name in names:
        if collection.get_property(name) is None:
            raise InvalidParameterValue(
                f"{parameter}: {name!r} is not a property of {collection.id}; "
                f"use {', '.join(collection.property_names)}"
            )
    return names


def _sortby(value: str | None, collection: Collection) -> tuple[tuple[str, bool], ...]:
    if value is None:
        return ()
    keys = []
    for item in value.split(","):
        item = item.strip()
        ascending = not item.startswith("-")
        name = item.lstrip("+-").strip() if item[:1] in "+-" else item
        keys.append((name, ascending))
    names = _names(",".join(name for name, _ in keys), collection, "sortby") or ()
    if len(names) != len(keys):
        raise InvalidParameterValue("sortby: an empty sort key")
    return tuple(keys)


def _simplify(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        metres = float(value)
    except ValueError:
        raise InvalidParameterValue(f"simplify={value!r} is not a number of metres") from None
    if not (0 <= metres <= 100_000) or math.isnan(metres):
        raise InvalidParameterValue("simplify must be between 0 and 100000 metres")
    return metres or None
