"""The raw parts of the clearance priorities, per zone counted as contaminated, from PostGIS."""

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.repositories.stats import AnyRow

# Every candidate zone with: its district (where its interior point lies), its geodesic area,
# the settlements and their population within the distance, the incidents within it since
# the start date (each counting 1 plus its killed and injured), and its nearest settlement
# (the ten nearest by planar distance, then the geodesically nearest of them). Distances are
# geodesic (PostGIS geography); bounding boxes go first, widened by the metres in degrees of
# longitude at 42.5 N. Ordered by zone id.
PARTS = text(
    """
WITH zones AS (
    SELECT z.* FROM stats_contaminated_zones(:as_of, :risk_level, NULL, NULL) AS z
    WHERE CAST(:hazard_class AS text) IS NULL OR z.hazard_class = :hazard_class
),
placed AS (
    SELECT z.*, d.id AS district_id, d.name AS district
    FROM zones AS z
    LEFT JOIN LATERAL (
        SELECT d.id, d.name FROM districts AS d
        WHERE ST_Intersects(d.geom, ST_PointOnSurface(z.geom))
        ORDER BY d.kind = 'district' DESC, d.id LIMIT 1
    ) AS d ON true
)
SELECT z.id, z.code, z.risk_level, z.hazard_class, z.district_id, z.district,
       ST_Area(z.geom::geography) / 1e6 AS area_km2,
       near.settlements, near.population, coalesce(hurt.weight, 0) AS incidents,
       nearest.name AS nearest_name, nearest.name_az AS nearest_name_az,
       nearest.distance_km,
       json_build_array(ST_XMin(z.geom), ST_YMin(z.geom), ST_XMax(z.geom), ST_YMax(z.geom))
           AS bbox
FROM placed AS z
CROSS JOIN LATERAL (
    SELECT count(*) AS settlements, coalesce(sum(s.population), 0) AS population
    FROM settlements AS s
    WHERE s.geom && ST_Expand(z.geom, :metres / 82000.0)
      AND ST_DWithin(s.geom::geography, z.geom::geography, :metres)
) AS near
CROSS JOIN LATERAL (
    SELECT sum(1 + i.killed + i.injured) AS weight FROM incidents AS i
    WHERE i.occurred_on <= :as_of AND i.occurred_on > :since
      AND i.geom && ST_Expand(z.geom, :metres / 82000.0)
      AND ST_DWithin(i.geom::geography, z.geom::geography, :metres)
) AS hurt
LEFT JOIN LATERAL (
    SELECT s.name, s.name_az, ST_Distance(s.geom::geography, z.geom::geography) / 1e3 AS distance_km
    FROM (SELECT * FROM settlements ORDER BY geom <-> z.geom LIMIT 10) AS s
    ORDER BY 3, s.id LIMIT 1
) AS nearest ON true
WHERE CAST(:district AS integer) IS NULL OR z.district_id = :district
ORDER BY z.id
"""
)


def parts(
    session: Session,
    as_of: date,
    since: date,
    metres: float,
    filters: dict[str, Any],
) -> list[AnyRow]:
    """Every candidate zone's raw parts, by zone id."""
    parameters = {"as_of": as_of, "since": since, "metres": metres, **filters}
    return list(session.execute(PARTS, parameters).all())
