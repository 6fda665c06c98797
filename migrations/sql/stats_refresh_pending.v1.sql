-- The write path brings the statistics up to date: constraint triggers, deferred to the end of
-- the writing transaction, call stats_refresh() after any write that bumped the version or
-- marked a district. A transaction of many statements refreshes once, at COMMIT; the later
-- calls find nothing to do. `SET CONSTRAINTS stats_refresh_pending IMMEDIATE` (or ALL) makes
-- a transaction refresh after each statement, so that it reads its own writes' figures.
CREATE FUNCTION stats_refresh_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_refresh();
    RETURN NULL;
END
$$
