-- Whether a cell of a district's quadtree holds more than 256 overlapping pieces (its box
-- meets theirs): then it is split (stats_leaves_of). Counting stops at 257.
CREATE FUNCTION stats_crowded(district integer, x0 float8, y0 float8, x1 float8, y1 float8)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT count(*) > 256 FROM (
        SELECT FROM stats_zone_pieces AS p
        WHERE p.district_id = district AND NOT p.alone
          AND p.geom && ST_MakeEnvelope(x0, y0, x1, y1, 4326)
        LIMIT 257
    ) AS found
$$
