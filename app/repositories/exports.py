"""SQL of the exports: the rows of a layer inside a district, clipped where asked."""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session

from app.catalog import Collection
from app.models import District
from app.repositories.editing import _version as row_version
from app.repositories.features import columns, visible
from app.repositories.layers import model


def _in_district(
    collection: Collection, district_id: int, district: ScalarSelect[Any]
) -> list[ColumnElement[bool]]:
    """The features of a layer that belong to a district: its own, or those meeting it."""
    table = model(collection)
    published = visible(collection, None)  # a package is public: approved reports only
    if collection.id == "districts":
        return [table.id == district_id]
    if collection.get_property("district_id") is not None:
        return [table.district_id == district_id, *published]  # type: ignore[attr-defined]
    return [func.ST_Intersects(table.geom, district), *published]


def district_rows(session: Session, collection: Collection, district_id: int) -> Iterator[Any]:
    """A layer's rows in a district's package (id, properties..., version, WKB geometry): the
    features that belong to the district, their geometries clipped to it where the catalogue
    says (``package = "clipped"``); the version is the row's as editing computes it (its
    ETag), what a sync compares."""
    district = select(District.geom).where(District.id == district_id).scalar_subquery()
    table = model(collection)
    cols = columns(collection)
    geometry: ColumnElement[Any] = table.geom.expression
    if collection.package == "clipped":
        dimension = {"MultiLineString": 2, "MultiPolygon": 3}.get(collection.geometry_type, 1)
        geometry = func.ST_Multi(
            func.ST_CollectionExtract(func.ST_Intersection(table.geom, district), dimension)
        )
    statement = (
        select(
            table.id,
            *(cols[name] for name in collection.property_names),
            row_version(collection),
            func.ST_AsBinary(geometry),
        )
        .where(*_in_district(collection, district_id, district))
        .order_by(table.id)
    )
    return iter(session.execute(statement))
