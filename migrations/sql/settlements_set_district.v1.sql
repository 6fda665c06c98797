-- A settlement's district is computed from its point: the district it lies in (a district
-- before a city, as for incidents), else the nearest within 5 km, since the districts'
-- generalised outlines leave some coastal and border villages just outside.
CREATE FUNCTION settlements_set_district() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.district_id := coalesce(
        (SELECT d.id FROM districts AS d WHERE ST_Intersects(d.geom, NEW.geom)
         ORDER BY d.kind = 'district' DESC, d.id LIMIT 1),
        (SELECT d.id FROM districts AS d
         WHERE ST_DWithin(d.geom::geography, NEW.geom::geography, 5000)
         ORDER BY ST_Distance(d.geom::geography, NEW.geom::geography), d.id LIMIT 1)
    );
    RETURN NEW;
END
$$
