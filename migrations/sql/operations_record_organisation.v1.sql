-- A progress report (land released, items found) carries its task's organisation, so that
-- an operator's reports and the figures per organisation need no join; a released polygon
-- carries its geodesic area in m² (NULL for items, which have no area).
CREATE FUNCTION operations_record_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.organisation := (SELECT organisation FROM tasks WHERE code = NEW.task);
    IF TG_TABLE_NAME = 'land_release' THEN
        NEW.area_m2 := round(ST_Area(NEW.geom::geography));
    END IF;
    RETURN NEW;
END
$$;

-- A task that changes organisation takes its reports with it.
CREATE FUNCTION operations_task_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE land_release SET organisation = NEW.organisation
    WHERE task = NEW.code AND organisation IS DISTINCT FROM NEW.organisation;
    UPDATE items_found SET organisation = NEW.organisation
    WHERE task = NEW.code AND organisation IS DISTINCT FROM NEW.organisation;
    RETURN NULL;
END
$$
