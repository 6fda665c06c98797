-- A district's pieces depend on its own geometry only, so a changed district is rebuilt alone;
-- the territory (the union of all districts) is recomputed when any geometry changed.
CREATE FUNCTION stats_districts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed integer[];
BEGIN
    IF stats_bump_version(TG_OP = 'TRUNCATE') THEN
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        changed := ARRAY(SELECT id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := ARRAY(SELECT id FROM old_rows);
    ELSE
        changed := ARRAY(
            SELECT id FROM old_rows AS o FULL JOIN new_rows AS n USING (id)
            WHERE o.geom IS DISTINCT FROM n.geom
        );
    END IF;
    IF cardinality(changed) > 0 THEN
        UPDATE stats_state SET territory_stale = true;
        INSERT INTO stats_dirty_districts (district_id)
        SELECT DISTINCT unnest(changed) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$
