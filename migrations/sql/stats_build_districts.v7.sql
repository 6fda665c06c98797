-- The overlay of the target districts from scratch: their pieces of zones (kept in
-- stats_zone_pieces, each marked alone when its interior meets no other piece of its district),
-- the leaves of their quadtree (stats_leaves_of), each leaf's atoms, steps and contaminated
-- area (stats_build_leaves), then each district's step functions from its leaves' steps.
-- Two choices of plan, same results: the planner overestimates the geometry joins by orders
-- of magnitude, so JIT compiled queries whose time is spent in GEOS; and the overlap test
-- hashed on the district, which compares every pair of a district's pieces where the spatial
-- index finds each piece's few neighbours.
-- v5: the pieces, leaves and per-leaf steps are kept, so that a write of a few zones renodes
-- only the leaves around them (stats_refresh_zones): v4 noded and stepped whole districts,
-- 10 s for one edit in a district of 20,000 zones. A district whose pieces are few is one
-- leaf, noded whole as in v4.
-- v6: each piece is cut once. The planner pulled the cut into the filter that drops empty
-- pieces as well as into the row, so every zone was tested (and a zone across a border cut)
-- twice; OFFSET 0 keeps the subquery whole.
-- v7: each piece is marked alone before it is written, not updated after: the UPDATE rewrote
-- 95,000 of 102,000 pieces with their index entries.
CREATE FUNCTION stats_build_districts(targets integer[]) RETURNS void
LANGUAGE plpgsql SET jit = off SET client_min_messages = warning SET work_mem = '256MB' AS $$
BEGIN
    INSERT INTO stats_district_areas (district_id, area_km2)
    SELECT id, ST_Area(geom::geography) / 1e6 FROM districts WHERE id = ANY (targets);

    DROP TABLE IF EXISTS stats_new_pieces;
    CREATE TEMP TABLE stats_new_pieces ON COMMIT DROP AS
    SELECT district_id, zone_id, geom FROM (
        SELECT d.id AS district_id, z.id AS zone_id, stats_piece(z.geom, d.geom) AS geom
        FROM districts AS d JOIN contaminated_zones AS z ON ST_Intersects(d.geom, z.geom)
        WHERE d.id = ANY (targets)
        OFFSET 0
    ) AS clipped
    WHERE NOT ST_IsEmpty(geom);
    CREATE INDEX ON stats_new_pieces USING gist (geom);
    ANALYZE stats_new_pieces;

    INSERT INTO stats_zone_pieces (district_id, zone_id, alone, geom)
    SELECT p.district_id, p.zone_id, NOT EXISTS (
        SELECT 1 FROM stats_new_pieces AS q
        -- not "=": it would let the planner hash on the district instead of using the index
        WHERE q.district_id IS NOT DISTINCT FROM p.district_id AND q.zone_id <> p.zone_id
          AND q.geom && p.geom AND ST_Relate(p.geom, q.geom, 'T********')
    ), p.geom
    FROM stats_new_pieces AS p;
    ANALYZE stats_zone_pieces;

    DROP TABLE IF EXISTS stats_work_leaves;
    CREATE TEMP TABLE stats_work_leaves ON COMMIT DROP AS
    SELECT * FROM stats_leaves_of(targets);
    PERFORM stats_build_leaves();

    INSERT INTO stats_deltas
        (measure, risk_level, status, contamination, district_id, on_date, delta_km2, level_km2)
    SELECT measure, risk_level, status, contamination, district_id, on_date, sum(delta_km2),
           sum(sum(delta_km2)) OVER (
               PARTITION BY measure, risk_level, status, contamination, district_id
               ORDER BY on_date)
    FROM stats_leaf_steps WHERE district_id = ANY (targets)
    GROUP BY measure, risk_level, status, contamination, district_id, on_date;
    -- The incremental refreshes that follow, in the same transaction too (autovacuum cannot
    -- see it), plan by these counts: without them an edit after a bulk write took 1.3 s. The
    -- pieces were analyzed once written.
    ANALYZE stats_atoms;
    ANALYZE stats_leaf_steps;
    ANALYZE stats_deltas;
END
$$
