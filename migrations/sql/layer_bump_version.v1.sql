-- Every write to a layer gives it a new version, from a sequence so that a rolled-back
-- version number is never handed out again. A cached tile is keyed by the versions of the
-- layers it shows, so a committed write makes every cached tile of its layer unreachable.
CREATE FUNCTION layer_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE layer_versions SET version = nextval('layer_version_seq') WHERE layer = TG_TABLE_NAME;
    RETURN NULL;
END
$$
