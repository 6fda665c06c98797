-- Every change of a feature of a layer, however it was made (the API, an import, plain SQL),
-- is kept: who (the setting contamap.actor, else the database user), when, what kind, and the
-- whole feature before and after, its geometry as GeoJSON. An update that changes nothing
-- records nothing (the trigger's WHEN). contamap.action names a restore or an import.
-- v2: the feature's attributes are made JSON from a copy of the row whose geometry is NULL.
-- to_jsonb of a row holding a geometry looks up and calls PostGIS's cast for it at each row,
-- though the result drops it: 60 us a row. An UPDATE of 100,000 zones took 28 s, 25 of them
-- in this trigger; 12.6 s now.
-- Every layer has a column geom (empty where a layer's geometry is optional).
CREATE FUNCTION feature_history_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    feature_id integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    old_row record;
    new_row record;
    before jsonb;
    after jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_row := OLD;
        old_row.geom := NULL;
        before := (to_jsonb(old_row) - 'geom')
            || jsonb_build_object('geometry', ST_AsGeoJSON(OLD.geom)::jsonb);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := NEW;
        new_row.geom := NULL;
        after := (to_jsonb(new_row) - 'geom')
            || jsonb_build_object('geometry', ST_AsGeoJSON(NEW.geom)::jsonb);
    END IF;
    INSERT INTO feature_history (collection, feature_id, action, actor, before, after)
    VALUES (
        TG_TABLE_NAME,
        feature_id,
        coalesce(
            nullif(current_setting('contamap.action', true), ''),
            CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END
        ),
        coalesce(nullif(current_setting('contamap.actor', true), ''), session_user),
        before,
        after
    );
    RETURN NULL;
END
$$
