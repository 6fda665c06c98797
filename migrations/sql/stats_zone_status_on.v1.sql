-- The status a zone had on a date, by the rule stats_build_districts v2 applies to all of a
-- district's zones at once (set-based there, for speed): from its release on, its released
-- status; before, the last contaminated status (active, in_progress) its history recorded on
-- or before the date, else the first one recorded after it, else its status today when
-- contaminated, else active.
CREATE FUNCTION stats_zone_status_on(zone integer, on_date date) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN z.released_on IS NOT NULL AND z.released_on <= on_date THEN z.status
        ELSE coalesce(
            (SELECT h.status FROM feature_history AS h
             WHERE h.collection = 'contaminated_zones' AND h.feature_id = zone
               AND h.status IN ('active', 'in_progress') AND h.at::date <= on_date
             ORDER BY h.at::date DESC, h.id DESC LIMIT 1),
            (SELECT h.status FROM feature_history AS h
             WHERE h.collection = 'contaminated_zones' AND h.feature_id = zone
               AND h.status IN ('active', 'in_progress')
             ORDER BY h.at::date, h.id DESC LIMIT 1),
            CASE WHEN z.status IN ('active', 'in_progress') THEN z.status ELSE 'active' END)
    END
    FROM contaminated_zones AS z WHERE z.id = zone
$$
