-- A zone matters to the figures through its geometry, its id (atoms list zone ids) and the
-- attributes the deltas are keyed and dated by; a change of name or devices marks nothing.
CREATE FUNCTION stats_zones_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF stats_bump_version(TG_OP = 'TRUNCATE') THEN
        RETURN NULL;  -- the next refresh rebuilds every district anyway
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO stats_dirty_districts (district_id)
        SELECT DISTINCT d.id FROM new_rows AS z JOIN districts AS d ON ST_Intersects(d.geom, z.geom)
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO stats_dirty_districts (district_id)
        SELECT DISTINCT d.id FROM old_rows AS z JOIN districts AS d ON ST_Intersects(d.geom, z.geom)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO stats_dirty_districts (district_id)
        SELECT DISTINCT d.id
        FROM old_rows AS o FULL JOIN new_rows AS n USING (id)
        CROSS JOIN LATERAL (VALUES (o.geom), (n.geom)) AS touched(geom)
        JOIN districts AS d ON ST_Intersects(d.geom, touched.geom)
        WHERE (o.geom, o.risk_level, o.status, o.contamination, o.recorded_on, o.released_on)
              IS DISTINCT FROM
              (n.geom, n.risk_level, n.status, n.contamination, n.recorded_on, n.released_on)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$
