-- A zone's piece in a district: the zone itself when the district covers it, else their
-- intersection's polygons. One definition, so that a full rebuild and an incremental refresh
-- cut the same piece to the last digit.
CREATE FUNCTION stats_piece(zone geometry, district geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ST_CoveredBy(zone, district) THEN zone
                ELSE ST_CollectionExtract(ST_Intersection(zone, district), 3) END
$$
