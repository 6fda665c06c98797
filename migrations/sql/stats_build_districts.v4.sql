-- The overlay of the target districts: their pieces of zones, a piece whose interior meets no
-- other piece of its district is an atom as it is, the others are noded together and
-- polygonized into faces; then each target district's step functions.
-- Two choices of plan, same results: the planner overestimates the geometry joins by orders
-- of magnitude, so JIT compiled queries whose time is spent in GEOS (about 50 ms of a
-- one-district rebuild, 1 s of a full one); and the overlap test hashed on the district, which
-- compares every pair of a district's pieces (11 s of the 27 s full rebuild at 100,000 zones)
-- where the spatial index finds each piece's few neighbours (2 s).
-- v2: a zone's status on each date comes from its history (feature_history, migration 0008),
-- so the status filter and breakdown at a date use the status the zone had then.
-- v3: the sorts and hashes of the step functions stay in memory (work_mem): at 4 MB they
-- spilled 130 MB to disk for 20,000 zones in a district (15.6 s, now 10.5 s). (A faster way
-- for faces to find their pieces, from the piece's side, was tried and left out: after
-- committed writes it gave other atoms in a full rebuild than in an incremental one.)
-- v4: the boundaries are noded in the order of their zones' ids. GEOS nodes nearly
-- coincident lines differently in another order, and the order of the pieces was the plan's:
-- an incremental refresh and a full rebuild made slivers of 0.01 m² in one and not the other
-- (CI, tests/repositories/test_stats_bulk.py). The same pieces now give the same faces.
CREATE FUNCTION stats_build_districts(targets integer[]) RETURNS void
LANGUAGE plpgsql SET jit = off SET client_min_messages = warning SET work_mem = '256MB' AS $$
BEGIN
    INSERT INTO stats_district_areas (district_id, area_km2)
    SELECT id, ST_Area(geom::geography) / 1e6 FROM districts WHERE id = ANY (targets);

    DROP TABLE IF EXISTS stats_pieces;
    CREATE TEMP TABLE stats_pieces ON COMMIT DROP AS
    SELECT district_id, zone_id, geom, true AS alone FROM (
        SELECT d.id AS district_id, z.id AS zone_id,
               CASE WHEN ST_CoveredBy(z.geom, d.geom) THEN z.geom
                    ELSE ST_CollectionExtract(ST_Intersection(z.geom, d.geom), 3) END AS geom
        FROM districts AS d JOIN contaminated_zones AS z ON ST_Intersects(d.geom, z.geom)
        WHERE d.id = ANY (targets)
    ) AS clipped
    WHERE NOT ST_IsEmpty(geom);
    CREATE INDEX ON stats_pieces USING gist (geom);
    ANALYZE stats_pieces;

    UPDATE stats_pieces AS p SET alone = false WHERE EXISTS (
        SELECT 1 FROM stats_pieces AS q
        -- not "=": it would let the planner hash on the district instead of using the index
        WHERE q.district_id IS NOT DISTINCT FROM p.district_id AND q.zone_id <> p.zone_id
          AND q.geom && p.geom AND ST_Relate(p.geom, q.geom, 'T********')
    );

    INSERT INTO stats_atoms (district_id, zone_ids, area_km2, geom)
    SELECT district_id, ARRAY[zone_id], ST_Area(geom::geography) / 1e6, ST_Multi(geom)
    FROM stats_pieces WHERE alone;

    INSERT INTO stats_atoms (district_id, zone_ids, area_km2, geom)
    SELECT f.district_id, cover.ids, ST_Area(f.geom::geography) / 1e6, ST_Multi(f.geom)
    FROM (
        SELECT district_id, (ST_Dump(ST_Polygonize(lines))).geom AS geom
        FROM (
            SELECT district_id,
                   ST_UnaryUnion(ST_Collect(ST_Boundary(geom) ORDER BY zone_id)) AS lines
            FROM stats_pieces WHERE NOT alone GROUP BY district_id
        ) AS noded
        GROUP BY district_id
    ) AS f
    CROSS JOIN LATERAL (
        SELECT array_agg(p.zone_id ORDER BY p.zone_id) AS ids FROM stats_pieces AS p
        WHERE p.district_id = f.district_id AND NOT p.alone
          AND ST_Intersects(p.geom, ST_PointOnSurface(f.geom))
    ) AS cover
    WHERE cover.ids IS NOT NULL;

    -- Each zone's statuses over time, as a table with an index: the join below is then a
    -- hash or index join, where a CTE scan made it quadratic.
    DROP TABLE IF EXISTS stats_statuses;
    CREATE TEMP TABLE stats_statuses ON COMMIT DROP AS
    WITH members AS (
        SELECT DISTINCT member.zone_id FROM stats_atoms AS a
        CROSS JOIN LATERAL unnest(a.zone_ids) AS member(zone_id)
        WHERE a.district_id = ANY (targets)
    ),
    -- The contaminated statuses (active, in_progress) each zone's history recorded, one per
    -- day (the day's last), then the periods between changes; the first known status also
    -- holds before it, back to the zone's recording.
    known AS (
        SELECT DISTINCT ON (h.feature_id, h.at::date)
               h.feature_id AS zone_id, h.status, h.at::date AS on_date
        FROM feature_history AS h JOIN members AS m ON m.zone_id = h.feature_id
        WHERE h.collection = 'contaminated_zones'
          AND h.status IN ('active', 'in_progress')
        ORDER BY h.feature_id, h.at::date, h.id DESC
    ),
    changes AS (
        SELECT *, lag(status) OVER (PARTITION BY zone_id ORDER BY on_date) AS previous
        FROM known
    ),
    periods AS (
        SELECT zone_id, status,
               CASE WHEN row_number() OVER w = 1 THEN '-infinity'::date ELSE on_date END AS starts,
               coalesce(lead(on_date) OVER w, 'infinity'::date) AS ends,
               false AS release
        FROM changes WHERE previous IS DISTINCT FROM status
        WINDOW w AS (PARTITION BY zone_id ORDER BY on_date)
    ),
    statuses AS (
        SELECT * FROM periods
        UNION ALL
        -- No contaminated status in the history (none kept, or the zone was recorded
        -- released): its status today if contaminated, else active, held until released.
        SELECT z.id, CASE WHEN z.status IN ('active', 'in_progress') THEN z.status
                          ELSE 'active' END, '-infinity'::date, 'infinity'::date, false
        FROM contaminated_zones AS z JOIN members AS m ON m.zone_id = z.id
        WHERE NOT EXISTS (SELECT FROM periods AS p WHERE p.zone_id = z.id)
        UNION ALL
        -- From its release on, a zone has its released status.
        SELECT z.id, z.status, z.released_on, 'infinity'::date, true
        FROM contaminated_zones AS z JOIN members AS m ON m.zone_id = z.id
        WHERE z.released_on IS NOT NULL
    )
    SELECT * FROM statuses;
    CREATE INDEX ON stats_statuses (zone_id);
    ANALYZE stats_statuses;

    INSERT INTO stats_deltas
        (measure, risk_level, status, contamination, district_id, on_date, delta_km2, level_km2)
    WITH keyed AS (
        SELECT a.id AS atom, a.district_id, a.area_km2, k.risk_level, k.status, k.contamination,
               greatest(z.recorded_on, s.starts) AS starts,
               least(coalesce(z.released_on, 'infinity'::date), s.ends) AS ends,
               CASE WHEN s.release THEN z.released_on END AS released_on
        FROM stats_atoms AS a
        CROSS JOIN LATERAL unnest(a.zone_ids) AS member(zone_id)
        JOIN contaminated_zones AS z ON z.id = member.zone_id
        JOIN stats_statuses AS s ON s.zone_id = z.id
        CROSS JOIN LATERAL (
            SELECT r.v AS risk_level, st.v AS status, c.v AS contamination
            FROM (VALUES ('*'), (z.risk_level)) AS r(v),
                 (VALUES ('*'), (s.status)) AS st(v),
                 (SELECT '*' UNION SELECT unnest(z.contamination)) AS c(v)
        ) AS k
        WHERE a.district_id = ANY (targets)
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
        SELECT district_id, area_km2, risk_level, status, contamination,
               min(starts) AS starts, max(ends) AS ends
        FROM numbered
        GROUP BY atom, district_id, area_km2, risk_level, status, contamination, island
    ),
    steps AS (
        SELECT 'contaminated' AS measure, risk_level, status, contamination, district_id,
               starts AS on_date, area_km2 AS delta_km2 FROM islands
        UNION ALL
        SELECT 'contaminated', risk_level, status, contamination, district_id,
               ends, -area_km2 FROM islands WHERE ends <> 'infinity'::date
        UNION ALL
        SELECT 'released', risk_level, status, contamination, district_id,
               min(released_on), area_km2 FROM keyed WHERE released_on IS NOT NULL
        GROUP BY atom, district_id, area_km2, risk_level, status, contamination
    )
    SELECT measure, risk_level, status, contamination, district_id, on_date, sum(delta_km2),
           sum(sum(delta_km2)) OVER (
               PARTITION BY measure, risk_level, status, contamination, district_id
               ORDER BY on_date)
    FROM steps GROUP BY measure, risk_level, status, contamination, district_id, on_date;
END
$$
