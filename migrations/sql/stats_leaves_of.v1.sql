-- The leaves of each target district's quadtree: the district's envelope, split in four while
-- more than 256 pieces that overlap another (stats_zone_pieces, not alone) meet a cell's box. The
-- overlay nodes each leaf on its own, so an edit renodes the few leaves around it, not the
-- district (a district of 20,000 generated zones is one connected tangle of 9,000). The tree
-- is a function of the pieces alone: an incremental refresh and a full rebuild find the same
-- leaves, with the same bounds (halved the same way), hence the same atoms.
CREATE FUNCTION stats_leaves_of(targets integer[])
RETURNS TABLE (district_id integer, path text, x0 float8, y0 float8, x1 float8, y1 float8)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE cells (district_id, path, x0, y0, x1, y1, crowded) AS (
        SELECT d.id, '', ST_XMin(d.geom), ST_YMin(d.geom), ST_XMax(d.geom), ST_YMax(d.geom),
               stats_crowded(d.id, ST_XMin(d.geom), ST_YMin(d.geom), ST_XMax(d.geom),
                             ST_YMax(d.geom))
        FROM districts AS d WHERE d.id = ANY (targets)
        UNION ALL
        SELECT c.district_id, c.path || q.digit, q.x0, q.y0, q.x1, q.y1,
               stats_crowded(c.district_id, q.x0, q.y0, q.x1, q.y1)
        FROM cells AS c
        CROSS JOIN LATERAL (VALUES
            ('0', c.x0, c.y0, (c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2),
            ('1', (c.x0 + c.x1) / 2, c.y0, c.x1, (c.y0 + c.y1) / 2),
            ('2', c.x0, (c.y0 + c.y1) / 2, (c.x0 + c.x1) / 2, c.y1),
            ('3', (c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2, c.x1, c.y1)
        ) AS q (digit, x0, y0, x1, y1)
        WHERE c.crowded AND length(c.path) < 16
    )
    SELECT district_id, path, x0, y0, x1, y1 FROM cells
    WHERE NOT crowded OR length(path) = 16
$$
