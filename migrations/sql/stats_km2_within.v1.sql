CREATE FUNCTION stats_km2_within(atom geometry, area_km2 double precision, band geometry)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN NOT ST_Intersects(atom, band) THEN 0
        WHEN ST_CoveredBy(atom, band) THEN area_km2
        ELSE ST_Area(ST_Intersection(atom, band)::geography) / 1e6
    END
$$
