"""SQL of imports: PostGIS's verdict on many geometries at once, fresh planner statistics."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import Base

VALIDITY = text(
    """
SELECT ST_IsValidReason(ST_GeomFromWKB(wkb, 4326))
FROM unnest(CAST(:wkbs AS bytea[])) WITH ORDINALITY AS item(wkb, position)
ORDER BY position
"""
)


def validity(session: Session, wkbs: list[bytes]) -> list[str]:
    """For each WKB geometry, in order: 'Valid Geometry', or why PostGIS finds it invalid."""
    if not wkbs:
        return []
    return [str(reason) for reason in session.scalars(VALIDITY, {"wkbs": wkbs})]


def analyze(session: Session, layer: str) -> None:
    """Refresh the planner's statistics of a layer's table, in the writing transaction.

    After a bulk write the planner still believes the table as small as before, and the
    statistics' rebuild that follows (overlays of zones and districts) would be planned for
    a few hundred rows, not a hundred thousand. ANALYZE counts the transaction's own rows.
    """
    table = Base.metadata.tables[layer]  # a name from the models, quoted by the dialect
    name = session.get_bind().dialect.identifier_preparer.format_table(table)
    session.execute(text("ANALYZE " + name))
