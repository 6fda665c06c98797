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
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED_TABLES = ("contaminated_zones", "districts")

SQL = Path(__file__).resolve().parents[1] / "sql"


def _sql(name: str) -> str:
    """A versioned SQL file of migrations/sql/."""
    return (SQL / f"{name}.sql").read_text()


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
    for name in ("stats_mark_stale.v1", "stats_refresh.v1", "stats_km2_within.v1"):
        op.execute(_sql(name))
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
