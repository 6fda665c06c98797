"""Turn the items parameters (bbox, datetime, equality, CQL2) into SQL conditions."""

from typing import Any

from sqlalchemy import ColumnElement, Float, bindparam

from app.catalog import Collection
from app.errors import InvalidParameterValue
from app.repositories import cql2
from app.repositories import features as repo
from app.schemas.query import BBox, Interval


def bbox_condition(collection: Collection, bbox: BBox) -> ColumnElement[bool]:
    """Features intersecting the box; a box across the antimeridian is split in two.

    The corners are bound parameters named as in ``bbox_values``: a statement compiled once
    for a box runs for any other box of the same CRS and split.
    """
    names = [bindparam(name, value, type_=Float) for name, value in bbox_values(bbox).items()]
    boxes = [tuple(names[index : index + 4]) for index in range(0, len(names), 4)]
    return repo.bbox_filter(collection, boxes, bbox.crs.srid)


def bbox_values(bbox: BBox) -> dict[str, float]:
    """The corners of the box, or of its two halves across the antimeridian, by name."""
    if bbox.minx > bbox.maxx:
        boxes = [
            (bbox.minx, bbox.miny, 180.0, bbox.maxy),
            (-180.0, bbox.miny, bbox.maxx, bbox.maxy),
        ]
    else:
        boxes = [(bbox.minx, bbox.miny, bbox.maxx, bbox.maxy)]
    corners = ("west", "south", "east", "north")
    return {
        f"bbox{index}_{corner}": value
        for index, box in enumerate(boxes)
        for corner, value in zip(corners, box, strict=True)
    }


def datetime_condition(collection: Collection, interval: Interval) -> ColumnElement[bool]:
    """Features whose dates meet the interval; a 400 for a layer without dates."""
    if collection.temporal is None:
        raise InvalidParameterValue(f"datetime: collection {collection.id} has no dates")
    return repo.interval_filter(collection, interval.start, interval.end)


def equality_conditions(
    collection: Collection, values: tuple[tuple[str, Any], ...]
) -> list[ColumnElement[bool]]:
    """``?property=value`` filters; an array property matches when it holds the value."""
    columns = repo.columns(collection)
    conditions = []
    for name, value in values:
        prop = collection.get_property(name)
        array = prop is not None and prop.type == "array"
        conditions.append(columns[name].any(value) if array else columns[name] == value)
    return conditions


def cql2_condition(collection: Collection, text: str, language: str) -> ColumnElement[bool]:
    """A CQL2 filter (text or JSON) as a condition whose values are all bound parameters."""
    expression = cql2.parse(text, language)
    translator = cql2.Translator(repo.columns(collection), repo.geometry(collection))
    try:
        return translator.condition(expression)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, RecursionError) as exc:
        # An operator with missing or mistyped arguments (an array function on a text, say).
        raise InvalidParameterValue(f"filter has a malformed expression ({exc!r})") from None
