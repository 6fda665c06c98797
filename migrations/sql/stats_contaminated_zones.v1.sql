-- The zones counted as contaminated on a date (recorded on or before it, not released by
-- then), with the statistics' filters; the status is the one the zone had on the date. Used
-- by the settlements near contamination and the clearance priorities.
CREATE FUNCTION stats_contaminated_zones(
    as_of date, risk text, zone_status text, contamination_type text
) RETURNS SETOF contaminated_zones LANGUAGE sql STABLE AS $$
    SELECT z.* FROM contaminated_zones AS z
    WHERE z.recorded_on <= as_of AND (z.released_on IS NULL OR z.released_on > as_of)
      AND (risk IS NULL OR z.risk_level = risk)
      AND (zone_status IS NULL OR stats_zone_status_on(z.id, as_of) = zone_status)
      AND (contamination_type IS NULL OR contamination_type = ANY (z.contamination))
$$
