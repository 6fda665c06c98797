-- What every layer has, installed on a new layer's table by one call: a version bumped by
-- each write (layer_bump_version, for tiles and ETags) and the history of every feature
-- (feature_history_record). A migration adding a layer calls SELECT layer_install('name');
-- tests/test_migrations.py checks that every collection of the catalogue has these triggers.
CREATE FUNCTION layer_install(layer text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO layer_versions VALUES (layer, nextval('layer_version_seq'));
    EXECUTE format(
        'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
        'FOR EACH STATEMENT EXECUTE FUNCTION layer_bump_version()', layer || '_version', layer);
    EXECUTE format(
        'CREATE TRIGGER %I AFTER INSERT OR DELETE ON %I '
        'FOR EACH ROW EXECUTE FUNCTION feature_history_record()', layer || '_history', layer);
    EXECUTE format(
        'CREATE TRIGGER %I AFTER UPDATE ON %I FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) '
        'EXECUTE FUNCTION feature_history_record()', layer || '_history_update', layer);
END
$$;

-- The reverse, for a migration's downgrade.
CREATE FUNCTION layer_uninstall(layer text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', layer || '_version', layer);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', layer || '_history', layer);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', layer || '_history_update', layer);
    DELETE FROM layer_versions WHERE layer_versions.layer = layer_uninstall.layer;
END
$$
