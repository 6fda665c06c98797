"""SQL of the exports: the rows of a layer inside a district, clipped where asked."""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session

from app.catalog import Collection
from app.models import District
from app.repositories.editing import _version as row_version
from app.repositories.features import columns, visible
from app.repositories.layers import model


def district_geometry(session: Session, district_id: int) -> ScalarSelect[Any]:
    """The district's geometry, as a sub-query."""
    return select(District.geom).where(District.id == district_id).scalar_subquery()


def in_district(
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


def clipped_rows(
    session: Session,
    collection: Collection,
    names: Sequence[str],
    where: Sequence[ColumnElement[bool]],
    clip: ScalarSelect[Any] | None,
) -> Iterator[Any]:
    """Rows (id, properties..., version, WKB geometry), the geometry clipped to ``clip`` when
    given; the version is the row's as editing computes it (its ETag), what a sync compares."""
    table = model(collection)
    cols = columns(collection)
    geometry: ColumnElement[Any] = table.geom.expression
    if clip is not None:
        dimension = {"MultiLineString": 2, "MultiPolygon": 3}.get(collection.geometry_type, 1)
        geometry = func.ST_Multi(
            func.ST_CollectionExtract(func.ST_Intersection(table.geom, clip), dimension)
        )
    statement = (
        select(
            table.id,
            *(cols[name] for name in names),
            row_version(collection),
            func.ST_AsBinary(geometry),
        )
        .where(*where)
        .order_by(table.id)
    )
    return iter(session.execute(statement))
