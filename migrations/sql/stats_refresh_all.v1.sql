CREATE FUNCTION stats_refresh_all() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stats_state SET rebuild_all = true;
    RETURN stats_refresh();
END
$$
