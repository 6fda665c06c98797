"""SQL of imports: PostGIS's verdict on many geometries at once."""

from sqlalchemy import text
from sqlalchemy.orm import Session

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
