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
-- v3: the steps hashed by key, not ordered per atom (below): the same rows, sums equal to
-- 1e-12 km² (the order of a float sum), 2.5 x faster; a leaf's contaminated area the union
-- of its pieces, not of its atoms (below); a face's zones found from the pieces (below).
CREATE FUNCTION stats_build_leaves() RETURNS void
LANGUAGE plpgsql SET jit = off SET client_min_messages = warning SET work_mem = '256MB'
SET hash_mem_multiplier = 4 AS $$
DECLARE
    sorting text := current_setting('enable_sort');
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

    -- The faces of each leaf's noded boundaries, each with a point inside it; a face's zones
    -- are the pieces that hold its point, found from the pieces through an index on the
    -- points (100,916 zones: 4.0 s; a lookup per face through the pieces' index, 5-6.5 s).
    DROP TABLE IF EXISTS stats_faces;
    CREATE TEMP TABLE stats_faces ON COMMIT DROP AS
    SELECT row_number() OVER () AS face, district_id, path, geom,
           ST_PointOnSurface(geom) AS point
    FROM (
        SELECT district_id, path, (ST_Dump(ST_Polygonize(lines))).geom AS geom
        FROM (
            SELECT district_id, path,
                   ST_UnaryUnion(ST_Collect(ST_Boundary(geom) ORDER BY zone_id)) AS lines
            FROM stats_cut GROUP BY district_id, path
        ) AS noded
        GROUP BY district_id, path
    ) AS faces;
    CREATE INDEX ON stats_faces USING gist (point);
    ANALYZE stats_faces;

    INSERT INTO stats_atoms (district_id, leaf, zone_ids, area_km2, geom)
    SELECT f.district_id, f.path, cover.ids, ST_Area(f.geom::geography) / 1e6, ST_Multi(f.geom)
    FROM stats_faces AS f JOIN (
        SELECT held.face, array_agg(c.zone_id ORDER BY c.zone_id) AS ids
        FROM stats_cut AS c JOIN stats_faces AS held
          ON held.district_id = c.district_id AND held.path = c.path
         AND ST_Intersects(c.geom, held.point)
        GROUP BY held.face
    ) AS cover USING (face)
    ORDER BY f.face;

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

    -- Each atom's step functions: per key (a risk level, a status, a contamination, each or '*'),
    -- the islands of time its member zones with that key are contaminated, + its area at an
    -- island's start, - at its end; + at the first release. The keys are a CUBE over the
    -- members' periods (stats_spans), hashed in one pass; a key whose periods all share a day
    -- is one island (from the first start to the last end), and only the others (3 % of the
    -- keys) are ordered in time to find their islands. The spans are a table, analyzed, and
    -- sorting is off for the statement: planned from a CTE's guess (22 million rows where
    -- there are 480,000) the CUBE was three sorts, and the final sums (3 million rows,
    -- guessed 8 million) a sort on disk. 100,916 zones: this statement 28 s in v2, 10 s here.
    DROP TABLE IF EXISTS stats_spans;
    CREATE TEMP TABLE stats_spans ON COMMIT DROP AS
    SELECT a.id AS atom, z.risk_level, s.status, c.contamination,
           greatest(z.recorded_on, s.starts) AS starts,
           least(coalesce(z.released_on, 'infinity'::date), s.ends) AS ends,
           CASE WHEN s.release THEN z.released_on END AS released_on
    FROM stats_atoms AS a JOIN stats_work_leaves AS l
      ON l.district_id = a.district_id AND l.path = a.leaf
    CROSS JOIN LATERAL unnest(a.zone_ids) AS member(zone_id)
    JOIN contaminated_zones AS z ON z.id = member.zone_id
    JOIN stats_statuses AS s ON s.zone_id = z.id
    CROSS JOIN LATERAL unnest(z.contamination) AS c(contamination);
    ANALYZE stats_spans;
    PERFORM set_config('enable_sort', 'off', true);
    INSERT INTO stats_leaf_steps
        (district_id, leaf, measure, risk_level, status, contamination, on_date, delta_km2)
    WITH keys AS (
        SELECT atom, coalesce(risk_level, '*') AS risk_level, coalesce(status, '*') AS status,
               coalesce(contamination, '*') AS contamination,
               min(starts) FILTER (WHERE starts < ends) AS starts,
               max(ends) FILTER (WHERE starts < ends) AS ends,
               max(starts) FILTER (WHERE starts < ends)
                   > min(ends) FILTER (WHERE starts < ends) AS apart,
               min(released_on) AS released_on
        FROM stats_spans
        GROUP BY atom, CUBE (risk_level, status, contamination)
    ),
    ordered AS (
        SELECT g.atom, g.risk_level, g.status, g.contamination, m.starts, m.ends,
               max(m.ends) OVER (
                   PARTITION BY g.atom, g.risk_level, g.status, g.contamination
                   ORDER BY m.starts, m.ends
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
        FROM keys AS g JOIN stats_spans AS m ON m.atom = g.atom
        WHERE g.apart AND m.starts < m.ends
          AND g.risk_level IN ('*', m.risk_level) AND g.status IN ('*', m.status)
          AND g.contamination IN ('*', m.contamination)
    ),
    numbered AS (
        SELECT *, sum(CASE WHEN previous_end >= starts THEN 0 ELSE 1 END) OVER (
            PARTITION BY atom, risk_level, status, contamination ORDER BY starts, ends
            ROWS UNBOUNDED PRECEDING) AS island
        FROM ordered
    ),
    islands AS (
        SELECT atom, risk_level, status, contamination, starts, ends
        FROM keys WHERE NOT apart
        UNION ALL
        SELECT atom, risk_level, status, contamination, min(starts), max(ends)
        FROM numbered GROUP BY atom, risk_level, status, contamination, island
    ),
    steps AS (
        SELECT atom, 'contaminated' AS measure, risk_level, status, contamination,
               starts AS on_date, 1 AS sign FROM islands
        UNION ALL
        SELECT atom, 'contaminated', risk_level, status, contamination, ends, -1
        FROM islands WHERE ends <> 'infinity'::date
        UNION ALL
        SELECT atom, 'released', risk_level, status, contamination, released_on, 1
        FROM keys WHERE released_on IS NOT NULL
    )
    SELECT a.district_id, a.leaf, s.measure, s.risk_level, s.status, s.contamination, s.on_date,
           sum(s.sign * a.area_km2)
    FROM steps AS s JOIN stats_atoms AS a ON a.id = s.atom
    GROUP BY a.district_id, a.leaf, s.measure, s.risk_level, s.status, s.contamination, s.on_date;
    PERFORM set_config('enable_sort', sorting, true);

    -- The union of each leaf's atoms a zone not yet released covers, as the union of those
    -- zones' pieces in the leaf (the pieces cut to it, and the pieces alone whose atom it
    -- holds), merged in one order (their zones): a union of overlapping pieces, 3.9 s for
    -- 100,916 zones where the union of the same region's atoms (v2) took 11 s. Its area
    -- agrees with the atoms' to 2e-5 (the atoms' boundaries are noded); the figure is theirs.
    INSERT INTO stats_leaf_areas (district_id, leaf, area_km2, geom)
    SELECT district_id, leaf, covered.area_km2, united.geom
    FROM (
        SELECT a.district_id, a.leaf, sum(a.area_km2) AS area_km2
        FROM stats_atoms AS a JOIN stats_work_leaves AS l
          ON l.district_id = a.district_id AND l.path = a.leaf
        WHERE EXISTS (
            SELECT FROM contaminated_zones AS z
            WHERE z.id = ANY (a.zone_ids) AND z.released_on IS NULL
        )
        GROUP BY a.district_id, a.leaf
    ) AS covered
    JOIN (
        SELECT district_id, leaf, ST_Multi(ST_UnaryUnion(ST_Collect(geom ORDER BY zone_id))) AS geom
        FROM (
            SELECT c.district_id, c.path AS leaf, c.zone_id, c.geom FROM stats_cut AS c
            JOIN contaminated_zones AS z ON z.id = c.zone_id AND z.released_on IS NULL
            UNION ALL
            SELECT a.district_id, a.leaf, p.zone_id, a.geom
            FROM stats_atoms AS a JOIN stats_work_leaves AS l
              ON l.district_id = a.district_id AND l.path = a.leaf
            JOIN stats_zone_pieces AS p
              ON p.district_id = a.district_id AND p.zone_id = a.zone_ids[1] AND p.alone
            JOIN contaminated_zones AS z ON z.id = p.zone_id AND z.released_on IS NULL
            WHERE cardinality(a.zone_ids) = 1
        ) AS pieces
        GROUP BY district_id, leaf
    ) AS united USING (district_id, leaf);
END
$$
