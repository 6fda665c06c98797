-- The overlay of the leaves listed in the temporary table stats_work_leaves (district_id, path,
-- x0, y0, x1, y1; stats_leaves_of gives them): their atoms, each atom's step functions summed
-- per leaf (stats_leaf_steps) and the union of their contaminated atoms (stats_leaf_areas).
-- A leaf's atoms: the pieces alone (whose interior meets no other piece) whose box's centre
-- falls in the leaf, as they are; and the faces of the other pieces cut to the leaf's box,
-- noded together in the order of their zones' ids and polygonized (v4 of
-- stats_build_districts did that once per district). A leaf's result depends only on the
-- pieces that meet it, so a full rebuild and an incremental refresh give it alike.
-- v2: a piece is cut to a leaf once (OFFSET 0: the planner computed the cut for the filter
-- that drops empty ones too), and a piece inside the leaf's box is told by its bounds, exactly
-- as ST_CoveredBy tells it for a box without preparing either (11.7 s for 100,000 pieces).
CREATE FUNCTION stats_build_leaves() RETURNS void
LANGUAGE plpgsql SET jit = off SET client_min_messages = warning SET work_mem = '256MB' AS $$
BEGIN
    ANALYZE stats_work_leaves;
    INSERT INTO stats_leaves (district_id, path, x0, y0, x1, y1)
    SELECT district_id, path, x0, y0, x1, y1 FROM stats_work_leaves;

    DROP TABLE IF EXISTS stats_cut;
    CREATE TEMP TABLE stats_cut ON COMMIT DROP AS
    SELECT district_id, path, zone_id, geom FROM (
        SELECT l.district_id, l.path, p.zone_id,
               CASE WHEN ST_XMin(p.geom) >= l.x0 AND ST_XMax(p.geom) <= l.x1
                     AND ST_YMin(p.geom) >= l.y0 AND ST_YMax(p.geom) <= l.y1 THEN p.geom
                    ELSE ST_CollectionExtract(ST_Intersection(p.geom, b.box), 3) END AS geom
        FROM stats_work_leaves AS l
        CROSS JOIN LATERAL (SELECT ST_MakeEnvelope(l.x0, l.y0, l.x1, l.y1, 4326) AS box) AS b
        JOIN stats_zone_pieces AS p ON p.district_id = l.district_id AND NOT p.alone
                               AND p.geom && b.box
        OFFSET 0
    ) AS cut
    WHERE NOT ST_IsEmpty(geom);
    CREATE INDEX ON stats_cut USING gist (geom);
    ANALYZE stats_cut;

    INSERT INTO stats_atoms (district_id, leaf, zone_ids, area_km2, geom)
    SELECT l.district_id, l.path, ARRAY[p.zone_id], ST_Area(p.geom::geography) / 1e6,
           ST_Multi(p.geom)
    FROM stats_work_leaves AS l
    JOIN stats_zone_pieces AS p ON p.district_id = l.district_id AND p.alone
     AND p.geom && ST_MakeEnvelope(l.x0, l.y0, l.x1, l.y1, 4326)
    WHERE (ST_XMin(p.geom) + ST_XMax(p.geom)) / 2 >= l.x0
      AND (ST_XMin(p.geom) + ST_XMax(p.geom)) / 2 < l.x1
      AND (ST_YMin(p.geom) + ST_YMax(p.geom)) / 2 >= l.y0
      AND (ST_YMin(p.geom) + ST_YMax(p.geom)) / 2 < l.y1;

    INSERT INTO stats_atoms (district_id, leaf, zone_ids, area_km2, geom)
    SELECT f.district_id, f.path, cover.ids, ST_Area(f.geom::geography) / 1e6, ST_Multi(f.geom)
    FROM (
        SELECT district_id, path, (ST_Dump(ST_Polygonize(lines))).geom AS geom
        FROM (
            SELECT district_id, path,
                   ST_UnaryUnion(ST_Collect(ST_Boundary(geom) ORDER BY zone_id)) AS lines
            FROM stats_cut GROUP BY district_id, path
        ) AS noded
        GROUP BY district_id, path
    ) AS f
    CROSS JOIN LATERAL (
        SELECT array_agg(c.zone_id ORDER BY c.zone_id) AS ids FROM stats_cut AS c
        WHERE c.district_id = f.district_id AND c.path = f.path
          AND ST_Intersects(c.geom, ST_PointOnSurface(f.geom))
    ) AS cover
    WHERE cover.ids IS NOT NULL;

    -- Each zone's statuses over time, as a table with an index: the join below is then a
    -- hash or index join, where a CTE scan made it quadratic. Its members and their periods
    -- are tables too, analyzed: planned from CTEs, 100,000 members were estimated at 10 and
    -- their periods at 1, and "no period of this zone" became a nested loop over every
    -- period for every zone (an import of 100,000 zones refreshed in 270 s or in 20 s,
    -- depending on the plan).
    DROP TABLE IF EXISTS stats_members;
    CREATE TEMP TABLE stats_members ON COMMIT DROP AS
    SELECT DISTINCT member.zone_id
    FROM stats_atoms AS a JOIN stats_work_leaves AS l USING (district_id)
    CROSS JOIN LATERAL unnest(a.zone_ids) AS member(zone_id)
    WHERE a.leaf = l.path;
    ANALYZE stats_members;

    -- The contaminated statuses (active, in_progress) each zone's history recorded, one per
    -- day (the day's last), then the periods between changes; the first known status also
    -- holds before it, back to the zone's recording.
    DROP TABLE IF EXISTS stats_periods;
    CREATE TEMP TABLE stats_periods ON COMMIT DROP AS
    WITH known AS (
        SELECT DISTINCT ON (h.feature_id, h.at::date)
               h.feature_id AS zone_id, h.status, h.at::date AS on_date
        FROM feature_history AS h JOIN stats_members AS m ON m.zone_id = h.feature_id
        WHERE h.collection = 'contaminated_zones'
          AND h.status IN ('active', 'in_progress')
        ORDER BY h.feature_id, h.at::date, h.id DESC
    ),
    changes AS (
        SELECT *, lag(status) OVER (PARTITION BY zone_id ORDER BY on_date) AS previous
        FROM known
    )
    SELECT zone_id, status,
           CASE WHEN row_number() OVER w = 1 THEN '-infinity'::date ELSE on_date END AS starts,
           coalesce(lead(on_date) OVER w, 'infinity'::date) AS ends,
           false AS release
    FROM changes WHERE previous IS DISTINCT FROM status
    WINDOW w AS (PARTITION BY zone_id ORDER BY on_date);
    CREATE INDEX ON stats_periods (zone_id);
    ANALYZE stats_periods;

    DROP TABLE IF EXISTS stats_statuses;
    CREATE TEMP TABLE stats_statuses ON COMMIT DROP AS
    SELECT * FROM stats_periods
    UNION ALL
    -- No contaminated status in the history (none kept, or the zone was recorded
    -- released): its status today if contaminated, else active, held until released.
    SELECT z.id, CASE WHEN z.status IN ('active', 'in_progress') THEN z.status
                      ELSE 'active' END, '-infinity'::date, 'infinity'::date, false
    FROM contaminated_zones AS z JOIN stats_members AS m ON m.zone_id = z.id
    WHERE NOT EXISTS (SELECT FROM stats_periods AS p WHERE p.zone_id = z.id)
    UNION ALL
    -- From its release on, a zone has its released status.
    SELECT z.id, z.status, z.released_on, 'infinity'::date, true
    FROM contaminated_zones AS z JOIN stats_members AS m ON m.zone_id = z.id
    WHERE z.released_on IS NOT NULL;
    CREATE INDEX ON stats_statuses (zone_id);
    ANALYZE stats_statuses;

    INSERT INTO stats_leaf_steps
        (district_id, leaf, measure, risk_level, status, contamination, on_date, delta_km2)
    WITH keyed AS (
        SELECT a.id AS atom, a.district_id, a.leaf, a.area_km2,
               k.risk_level, k.status, k.contamination,
               greatest(z.recorded_on, s.starts) AS starts,
               least(coalesce(z.released_on, 'infinity'::date), s.ends) AS ends,
               CASE WHEN s.release THEN z.released_on END AS released_on
        FROM stats_atoms AS a JOIN stats_work_leaves AS l
          ON l.district_id = a.district_id AND l.path = a.leaf
        CROSS JOIN LATERAL unnest(a.zone_ids) AS member(zone_id)
        JOIN contaminated_zones AS z ON z.id = member.zone_id
        JOIN stats_statuses AS s ON s.zone_id = z.id
        CROSS JOIN LATERAL (
            SELECT r.v AS risk_level, st.v AS status, c.v AS contamination
            FROM (VALUES ('*'), (z.risk_level)) AS r(v),
                 (VALUES ('*'), (s.status)) AS st(v),
                 (SELECT '*' UNION SELECT unnest(z.contamination)) AS c(v)
        ) AS k
    ),
    ordered AS (
        SELECT *, max(ends) OVER (
            PARTITION BY atom, risk_level, status, contamination ORDER BY starts, ends
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
        FROM keyed WHERE starts < ends
    ),
    numbered AS (
        SELECT *, sum(CASE WHEN previous_end >= starts THEN 0 ELSE 1 END) OVER (
            PARTITION BY atom, risk_level, status, contamination ORDER BY starts, ends
            ROWS UNBOUNDED PRECEDING) AS island
        FROM ordered
    ),
    islands AS (
        SELECT district_id, leaf, area_km2, risk_level, status, contamination,
               min(starts) AS starts, max(ends) AS ends
        FROM numbered
        GROUP BY atom, district_id, leaf, area_km2, risk_level, status, contamination, island
    ),
    steps AS (
        SELECT district_id, leaf, 'contaminated' AS measure, risk_level, status, contamination,
               starts AS on_date, area_km2 AS delta_km2 FROM islands
        UNION ALL
        SELECT district_id, leaf, 'contaminated', risk_level, status, contamination,
               ends, -area_km2 FROM islands WHERE ends <> 'infinity'::date
        UNION ALL
        SELECT district_id, leaf, 'released', risk_level, status, contamination,
               min(released_on), area_km2 FROM keyed WHERE released_on IS NOT NULL
        GROUP BY atom, district_id, leaf, area_km2, risk_level, status, contamination
    )
    SELECT district_id, leaf, measure, risk_level, status, contamination, on_date,
           sum(delta_km2)
    FROM steps
    GROUP BY district_id, leaf, measure, risk_level, status, contamination, on_date;

    -- The union of each leaf's atoms a zone not yet released covers, merged in one order
    -- (their zones, then their place): the same atoms in another order can differ in the
    -- last digits.
    INSERT INTO stats_leaf_areas (district_id, leaf, area_km2, geom)
    SELECT a.district_id, a.leaf, sum(a.area_km2), ST_Multi(ST_UnaryUnion(ST_Collect(
           a.geom ORDER BY a.zone_ids, ST_XMin(a.geom), ST_YMin(a.geom))))
    FROM stats_atoms AS a JOIN stats_work_leaves AS l
      ON l.district_id = a.district_id AND l.path = a.leaf
    WHERE EXISTS (
        SELECT FROM contaminated_zones AS z
        WHERE z.id = ANY (a.zone_ids) AND z.released_on IS NULL
    )
    GROUP BY a.district_id, a.leaf;
END
$$
