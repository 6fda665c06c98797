-- The version bump comes first in every trigger: it waits for a running rebuild to commit, so a
-- rebuild never clears a district marked by a write it could not see.
CREATE FUNCTION stats_bump_version(everything boolean) RETURNS boolean LANGUAGE sql AS $$
    UPDATE stats_state
    SET data_version = data_version + 1, rebuild_all = rebuild_all OR everything
    RETURNING rebuild_all OR built_version = 0
$$
