-- The incremental refresh of the zones writes marked (stats_dirty_zones), in the districts
-- other than `skip` (rebuilt whole): their pieces are cut again, the alone marks of the
-- pieces around them checked again, and the leaves they meet rebuilt, with the leaves the
-- quadtree gained (a leaf split or merged); then the district's deltas of the keys and dates
-- whose steps changed, summed again from all its leaves' steps. Returns the districts touched.
-- Every leaf not rebuilt holds the same pieces as before, so the result is a full rebuild's.
-- v2: each piece is cut once (OFFSET 0: the planner computed it for the filter too).
CREATE FUNCTION stats_refresh_zones(skip integer[]) RETURNS integer[]
LANGUAGE plpgsql SET jit = off SET client_min_messages = warning SET work_mem = '256MB' AS $$
DECLARE
    touched integer[];
BEGIN
    IF NOT EXISTS (SELECT FROM stats_dirty_zones) THEN
        RETURN '{}';
    END IF;
    -- The changed zones, counted for the planner: one zone must not become a hash join of
    -- every zone with every district (150 ms).
    DROP TABLE IF EXISTS stats_changed_zones;
    CREATE TEMP TABLE stats_changed_zones ON COMMIT DROP AS SELECT zone_id FROM stats_dirty_zones;
    DELETE FROM stats_dirty_zones;
    ANALYZE stats_changed_zones;
    -- Their pieces before and after the write.
    DROP TABLE IF EXISTS stats_changed;
    CREATE TEMP TABLE stats_changed (district_id integer, geom geometry) ON COMMIT DROP;
    WITH old AS (
        DELETE FROM stats_zone_pieces AS p USING stats_changed_zones AS dirty
        WHERE p.zone_id = dirty.zone_id AND p.district_id <> ALL (skip)
        RETURNING p.district_id, p.geom
    )
    INSERT INTO stats_changed SELECT * FROM old;
    WITH new AS (
        INSERT INTO stats_zone_pieces (district_id, zone_id, alone, geom)
        SELECT district_id, zone_id, true, geom FROM (
            SELECT d.id AS district_id, z.id AS zone_id, stats_piece(z.geom, d.geom) AS geom
            FROM stats_changed_zones AS dirty
            JOIN contaminated_zones AS z ON z.id = dirty.zone_id
            JOIN districts AS d ON ST_Intersects(d.geom, z.geom)
            WHERE d.id <> ALL (skip)
            OFFSET 0
        ) AS clipped
        WHERE NOT ST_IsEmpty(geom)
        RETURNING district_id, geom
    )
    INSERT INTO stats_changed SELECT * FROM new;
    ANALYZE stats_changed;

    -- The region to rebuild: the changed pieces, and the pieces around them that became alone
    -- or stopped being alone (their atoms, or their cuts, change in every leaf they meet).
    DROP TABLE IF EXISTS stats_region;
    CREATE TEMP TABLE stats_region ON COMMIT DROP AS SELECT * FROM stats_changed;
    WITH around AS (
        SELECT DISTINCT p.district_id, p.zone_id
        FROM stats_changed AS c
        JOIN stats_zone_pieces AS p ON p.district_id = c.district_id AND p.geom && c.geom
    ),
    marks AS (
        SELECT a.district_id, a.zone_id, NOT EXISTS (
            SELECT 1 FROM stats_zone_pieces AS q
            WHERE q.district_id IS NOT DISTINCT FROM p.district_id AND q.zone_id <> p.zone_id
              AND q.geom && p.geom AND ST_Relate(p.geom, q.geom, 'T********')
        ) AS alone
        FROM around AS a
        JOIN stats_zone_pieces AS p ON p.district_id = a.district_id AND p.zone_id = a.zone_id
    ),
    remarked AS (
        UPDATE stats_zone_pieces AS p SET alone = m.alone FROM marks AS m
        WHERE p.district_id = m.district_id AND p.zone_id = m.zone_id AND p.alone <> m.alone
        RETURNING p.district_id, p.geom
    )
    INSERT INTO stats_region SELECT * FROM remarked;
    ANALYZE stats_region;
    touched := ARRAY(SELECT DISTINCT district_id FROM stats_region);

    -- The leaves now; the ones to build: new, or meeting the region; the ones to drop: gone,
    -- or rebuilt.
    DROP TABLE IF EXISTS stats_now_leaves;
    CREATE TEMP TABLE stats_now_leaves ON COMMIT DROP AS SELECT * FROM stats_leaves_of(touched);
    ANALYZE stats_now_leaves;
    DROP TABLE IF EXISTS stats_work_leaves;
    CREATE TEMP TABLE stats_work_leaves ON COMMIT DROP AS
    SELECT * FROM stats_now_leaves AS n
    WHERE NOT EXISTS (
        SELECT FROM stats_leaves AS o WHERE o.district_id = n.district_id AND o.path = n.path
    ) OR EXISTS (
        SELECT FROM stats_region AS r
        WHERE r.district_id = n.district_id
          AND r.geom && ST_MakeEnvelope(n.x0, n.y0, n.x1, n.y1, 4326)
    );
    -- A stored leaf whose path is no leaf now was split or merged; the others keep their path.
    DROP TABLE IF EXISTS stats_gone;
    CREATE TEMP TABLE stats_gone ON COMMIT DROP AS
    SELECT o.district_id, o.path FROM stats_leaves AS o
    WHERE o.district_id = ANY (touched) AND (
        EXISTS (SELECT FROM stats_work_leaves AS w
                WHERE w.district_id = o.district_id AND w.path = o.path)
        OR NOT EXISTS (SELECT FROM stats_now_leaves AS n
                       WHERE n.district_id = o.district_id AND n.path = o.path));
    ANALYZE stats_gone;
    DELETE FROM stats_leaves AS o USING stats_gone AS g
    WHERE o.district_id = g.district_id AND o.path = g.path;
    DELETE FROM stats_atoms AS a USING stats_gone AS g
    WHERE a.district_id = g.district_id AND a.leaf = g.path;
    DELETE FROM stats_leaf_areas AS a USING stats_gone AS g
    WHERE a.district_id = g.district_id AND a.leaf = g.path;
    DROP TABLE IF EXISTS stats_touched_keys;
    CREATE TEMP TABLE stats_touched_keys (
        district_id integer, leaf text, measure text, risk_level text, status text,
        contamination text, on_date date, delta_km2 float8) ON COMMIT DROP;
    WITH dropped AS (
        DELETE FROM stats_leaf_steps AS s USING stats_gone AS g
        WHERE s.district_id = g.district_id AND s.leaf = g.path
        RETURNING s.*
    )
    INSERT INTO stats_touched_keys SELECT * FROM dropped;

    PERFORM stats_build_leaves();

    -- The deltas of the keys and dates whose steps changed (a rebuilt leaf mostly gives the
    -- same steps again), summed again from all the district's leaves, then the running sums
    -- of those keys.
    DROP TABLE IF EXISTS stats_touched_dates;
    CREATE TEMP TABLE stats_touched_dates ON COMMIT DROP AS
    WITH built AS (
        SELECT s.* FROM stats_leaf_steps AS s JOIN stats_work_leaves AS w
          ON w.district_id = s.district_id AND w.path = s.leaf
    ),
    changed AS (
        (SELECT * FROM stats_touched_keys EXCEPT SELECT * FROM built)
        UNION ALL
        (SELECT * FROM built EXCEPT SELECT * FROM stats_touched_keys)
    )
    SELECT DISTINCT district_id, measure, risk_level, status, contamination, on_date
    FROM changed;
    ANALYZE stats_touched_dates;
    DELETE FROM stats_deltas AS d USING stats_touched_dates AS t
    WHERE (d.district_id, d.measure, d.risk_level, d.status, d.contamination, d.on_date)
        = (t.district_id, t.measure, t.risk_level, t.status, t.contamination, t.on_date);
    INSERT INTO stats_deltas
        (measure, risk_level, status, contamination, district_id, on_date, delta_km2, level_km2)
    SELECT s.measure, s.risk_level, s.status, s.contamination, s.district_id, s.on_date,
           sum(s.delta_km2), 0
    FROM stats_touched_dates AS t JOIN stats_leaf_steps AS s
      ON (s.district_id, s.measure, s.risk_level, s.status, s.contamination, s.on_date)
       = (t.district_id, t.measure, t.risk_level, t.status, t.contamination, t.on_date)
    GROUP BY s.measure, s.risk_level, s.status, s.contamination, s.district_id, s.on_date;
    UPDATE stats_deltas AS d SET level_km2 = r.level_km2 FROM (
        SELECT d.measure, d.risk_level, d.status, d.contamination, d.district_id, d.on_date,
               sum(d.delta_km2) OVER (
                   PARTITION BY d.measure, d.risk_level, d.status, d.contamination,
                                d.district_id
                   ORDER BY d.on_date) AS level_km2
        FROM stats_deltas AS d
        WHERE (d.district_id, d.measure, d.risk_level, d.status, d.contamination) IN (
            SELECT DISTINCT district_id, measure, risk_level, status, contamination
            FROM stats_touched_dates)
    ) AS r
    WHERE (d.district_id, d.measure, d.risk_level, d.status, d.contamination, d.on_date)
        = (r.district_id, r.measure, r.risk_level, r.status, r.contamination, r.on_date)
      AND d.level_km2 IS DISTINCT FROM r.level_km2;
    RETURN touched;
END
$$
