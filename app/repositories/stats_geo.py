"""Statistics that need geometry at request time: the former line of contact, GeoJSON output."""

from datetime import date
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.catalog import Collection
from app.repositories.stats import AnyRow

# The atoms are disjoint, so summing their clipped areas needs no union. An atom counts when
# one of its zones matches the filter and was contaminated on the date.
LINE_STATISTICS = text(
    """
WITH line AS (
    SELECT ST_LineMerge(ST_Union(geom)) AS geom FROM line_of_contact
),
bands AS (
    SELECT geom AS line,
           ST_Length(geom::geography) / 1e3 AS length_km,
           ST_Buffer(geom::geography, :metres)::geometry AS around,
           ST_Buffer(geom::geography, :metres, 'side=left')::geometry AS left_side,
           ST_Buffer(geom::geography, :metres, 'side=right')::geometry AS right_side
    FROM line WHERE geom IS NOT NULL
),
atoms AS (
    SELECT a.geom, a.area_km2 FROM stats_atoms AS a, bands AS b
    WHERE a.geom && b.around AND EXISTS (
        SELECT 1 FROM contaminated_zones AS z
        WHERE z.id = ANY(a.zone_ids)
          AND z.recorded_on <= :as_of AND (z.released_on IS NULL OR z.released_on > :as_of)
          AND (CAST(:risk_level AS text) IS NULL OR z.risk_level = :risk_level)
          AND (CAST(:status AS text) IS NULL OR stats_zone_status_on(z.id, :as_of) = :status)
          AND (CAST(:contamination AS text) IS NULL OR :contamination = ANY(z.contamination))
    )
),
incidents AS (
    SELECT i.geom, i.killed, i.injured FROM incidents AS i WHERE i.occurred_on <= :as_of
)
SELECT
    b.length_km,
    ST_X(ST_Centroid(b.left_side)) < ST_X(ST_Centroid(b.right_side)) AS left_is_west,
    (SELECT coalesce(sum(stats_km2_within(a.geom, a.area_km2, b.around)), 0) FROM atoms AS a)
        AS contaminated_km2,
    (SELECT coalesce(sum(stats_km2_within(a.geom, a.area_km2, b.left_side)), 0) FROM atoms AS a)
        AS left_km2,
    (SELECT coalesce(sum(stats_km2_within(a.geom, a.area_km2, b.right_side)), 0) FROM atoms AS a)
        AS right_km2,
    (SELECT count(*) FROM incidents) AS incidents_total,
    (SELECT json_build_array(count(*), coalesce(sum(killed), 0), coalesce(sum(injured), 0))
     FROM incidents AS i WHERE ST_DWithin(i.geom::geography, b.line::geography, :metres))
        AS around,
    (SELECT json_build_array(count(*), coalesce(sum(killed), 0), coalesce(sum(injured), 0))
     FROM incidents AS i WHERE ST_Intersects(i.geom, b.left_side)) AS left_incidents,
    (SELECT json_build_array(count(*), coalesce(sum(killed), 0), coalesce(sum(injured), 0))
     FROM incidents AS i WHERE ST_Intersects(i.geom, b.right_side)) AS right_incidents
FROM bands AS b
"""
)

# Settlements within a distance (metres, geodesic) of a zone counted as contaminated: the
# bounding boxes first, widened by the metres in degrees of longitude at 42.5 N (Azerbaijan's
# north), which is more than enough further south.
SETTLEMENTS_NEAR = text(
    """
SELECT s.district_id, count(*) AS settlements, coalesce(sum(s.population), 0) AS population
FROM settlements AS s
WHERE EXISTS (
    SELECT FROM stats_contaminated_zones(:as_of, :risk_level, :status, :contamination) AS z
    WHERE z.geom && ST_Expand(s.geom, :metres / 82000.0)
      AND ST_DWithin(z.geom::geography, s.geom::geography, :metres)
)
GROUP BY s.district_id
ORDER BY s.district_id NULLS LAST
"""
)


def line_statistics(
    session: Session, metres: float, as_of: date, filters: dict[str, str | None]
) -> AnyRow | None:
    """Areas and incidents within ``metres`` of the line, around it and on each side."""
    parameters = {"metres": metres, "as_of": as_of, **filters}
    return session.execute(LINE_STATISTICS, parameters).one_or_none()


def feature_collection(
    session: Session, collection: Collection, key: str, rows: list[dict[str, Any]]
) -> str:
    """A GeoJSON FeatureCollection of ``rows`` in their order: each row the properties of the
    collection's feature whose id is the row's ``key``, with its geometry."""
    # The table is the catalogue's (a collection's id is its table), never a request's.
    statement = text(
        f"""
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', f.id,
        'geometry', ST_AsGeoJSON(f.geom, 6)::json,
        'properties', item.value
    ) ORDER BY item.position), '[]'::json)
)::text
FROM json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS item(value, position)
JOIN {collection.id} AS f ON f.id = (item.value ->> :key)::integer
"""  # noqa: S608
    )
    return str(session.scalar(statement, {"rows": orjson.dumps(rows).decode(), "key": key}))


def settlements_near(
    session: Session, metres: float, as_of: date, filters: dict[str, str | None]
) -> list[AnyRow]:
    """Per district: the settlements within ``metres`` of a contaminated zone, their people."""
    parameters = {"metres": metres, "as_of": as_of, **filters}
    return list(session.execute(SETTLEMENTS_NEAR, parameters).all())
