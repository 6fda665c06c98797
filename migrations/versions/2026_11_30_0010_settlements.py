"""Settlements: GeoNames' populated places, with the district computed from the point.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"
# What every layer has (migrations 0006 and 0008): a version bumped by each write, a history.
TRIGGERS = {
    "settlements_version": "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settlements "
    "FOR EACH STATEMENT EXECUTE FUNCTION layer_bump_version()",
    "settlements_history": "AFTER INSERT OR DELETE ON settlements "
    "FOR EACH ROW EXECUTE FUNCTION feature_history_record()",
    "settlements_history_update": "AFTER UPDATE ON settlements FOR EACH ROW "
    "WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION feature_history_record()",
    "settlements_district": "BEFORE INSERT OR UPDATE OF geom ON settlements "
    "FOR EACH ROW EXECUTE FUNCTION settlements_set_district()",
}


def upgrade() -> None:
    op.create_geospatial_table(
        "settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_az", sa.Text(), nullable=True),
        sa.Column("alternate_names", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("geonames_id", sa.Integer(), nullable=False),
        sa.Column("feature_code", sa.Text(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("accuracy", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
            nullable=False,
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_settlements_geom_valid")
        ),
        sa.CheckConstraint(
            "population IS NULL OR population >= 0", name=op.f("ck_settlements_population")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_settlements_district_id_districts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint("code", name=op.f("uq_settlements_code")),
    )
    op.create_geospatial_index(
        "idx_settlements_geom", "settlements", ["geom"], postgresql_using="gist"
    )
    op.create_index(op.f("ix_settlements_district_id"), "settlements", ["district_id"])
    op.execute("INSERT INTO layer_versions VALUES ('settlements', nextval('layer_version_seq'))")
    op.execute((SQL / "settlements_set_district.v1.sql").read_text())
    op.execute((SQL / "stats_contaminated_zones.v1.sql").read_text())
    for name, clause in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {clause}")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON settlements")
    op.execute("DROP FUNCTION stats_contaminated_zones(date, text, text, text)")
    op.execute("DROP FUNCTION settlements_set_district()")
    op.execute("DELETE FROM layer_versions WHERE layer = 'settlements'")
    op.drop_index(op.f("ix_settlements_district_id"), table_name="settlements")
    op.drop_geospatial_index(
        "idx_settlements_geom",
        table_name="settlements",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("settlements")
