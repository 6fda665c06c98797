"""Statistics: a write of a few zones renodes the leaves of a quadtree around them, not their
whole district.

The overlay keeps its pieces (``stats_zone_pieces``), the leaves of each district's quadtree
(``stats_leaves``: cells split while more than 256 overlapping pieces meet them), each leaf's
step functions (``stats_leaf_steps``) and contaminated area (``stats_leaf_areas``); atoms name
their leaf. The zones' triggers mark the zones (``stats_dirty_zones``), and the refresh
rebuilds the leaves their pieces before and after meet (``stats_refresh_zones``). A full
rebuild builds the same leaves, so both give the same atoms.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"
KEY = ("measure", "risk_level", "status", "contamination")

# The new functions, in the order they call each other.
FUNCTIONS = {
    "stats_piece(geometry, geometry)": "stats_piece.v1",
    "stats_crowded(integer, float8, float8, float8, float8)": "stats_crowded.v1",
    "stats_leaves_of(integer[])": "stats_leaves_of.v1",
    "stats_build_leaves()": "stats_build_leaves.v1",
    "stats_refresh_zones(integer[])": "stats_refresh_zones.v1",
}


def _sql(name: str) -> str:
    """A versioned SQL file of migrations/sql/."""
    return (SQL / f"{name}.sql").read_text()


def _replace(name: str) -> None:
    """A trigger function in place: its triggers keep pointing at it."""
    op.execute(_sql(name).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))


def _geometry(kind: str) -> sa.Column[object]:
    return sa.Column(
        "geom", Geometry(geometry_type=kind, srid=4326, spatial_index=False), nullable=False
    )


def _gist(table: str) -> None:
    op.create_geospatial_index(
        f"idx_{table}_geom", table, ["geom"], unique=False, postgresql_using="gist"
    )


def _rebuild() -> None:
    op.execute("UPDATE stats_state SET rebuild_all = true")
    op.execute("SELECT stats_refresh()")


def upgrade() -> None:
    # Not stats_pieces: the earlier stats_build_districts leave a temporary table of that
    # name in the migrating transaction, which would then take the new table's indexes.
    op.create_table(
        "stats_dirty_zones",
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("zone_id", name=op.f("pk_stats_dirty_zones")),
    )
    op.create_geospatial_table(
        "stats_zone_pieces",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("alone", sa.Boolean(), nullable=False),
        _geometry("GEOMETRY"),
        sa.PrimaryKeyConstraint("district_id", "zone_id", name=op.f("pk_stats_zone_pieces")),
    )
    _gist("stats_zone_pieces")
    op.create_index(op.f("ix_stats_zone_pieces_zone_id"), "stats_zone_pieces", ["zone_id"])
    op.create_table(
        "stats_leaves",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in ("x0", "y0", "x1", "y1")),
        sa.PrimaryKeyConstraint("district_id", "path", name=op.f("pk_stats_leaves")),
    )
    op.create_table(
        "stats_leaf_steps",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("leaf", sa.Text(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=False) for name in KEY),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("delta_km2", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "district_id", "leaf", *KEY, "on_date", name=op.f("pk_stats_leaf_steps")
        ),
    )
    op.create_index("ix_stats_leaf_steps_key", "stats_leaf_steps", ["district_id", *KEY, "on_date"])
    op.create_geospatial_table(
        "stats_leaf_areas",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("leaf", sa.Text(), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        _geometry("MULTIPOLYGON"),
        sa.PrimaryKeyConstraint("district_id", "leaf", name=op.f("pk_stats_leaf_areas")),
    )
    _gist("stats_leaf_areas")
    op.add_column("stats_atoms", sa.Column("leaf", sa.Text(), server_default="", nullable=False))
    op.create_index("ix_stats_atoms_leaf", "stats_atoms", ["district_id", "leaf"])
    for name in FUNCTIONS.values():
        op.execute(_sql(name))
    for name in ("stats_build_districts(integer[])", "stats_build_areas(integer[])"):
        op.execute(f"DROP FUNCTION {name}")
    op.execute(_sql("stats_build_districts.v5"))
    op.execute(_sql("stats_build_areas.v3"))
    op.execute("DROP FUNCTION stats_refresh()")
    op.execute(_sql("stats_refresh.v5"))
    _replace("stats_zones_changed.v2")
    _rebuild()


def downgrade() -> None:
    _replace("stats_zones_changed.v1")
    op.execute("DROP FUNCTION stats_refresh()")
    op.execute(_sql("stats_refresh.v4"))
    for name in ("stats_build_districts(integer[])", "stats_build_areas(integer[])"):
        op.execute(f"DROP FUNCTION {name}")
    op.execute(_sql("stats_build_districts.v4"))
    op.execute(_sql("stats_build_areas.v2"))
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION {signature}")
    op.drop_index("ix_stats_atoms_leaf", table_name="stats_atoms")
    op.drop_column("stats_atoms", "leaf")
    # Their indexes, GiST too, go with the tables.
    for table in ("stats_leaf_areas", "stats_zone_pieces", "stats_leaf_steps", "stats_leaves"):
        op.drop_table(table)
    op.drop_table("stats_dirty_zones")
    _rebuild()
