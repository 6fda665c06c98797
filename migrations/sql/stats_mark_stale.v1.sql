CREATE FUNCTION stats_mark_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A row, not a sequence: the bump commits or rolls back with the write that caused it.
    UPDATE stats_state SET data_version = data_version + 1;
    RETURN NULL;
END
$$
