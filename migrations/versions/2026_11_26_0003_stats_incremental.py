"""Statistics: refresh only the districts a write touched, not the whole overlay.

Statement-level triggers with transition tables replace 0002's version bump: after the bump
(whose row lock queues the writer behind a running rebuild) they record in
``stats_dirty_districts`` the districts whose pieces may change: those meeting an inserted,
deleted or changed zone, before or after the change, or a district whose own geometry
changed. ``stats_refresh()`` then deletes and rebuilds the atoms, deltas and area of those
districts only, the same way 0002 did for all; it rebuilds everything when nothing is built
yet, after a TRUNCATE, or when ``stats_refresh_all()`` asks for it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:30:00
"""

import importlib.machinery
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED_TABLES = ("contaminated_zones", "districts")

# The version bump comes first in every trigger: it waits for a running rebuild to commit, so a
# rebuild never clears a district marked by a write it could not see.
BUMP_FUNCTION = """
CREATE FUNCTION stats_bump_version(everything boolean) RETURNS boolean LANGUAGE sql AS $$
    UPDATE stats_state
    SET data_version = data_version + 1, rebuild_all = rebuild_all OR everything
    RETURNING rebuild_all OR built_version = 0
$$
"""

# A zone matters to the figures through its geometry, its id (atoms list zone ids) and the
# attributes the deltas are keyed and dated by; a change of name or devices marks nothing.
ZONES_CHANGED_FUNCTION = """
CREATE FUNCTION stats_zones_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF stats_bump_version(TG_OP = 'TRUNCATE') THEN
        RETURN NULL;  -- the next refresh rebuilds every district anyway
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO stats_dirty_districts (district_id)
        SELECT DISTINCT d.id FROM new_rows AS z JOIN districts AS d ON ST_Intersects(d.geom, z.geom)
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO stats_dirty_districts (district_id)
        SELECT DISTINCT d.id FROM old_rows AS z JOIN districts AS d ON ST_Intersects(d.geom, z.geom)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO stats_dirty_districts (district_id)
        SELECT DISTINCT d.id
        FROM old_rows AS o FULL JOIN new_rows AS n USING (id)
        CROSS JOIN LATERAL (VALUES (o.geom), (n.geom)) AS touched(geom)
        JOIN districts AS d ON ST_Intersects(d.geom, touched.geom)
        WHERE (o.geom, o.risk_level, o.status, o.contamination, o.recorded_on, o.released_on)
              IS DISTINCT FROM
              (n.geom, n.risk_level, n.status, n.contamination, n.recorded_on, n.released_on)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$
"""

# A district's pieces depend on its own geometry only, so a changed district is rebuilt alone;
# the territory (the union of all districts) is recomputed when any geometry changed.
DISTRICTS_CHANGED_FUNCTION = """
CREATE FUNCTION stats_districts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed integer[];
BEGIN
    IF stats_bump_version(TG_OP = 'TRUNCATE') THEN
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        changed := ARRAY(SELECT id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := ARRAY(SELECT id FROM old_rows);
    ELSE
        changed := ARRAY(
            SELECT id FROM old_rows AS o FULL JOIN new_rows AS n USING (id)
            WHERE o.geom IS DISTINCT FROM n.geom
        );
    END IF;
    IF cardinality(changed) > 0 THEN
        UPDATE stats_state SET territory_stale = true;
        INSERT INTO stats_dirty_districts (district_id)
        SELECT DISTINCT unnest(changed) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$
"""

# 0002's rebuild, restricted to the target districts: their pieces of zones, a piece whose
# interior meets no other piece of its district is an atom as it is, the others are noded
# together and polygonized into faces; then each target district's step functions.
# Two changes of plan, same results: the planner overestimates the geometry joins by orders
# of magnitude, so JIT compiled queries whose time is spent in GEOS (about 50 ms of a
# one-district rebuild, 1 s of a full one); and the overlap test hashed on the district, which
# compares every pair of a district's pieces (11 s of the 27 s full rebuild at 100,000 zones)
# where the spatial index finds each piece's few neighbours (2 s).
BUILD_FUNCTION = """
CREATE FUNCTION stats_build_districts(targets integer[]) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    INSERT INTO stats_district_areas (district_id, area_km2)
    SELECT id, ST_Area(geom::geography) / 1e6 FROM districts WHERE id = ANY (targets);

    DROP TABLE IF EXISTS stats_pieces;
    CREATE TEMP TABLE stats_pieces ON COMMIT DROP AS
    SELECT district_id, zone_id, geom, true AS alone FROM (
        SELECT d.id AS district_id, z.id AS zone_id,
               CASE WHEN ST_CoveredBy(z.geom, d.geom) THEN z.geom
                    ELSE ST_CollectionExtract(ST_Intersection(z.geom, d.geom), 3) END AS geom
        FROM districts AS d JOIN contaminated_zones AS z ON ST_Intersects(d.geom, z.geom)
        WHERE d.id = ANY (targets)
    ) AS clipped
    WHERE NOT ST_IsEmpty(geom);
    CREATE INDEX ON stats_pieces USING gist (geom);
    ANALYZE stats_pieces;

    UPDATE stats_pieces AS p SET alone = false WHERE EXISTS (
        SELECT 1 FROM stats_pieces AS q
        -- not "=": it would let the planner hash on the district instead of using the index
        WHERE q.district_id IS NOT DISTINCT FROM p.district_id AND q.zone_id <> p.zone_id
          AND q.geom && p.geom AND ST_Relate(p.geom, q.geom, 'T********')
    );

    INSERT INTO stats_atoms (district_id, zone_ids, area_km2, geom)
    SELECT district_id, ARRAY[zone_id], ST_Area(geom::geography) / 1e6, ST_Multi(geom)
    FROM stats_pieces WHERE alone;

    INSERT INTO stats_atoms (district_id, zone_ids, area_km2, geom)
    SELECT f.district_id, cover.ids, ST_Area(f.geom::geography) / 1e6, ST_Multi(f.geom)
    FROM (
        SELECT district_id, (ST_Dump(ST_Polygonize(lines))).geom AS geom
        FROM (
            SELECT district_id, ST_UnaryUnion(ST_Collect(ST_Boundary(geom))) AS lines
            FROM stats_pieces WHERE NOT alone GROUP BY district_id
        ) AS noded
        GROUP BY district_id
    ) AS f
    CROSS JOIN LATERAL (
        SELECT array_agg(p.zone_id ORDER BY p.zone_id) AS ids FROM stats_pieces AS p
        WHERE p.district_id = f.district_id AND NOT p.alone
          AND ST_Intersects(p.geom, ST_PointOnSurface(f.geom))
    ) AS cover
    WHERE cover.ids IS NOT NULL;

    INSERT INTO stats_deltas
        (measure, risk_level, status, contamination, district_id, on_date, delta_km2, level_km2)
    WITH keyed AS (
        SELECT a.id AS atom, a.district_id, a.area_km2, k.risk_level, k.status, k.contamination,
               z.recorded_on AS starts, coalesce(z.released_on, 'infinity'::date) AS ends,
               z.released_on
        FROM stats_atoms AS a
        CROSS JOIN LATERAL unnest(a.zone_ids) AS member(zone_id)
        JOIN contaminated_zones AS z ON z.id = member.zone_id
        CROSS JOIN LATERAL (
            SELECT r.v AS risk_level, s.v AS status, c.v AS contamination
            FROM (VALUES ('*'), (z.risk_level)) AS r(v),
                 (VALUES ('*'), (z.status)) AS s(v),
                 (SELECT '*' UNION SELECT unnest(z.contamination)) AS c(v)
        ) AS k
        WHERE a.district_id = ANY (targets)
    ),
    ordered AS (
        SELECT *, max(ends) OVER (
            PARTITION BY atom, risk_level, status, contamination ORDER BY starts, ends
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
        FROM keyed WHERE starts < ends
    ),
    numbered AS (
        SELECT *, sum(CASE WHEN previous_end >= starts THEN 0 ELSE 1 END) OVER (
            PARTITION BY atom, risk_level, status, contamination ORDER BY starts, ends
            ROWS UNBOUNDED PRECEDING) AS island
        FROM ordered
    ),
    islands AS (
        SELECT district_id, area_km2, risk_level, status, contamination,
               min(starts) AS starts, max(ends) AS ends
        FROM numbered
        GROUP BY atom, district_id, area_km2, risk_level, status, contamination, island
    ),
    steps AS (
        SELECT 'contaminated' AS measure, risk_level, status, contamination, district_id,
               starts AS on_date, area_km2 AS delta_km2 FROM islands
        UNION ALL
        SELECT 'contaminated', risk_level, status, contamination, district_id,
               ends, -area_km2 FROM islands WHERE ends <> 'infinity'::date
        UNION ALL
        SELECT 'released', risk_level, status, contamination, district_id,
               min(released_on), area_km2 FROM keyed WHERE released_on IS NOT NULL
        GROUP BY atom, district_id, area_km2, risk_level, status, contamination
    )
    SELECT measure, risk_level, status, contamination, district_id, on_date, sum(delta_km2),
           sum(sum(delta_km2)) OVER (
               PARTITION BY measure, risk_level, status, contamination, district_id
               ORDER BY on_date)
    FROM steps GROUP BY measure, risk_level, status, contamination, district_id, on_date;
END
$$
"""

REFRESH_FUNCTION = """
CREATE FUNCTION stats_refresh() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
    everything boolean;
    territory boolean;
    targets integer[];
BEGIN
    -- The lock makes writers of zones and districts wait until the rebuild commits.
    SELECT data_version, rebuild_all OR built_version = 0, territory_stale
    INTO target, everything, territory
    FROM stats_state FOR UPDATE;
    IF everything THEN
        DELETE FROM stats_atoms;
        DELETE FROM stats_deltas;
        DELETE FROM stats_district_areas;
        targets := ARRAY(SELECT id FROM districts);
    ELSE
        targets := ARRAY(SELECT district_id FROM stats_dirty_districts);
        DELETE FROM stats_atoms WHERE district_id = ANY (targets);
        DELETE FROM stats_deltas WHERE district_id = ANY (targets);
        DELETE FROM stats_district_areas WHERE district_id = ANY (targets);
    END IF;
    DELETE FROM stats_dirty_districts;
    PERFORM stats_build_districts(targets);
    IF everything THEN
        ANALYZE stats_deltas;  -- a few districts more or less do not move the statistics
    END IF;

    UPDATE stats_state SET
        built_version = target,
        refreshed_at = clock_timestamp(),
        rebuild_all = false,
        territory_stale = false,
        territory_km2 = CASE WHEN everything OR territory THEN coalesce(
            (SELECT ST_Area(ST_Union(geom)::geography) / 1e6 FROM districts), 0)
            ELSE territory_km2 END;
    RETURN target;
END
$$
"""

REFRESH_ALL_FUNCTION = """
CREATE FUNCTION stats_refresh_all() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stats_state SET rebuild_all = true;
    RETURN stats_refresh();
END
$$
"""

FUNCTIONS = {
    "stats_bump_version(boolean)": BUMP_FUNCTION,
    "stats_zones_changed()": ZONES_CHANGED_FUNCTION,
    "stats_districts_changed()": DISTRICTS_CHANGED_FUNCTION,
    "stats_build_districts(integer[])": BUILD_FUNCTION,
    "stats_refresh_all()": REFRESH_ALL_FUNCTION,
}

# A trigger with transition tables serves one event, so each table gets one per event.
TRIGGERS = {
    "inserted": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "updated": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "deleted": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
    "truncated": "AFTER TRUNCATE ON {table}",
}
TRIGGER_FUNCTIONS = {
    "contaminated_zones": "stats_zones_changed",
    "districts": "stats_districts_changed",
}


def _overlay_revision() -> ModuleType:
    """Revision 0002, whose functions and triggers the downgrade puts back as they were."""
    path = Path(__file__).with_name("2026_11_26_0002_stats_overlay.py")
    loader = importlib.machinery.SourceFileLoader("stats_overlay_0002", str(path))
    module = ModuleType(loader.name)
    loader.exec_module(module)
    return module


def upgrade() -> None:
    op.add_column(
        "stats_state",
        sa.Column("rebuild_all", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "stats_state",
        sa.Column("territory_stale", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # Writes made before this revision were not tracked per district.
    op.execute("UPDATE stats_state SET rebuild_all = built_version < data_version")
    op.create_table(
        "stats_dirty_districts",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("district_id", name=op.f("pk_stats_dirty_districts")),
    )
    op.create_index(op.f("ix_stats_deltas_district_id"), "stats_deltas", ["district_id"])
    for table in WATCHED_TABLES:
        op.execute(f"DROP TRIGGER {table}_stats_stale ON {table}")
    op.execute("DROP FUNCTION stats_mark_stale()")
    op.execute("DROP FUNCTION stats_refresh()")
    for definition in FUNCTIONS.values():
        op.execute(definition)
    op.execute(REFRESH_FUNCTION)
    for table, function in TRIGGER_FUNCTIONS.items():
        for event, clause in TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {table}_stats_{event} {clause.format(table=table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def downgrade() -> None:
    overlay = _overlay_revision()
    for table in WATCHED_TABLES:
        for event in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_stats_{event} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS stats_refresh()")
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.execute(overlay.MARK_STALE_FUNCTION)
    op.execute(overlay.REFRESH_FUNCTION)
    for table in WATCHED_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_stats_stale AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_stale()"
        )
    op.drop_index(op.f("ix_stats_deltas_district_id"), table_name="stats_deltas")
    op.drop_table("stats_dirty_districts")
    # Marked districts are only ever pending behind a version bump, which 0002 rebuilds in full.
    op.drop_column("stats_state", "territory_stale")
    op.drop_column("stats_state", "rebuild_all")
