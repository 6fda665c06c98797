-- Every change of a feature of a layer, however it was made (the API, an import, plain SQL),
-- is kept: who (the setting contamap.actor, else the database user), when, what kind, and the
-- whole feature before and after, its geometry as GeoJSON. An update that changes nothing
-- records nothing (the trigger's WHEN). contamap.action names a restore or an import.
CREATE FUNCTION feature_history_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    feature_id integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
BEGIN
    INSERT INTO feature_history (collection, feature_id, action, actor, before, after)
    VALUES (
        TG_TABLE_NAME,
        feature_id,
        coalesce(
            nullif(current_setting('contamap.action', true), ''),
            CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END
        ),
        coalesce(nullif(current_setting('contamap.actor', true), ''), session_user),
        CASE WHEN TG_OP <> 'INSERT' THEN
            (to_jsonb(OLD) - 'geom') || jsonb_build_object('geometry', ST_AsGeoJSON(OLD.geom)::jsonb)
        END,
        CASE WHEN TG_OP <> 'DELETE' THEN
            (to_jsonb(NEW) - 'geom') || jsonb_build_object('geometry', ST_AsGeoJSON(NEW.geom)::jsonb)
        END
    );
    RETURN NULL;
END
$$
