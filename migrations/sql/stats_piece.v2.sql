-- A zone's piece in a district: the zone itself when the district covers it, else their
-- intersection's polygons. One definition, so that a full rebuild and an incremental refresh
-- cut the same piece to the last digit.
-- v2: ST_Covers(district, zone), the same test as ST_CoveredBy(zone, district), but PostGIS
-- prepares the first argument of a covers test when it repeats (one district, its thousands
-- of zones), where it prepared nothing for the second of a coveredby: 0.4 s against 2.8 s for
-- 170,000 zones.
CREATE FUNCTION stats_piece(zone geometry, district geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN ST_Covers(district, zone) THEN zone
                ELSE ST_CollectionExtract(ST_Intersection(zone, district), 3) END
$$
