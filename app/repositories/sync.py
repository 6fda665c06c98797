"""SQL of a package's sync: the features' states now and as exported, as editing versions them.

A feature's state is its whole row as JSON, ``to_jsonb(row)``: its version (the ETag) is the
md5 of that text (``repositories/editing.py``). The state a package was exported at is the
current row while the version still matches, else the history's copy of it, which the first
change after the export kept as ``before``; its geometry is given back the form ``to_jsonb``
gives a geometry, so the md5 of the rebuilt state is the version again and picks it out.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    LargeBinary,
    Text,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from app.catalog import Collection
from app.models import FeatureHistory
from app.models.layers import SRID
from app.repositories.editing import _version as row_version
from app.repositories.editing import stored_geometry
from app.repositories.layers import model


@dataclass(frozen=True)
class State:
    """A feature's whole row as JSON (its geometry under ``geom``) and its version."""

    version: str
    row: dict[str, Any]


def current(session: Session, collection: Collection, ids: Sequence[int]) -> dict[int, State]:
    """The current state of each of these features that still exists, by id."""
    if not ids:
        return {}
    table = model(collection)
    whole: Any = literal_column(collection.id)  # the whole row (a trusted name)
    statement = select(table.id, row_version(collection), func.to_jsonb(whole)).where(
        table.id == func.any(bindparam("ids", list(ids), ARRAY(Integer)))
    )
    return {
        feature_id: State(version, row) for feature_id, version, row in session.execute(statement)
    }


def _rebuilt(side: Any) -> Any:
    """A history entry's copy of a row as ``to_jsonb`` gives the row: its geometry, kept there
    as GeoJSON under ``geometry``, made a geometry's JSON under ``geom`` again."""
    geometry = func.ST_SetSRID(func.ST_GeomFromGeoJSON(side["geometry"]), SRID)
    without = side.op("-")(cast(literal("geometry"), Text))
    return without.op("||")(func.jsonb_build_object("geom", func.to_jsonb(geometry)))


def exported(
    session: Session, collection: Collection, feature_id: int, version: str
) -> dict[str, Any] | None:
    """The feature's state at ``version``, from its history; None when no entry kept it."""
    for side in (FeatureHistory.before, FeatureHistory.after):
        state = _rebuilt(side)
        statement = (
            select(state)
            .where(
                FeatureHistory.collection == collection.id,
                FeatureHistory.feature_id == feature_id,
                func.md5(cast(state, Text)) == version,
            )
            .order_by(FeatureHistory.id.desc())
            .limit(1)
        )
        found = session.scalar(statement)
        if found is not None:
            return dict(found)
    return None


def geometries(session: Session, collection: Collection, wkbs: Sequence[bytes | None]) -> list[Any]:
    """Each WKB geometry (WGS 84) as a stored row's JSON has it, in order; None for None."""
    if not wkbs:
        return []
    item = literal_column("item.wkb", LargeBinary)
    geometry = stored_geometry(collection, func.ST_GeomFromWKB(item, SRID))
    unnested = (
        func.unnest(bindparam("wkbs", list(wkbs), ARRAY(LargeBinary)))
        .table_valued("wkb", with_ordinality="position")
        .render_derived(name="item")
    )
    statement = select(cast(func.to_jsonb(geometry), JSONB)).select_from(unnested)
    statement = statement.order_by(literal_column("item.position"))
    return list(session.scalars(statement))
