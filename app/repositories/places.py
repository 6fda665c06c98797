"""SQL for a place: the zones and incidents near a point, and names that match a search."""

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.repositories.stats import AnyRow

# The zones counted as contaminated on the date within the distance of the point (geodesic),
# nearest first, with their distance in metres (0 inside a zone); the nearest one whatever
# its distance is found by the index (the 20 nearest by planar distance, then geodesically).
# The bearing is the geodesic azimuth to the zone's closest point in degrees of longitude and
# latitude (close enough to the geodesic one to name a compass point); NULL inside the zone.
# The point is written out, never a CTE, and the zones are read once per part: a CTE named
# twice is materialised, which scanned every zone (1 s at 100,000 zones) where the GiST index
# finds the box's zones and walks the nearest ones in order (KNN), the filter applied on the
# way.
ZONES_NEAR = text(
    """
WITH candidates AS (
    SELECT z.id FROM stats_contaminated_zones(:as_of, :risk_level, :status, :contamination) AS z
    WHERE z.geom && ST_Expand(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :metres / 82000.0)
    UNION
    SELECT id FROM (
        SELECT z.id FROM stats_contaminated_zones(:as_of, :risk_level, :status, :contamination)
            AS z
        ORDER BY z.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 20
    ) AS k
)
SELECT z.id, z.code, z.risk_level, z.hazard_class, z.status,
       ST_Distance(z.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
           AS metres,
       degrees(ST_Azimuth(
           ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography,
           ST_ClosestPoint(z.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))::geography
       )) AS bearing_deg
FROM contaminated_zones AS z JOIN candidates USING (id)
ORDER BY metres, z.id
"""
)
INCIDENTS_NEAR = text(
    """
WITH point AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom)
SELECT i.id, i.code, i.occurred_on, i.device, i.activity, i.killed, i.injured,
       ST_Distance(i.geom::geography, p.geom::geography) AS metres
FROM incidents AS i, point AS p
WHERE i.occurred_on <= :as_of AND i.geom && ST_Expand(p.geom, :metres / 82000.0)
  AND ST_DWithin(i.geom::geography, p.geom::geography, :metres)
ORDER BY metres, i.id
"""
)
DISTRICT_AT = text(
    """
SELECT d.id FROM districts AS d
WHERE ST_Intersects(d.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY d.kind = 'district' DESC, d.id LIMIT 1
"""
)
# ruff: noqa: RUF001 - the Azerbaijani dotless i is meant
# Names are compared folded: lower case, and Azerbaijani and accented letters as their Latin
# neighbours (Şuşa, Susa and susa are one), in SQL alone, for the query and the names alike.
SEARCH = text(
    """
WITH query AS (
    SELECT fold AS exact, fold || '%' AS prefix, '% ' || fold || '%' AS word
    FROM (SELECT lower(translate(:pattern, 'ƏəIıİŞşÇçĞğÖöÜüÄäÉé', 'eeiiissccggoouuaaee'))
          AS fold) AS folded
),
places AS (
    SELECT 'settlement' AS kind, s.id, s.name, s.name_az, d.name AS district, s.population,
           ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
           ARRAY[s.name, coalesce(s.name_az, '')] || coalesce(s.alternate_names, '{}') AS names,
           NULL::json AS bbox
    FROM settlements AS s LEFT JOIN districts AS d ON d.id = s.district_id
    UNION ALL
    SELECT 'district', d.id, d.name, d.name_az, NULL, NULL,
           ST_X(ST_PointOnSurface(d.geom)), ST_Y(ST_PointOnSurface(d.geom)),
           ARRAY[d.name, coalesce(d.name_az, '')],
           json_build_array(ST_XMin(d.geom), ST_YMin(d.geom), ST_XMax(d.geom), ST_YMax(d.geom))
    FROM districts AS d
),
folded AS (
    SELECT p.kind, p.id,
           lower(translate(n, 'ƏəIıİŞşÇçĞğÖöÜüÄäÉé', 'eeiiissccggoouuaaee')) AS name
    FROM places AS p, unnest(p.names) AS n
),
matched AS (
    SELECT f.kind, f.id,
           min(CASE WHEN f.name = q.exact THEN 0 WHEN f.name LIKE q.prefix THEN 1 ELSE 2 END)
               AS quality
    FROM folded AS f, query AS q
    WHERE f.name LIKE q.prefix OR f.name LIKE q.word
    GROUP BY f.kind, f.id
)
SELECT p.kind, p.id, p.name, p.name_az, p.district, p.population, p.lon, p.lat, p.bbox
FROM matched AS m JOIN places AS p USING (kind, id)
ORDER BY m.quality, p.kind = 'settlement', coalesce(p.population, 0) DESC, p.name, p.id
LIMIT :limit
"""
)


def zones_near(
    session: Session, lon: float, lat: float, metres: float, as_of: date, filters: dict[str, Any]
) -> list[AnyRow]:
    """Zones within ``metres`` and the nearest one, each with its geodesic distance."""
    parameters = {"lon": lon, "lat": lat, "metres": metres, "as_of": as_of, **filters}
    return list(session.execute(ZONES_NEAR, parameters).all())


def incidents_near(
    session: Session, lon: float, lat: float, metres: float, as_of: date
) -> list[AnyRow]:
    """Incidents up to ``as_of`` within ``metres``, nearest first."""
    parameters = {"lon": lon, "lat": lat, "metres": metres, "as_of": as_of}
    return list(session.execute(INCIDENTS_NEAR, parameters).all())


def district_at(session: Session, lon: float, lat: float) -> int | None:
    """The district (before a city) the point lies in."""
    found = session.scalar(DISTRICT_AT, {"lon": lon, "lat": lat})
    return None if found is None else int(found)


def search(session: Session, query: str, limit: int) -> list[AnyRow]:
    """Places one of whose names, or a word of it, starts with the query (folded): exact
    matches first, then districts, then settlements by population."""
    pattern = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(session.execute(SEARCH, {"pattern": pattern, "limit": limit}).all())
