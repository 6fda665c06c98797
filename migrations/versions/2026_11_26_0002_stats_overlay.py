"""Statistics: a precomputed overlay of the zones per district, kept fresh by a data version.

The overlay splits each district's contaminated zones into disjoint "atoms", pieces of the
plane covered by one constant set of zones, each with its geodesic area. From the atoms,
``stats_refresh()`` derives step functions of contaminated and released area per district
and per filter key (``stats_deltas``: the change on each date and the level after it), so
that a figure at any date is one index probe per district.
Statement-level triggers on the zones and the districts bump ``stats_state.data_version``;
the service refreshes when it is ahead of ``built_version`` before answering.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED_TABLES = ("contaminated_zones", "districts")

MARK_STALE_FUNCTION = """
CREATE FUNCTION stats_mark_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A row, not a sequence: the bump commits or rolls back with the write that caused it.
    UPDATE stats_state SET data_version = data_version + 1;
    RETURN NULL;
END
$$
"""

KM2_WITHIN_FUNCTION = """
CREATE FUNCTION stats_km2_within(atom geometry, area_km2 double precision, band geometry)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN NOT ST_Intersects(atom, band) THEN 0
        WHEN ST_CoveredBy(atom, band) THEN area_km2
        ELSE ST_Area(ST_Intersection(atom, band)::geography) / 1e6
    END
$$
"""

# The pieces of zones in each district; a piece whose interior meets no other piece of its
# district is an atom as it is, the others are noded together and polygonized into faces.
REFRESH_FUNCTION = """
CREATE FUNCTION stats_refresh() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
BEGIN
    -- The lock makes writers of zones and districts wait until the rebuild commits.
    SELECT data_version INTO target FROM stats_state FOR UPDATE;
    DELETE FROM stats_atoms;
    DELETE FROM stats_deltas;
    DELETE FROM stats_district_areas;

    INSERT INTO stats_district_areas (district_id, area_km2)
    SELECT id, ST_Area(geom::geography) / 1e6 FROM districts;

    DROP TABLE IF EXISTS stats_pieces;
    CREATE TEMP TABLE stats_pieces ON COMMIT DROP AS
    SELECT district_id, zone_id, geom, true AS alone FROM (
        SELECT d.id AS district_id, z.id AS zone_id,
               CASE WHEN ST_CoveredBy(z.geom, d.geom) THEN z.geom
                    ELSE ST_CollectionExtract(ST_Intersection(z.geom, d.geom), 3) END AS geom
        FROM districts AS d JOIN contaminated_zones AS z ON ST_Intersects(d.geom, z.geom)
    ) AS clipped
    WHERE NOT ST_IsEmpty(geom);
    CREATE INDEX ON stats_pieces USING gist (geom);
    ANALYZE stats_pieces;

    UPDATE stats_pieces AS p SET alone = false WHERE EXISTS (
        SELECT 1 FROM stats_pieces AS q
        WHERE q.district_id = p.district_id AND q.zone_id <> p.zone_id
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
    ANALYZE stats_deltas;

    UPDATE stats_state SET
        built_version = target,
        refreshed_at = clock_timestamp(),
        territory_km2 = coalesce(
            (SELECT ST_Area(ST_Union(geom)::geography) / 1e6 FROM districts), 0);
    RETURN target;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "stats_state",
        sa.Column("id", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("data_version", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("built_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("territory_km2", sa.Float(), server_default="0", nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("id", name=op.f("ck_stats_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_state")),
    )
    op.execute("INSERT INTO stats_state DEFAULT VALUES")
    op.create_table(
        "stats_district_areas",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("district_id", name=op.f("pk_stats_district_areas")),
    )
    op.create_geospatial_table(
        "stats_atoms",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("zone_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.Column(
            "geom",
            Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_atoms")),
    )
    op.create_geospatial_index(
        "idx_stats_atoms_geom", "stats_atoms", ["geom"], postgresql_using="gist"
    )
    op.create_index(op.f("ix_stats_atoms_district_id"), "stats_atoms", ["district_id"])
    op.create_table(
        "stats_deltas",
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("risk_level", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("contamination", sa.Text(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("delta_km2", sa.Float(), nullable=False),
        sa.Column("level_km2", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "measure",
            "risk_level",
            "status",
            "contamination",
            "district_id",
            "on_date",
            name=op.f("pk_stats_deltas"),
        ),
    )
    op.execute(MARK_STALE_FUNCTION)
    op.execute(REFRESH_FUNCTION)
    op.execute(KM2_WITHIN_FUNCTION)
    for table in WATCHED_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_stats_stale AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_stale()"
        )


def downgrade() -> None:
    for table in WATCHED_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_stats_stale ON {table}")
    op.execute("DROP FUNCTION IF EXISTS stats_km2_within(geometry, double precision, geometry)")
    op.execute("DROP FUNCTION IF EXISTS stats_refresh()")
    op.execute("DROP FUNCTION IF EXISTS stats_mark_stale()")
    op.drop_table("stats_deltas")
    op.drop_index(op.f("ix_stats_atoms_district_id"), table_name="stats_atoms")
    op.drop_geospatial_index(
        "idx_stats_atoms_geom",
        table_name="stats_atoms",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("stats_atoms")
    op.drop_table("stats_district_areas")
    op.drop_table("stats_state")
