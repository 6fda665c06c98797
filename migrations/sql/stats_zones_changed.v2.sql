-- A zone matters to the figures through its geometry, its id (atoms list zone ids) and the
-- attributes the deltas are keyed and dated by; a change of name or devices marks nothing.
-- v2: it marks the zones (stats_dirty_zones), not their districts: the refresh rebuilds
-- only the leaves of the districts' overlay that the zones' pieces, before and after, meet.
-- (Districts were marked by a table with its own deferred trigger; a row trigger on the marked
-- zones would queue one refresh per zone of a bulk write.)
CREATE FUNCTION stats_zones_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    marked bigint;
BEGIN
    IF stats_bump_version(TG_OP = 'TRUNCATE') THEN
        RETURN NULL;  -- the next refresh rebuilds every district anyway
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO stats_dirty_zones (zone_id) SELECT id FROM new_rows ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO stats_dirty_zones (zone_id) SELECT id FROM old_rows ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO stats_dirty_zones (zone_id)
        SELECT DISTINCT touched.id
        FROM old_rows AS o FULL JOIN new_rows AS n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.id), (n.id)) AS touched(id)
        WHERE touched.id IS NOT NULL
          AND (o.geom, o.risk_level, o.status, o.contamination, o.recorded_on, o.released_on)
              IS DISTINCT FROM
              (n.geom, n.risk_level, n.status, n.contamination, n.recorded_on, n.released_on)
        ON CONFLICT DO NOTHING;
    END IF;
    GET DIAGNOSTICS marked = ROW_COUNT;
    -- When the refresh is immediate (SET CONSTRAINTS), the version bump above already ran it,
    -- before the zones were marked: the built version steps back so that it runs again.
    IF marked > 0 THEN
        UPDATE stats_state SET built_version = data_version - 1
        WHERE built_version = data_version;
    END IF;
    RETURN NULL;
END
$$
