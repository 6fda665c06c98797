"""The contaminated area of each district, as one geometry the low-zoom tiles draw.

``stats_contaminated_areas`` holds, per district, the union of the atoms that a zone not yet
released covers (``stats_build_areas``), rebuilt with the district's atoms by
``stats_refresh()`` v4. Tiles below the zoom from which zones are drawn whole draw it
instead of every zone, so a tile stays small however many zones a district holds.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"


def _sql(name: str) -> str:
    """A versioned SQL file of migrations/sql/."""
    return (SQL / f"{name}.sql").read_text()


def upgrade() -> None:
    op.create_geospatial_table(
        "stats_contaminated_areas",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.Column(
            "geom",
            Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("district_id", name=op.f("pk_stats_contaminated_areas")),
    )
    op.create_geospatial_index(
        "idx_stats_contaminated_areas_geom",
        "stats_contaminated_areas",
        ["geom"],
        unique=False,
        postgresql_using="gist",
    )
    op.execute(_sql("stats_build_areas.v1"))
    op.execute("DROP FUNCTION stats_refresh()")
    op.execute(_sql("stats_refresh.v4"))
    op.execute("SELECT stats_build_areas(ARRAY(SELECT id FROM districts))")


def downgrade() -> None:
    op.execute("DROP FUNCTION stats_refresh()")
    op.execute(_sql("stats_refresh.v3"))
    op.execute("DROP FUNCTION stats_build_areas(integer[])")
    op.drop_geospatial_index(
        "idx_stats_contaminated_areas_geom",
        table_name="stats_contaminated_areas",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("stats_contaminated_areas")
