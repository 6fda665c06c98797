-- Rebuild the districts writes marked (every one when nothing is built yet, after a TRUNCATE or
-- when stats_refresh_all() asks), with stats_build_districts().
-- v3: it runs on the write path, from a deferred trigger once per writing statement, so it
-- returns at once when nothing is marked and the built version is current.
-- v4: it also rebuilds the districts' contaminated areas (stats_build_areas), which the tiles
-- draw at low zooms.
-- v5: the zones writes changed (stats_dirty_zones) are refreshed leaf by leaf
-- (stats_refresh_zones); more than 1,000 at once rebuild their districts whole, which is then
-- the faster way. A district marked itself (its geometry changed) is rebuilt whole.
-- v6: a rebuild of everything, or of more zones written than the districts left as they are
-- hold, writes the steps without their key index and builds it once, sorted, after: keeping it
-- row by row took 3 to 6 s of the 37 s rebuild of 100,000 zones. Only these functions read the
-- steps, under stats_state's lock; the index is kept, as v5 kept it, when the writer does not
-- own the table or someone else holds it (a pg_dump) past 100 ms.
CREATE FUNCTION stats_refresh() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
    everything boolean;
    territory boolean;
    targets integer[];
    touched integer[];
    rebuilt bigint := 0;  -- the zones written
    unindexed boolean := false;
    waited text;
BEGIN
    -- The lock makes writers of zones and districts wait until the rebuild commits.
    SELECT data_version, rebuild_all OR built_version = 0, territory_stale
    INTO target, everything, territory
    FROM stats_state FOR UPDATE;
    IF NOT (everything OR territory) AND NOT EXISTS (SELECT FROM stats_dirty_districts)
       AND NOT EXISTS (SELECT FROM stats_dirty_zones)
       AND (SELECT built_version FROM stats_state) = target THEN
        RETURN target;
    END IF;
    IF everything THEN
        DELETE FROM stats_dirty_zones;
        DELETE FROM stats_atoms;
        DELETE FROM stats_deltas;
        DELETE FROM stats_district_areas;
        DELETE FROM stats_contaminated_areas;
        DELETE FROM stats_zone_pieces;
        DELETE FROM stats_leaves;
        DELETE FROM stats_leaf_steps;
        DELETE FROM stats_leaf_areas;
        targets := ARRAY(SELECT id FROM districts);
    ELSE
        rebuilt := (SELECT count(*) FROM stats_dirty_zones);
        IF rebuilt > 1000 THEN
            targets := ARRAY(
                SELECT p.district_id FROM stats_zone_pieces AS p JOIN stats_dirty_zones USING (zone_id)
                UNION
                SELECT d.id FROM stats_dirty_zones AS dirty
                JOIN contaminated_zones AS z ON z.id = dirty.zone_id
                JOIN districts AS d ON ST_Intersects(d.geom, z.geom)
                UNION
                SELECT district_id FROM stats_dirty_districts);
            DELETE FROM stats_dirty_zones;
        ELSE
            targets := ARRAY(SELECT district_id FROM stats_dirty_districts);
        END IF;
        DELETE FROM stats_atoms WHERE district_id = ANY (targets);
        DELETE FROM stats_deltas WHERE district_id = ANY (targets);
        DELETE FROM stats_district_areas WHERE district_id = ANY (targets);
        DELETE FROM stats_zone_pieces WHERE district_id = ANY (targets);
        DELETE FROM stats_leaves WHERE district_id = ANY (targets);
        DELETE FROM stats_leaf_steps WHERE district_id = ANY (targets);
        DELETE FROM stats_leaf_areas WHERE district_id = ANY (targets);
    END IF;
    DELETE FROM stats_dirty_districts;
    IF cardinality(targets) > 0 THEN
        IF everything OR rebuilt > greatest(1000, (SELECT count(*) FROM stats_zone_pieces)) THEN
            waited := current_setting('lock_timeout');
            PERFORM set_config('lock_timeout', '100ms', true);
            BEGIN
                DROP INDEX ix_stats_leaf_steps_key;
                unindexed := true;
            EXCEPTION WHEN lock_not_available OR insufficient_privilege THEN
                NULL;  -- kept, and kept up row by row
            END;
            PERFORM set_config('lock_timeout', waited, true);
        END IF;
        PERFORM stats_build_districts(targets);
        IF unindexed THEN  -- as migration 0019 made it
            CREATE INDEX ix_stats_leaf_steps_key ON stats_leaf_steps
                (district_id, measure, risk_level, status, contamination, on_date);
        END IF;
    END IF;
    touched := stats_refresh_zones(targets);
    PERFORM stats_build_areas(targets || touched);
    IF everything THEN
        ANALYZE stats_deltas;  -- a few districts more or less do not move the statistics
    END IF;

    UPDATE stats_state SET
        built_version = target,
        refreshed_at = clock_timestamp(),
        rebuild_all = false,
        territory_stale = false,
        territory_km2 = CASE WHEN everything OR territory THEN coalesce(
            (SELECT ST_Area(ST_Union(geom)::geography) / 1e6 FROM districts), 0)
            ELSE territory_km2 END;
    RETURN target;
END
$$
