"""Residents' reports and the steps of their moderation: private tables, never a collection.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CATEGORIES = "'mine', 'uxo', 'suspicious_object', 'warning_sign', 'accident'"
STATUSES = "'received', 'verified', 'rejected'"


def upgrade() -> None:
    op.create_geospatial_table(
        "reports",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.Text(), server_default="received", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("verified_as", sa.Text(), nullable=True),
        sa.Column("feature_id", sa.Integer(), nullable=True),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("contacts_purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "geom", Geometry(geometry_type="POINT", srid=4326, spatial_index=False), nullable=False
        ),
        sa.CheckConstraint(f"category IN ({CATEGORIES})", name=op.f("ck_reports_category")),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_reports_status")),
        sa.CheckConstraint(
            "verified_as IS NULL OR verified_as IN ('incident', 'sha')",
            name=op.f("ck_reports_verified_as"),
        ),
        sa.CheckConstraint("char_length(description) <= 2000", name=op.f("ck_reports_description")),
        sa.CheckConstraint("char_length(phone) <= 32", name=op.f("ck_reports_phone")),
        sa.CheckConstraint(
            "(status = 'rejected') = (reason IS NOT NULL)", name=op.f("ck_reports_reason")
        ),
        sa.CheckConstraint(
            "(status = 'verified') = (verified_as IS NOT NULL AND feature_id IS NOT NULL)",
            name=op.f("ck_reports_verified"),
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_reports_geom_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("receipt", name=op.f("uq_reports_receipt")),
    )
    op.create_geospatial_index("idx_reports_geom", "reports", ["geom"], postgresql_using="gist")
    op.create_index("ix_reports_received_at", "reports", ["received_at", "id"])
    op.create_table(
        "report_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_events_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_events")),
    )
    op.create_index("ix_report_events_report", "report_events", ["report_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_report_events_report", table_name="report_events")
    op.drop_table("report_events")
    op.drop_index("ix_reports_received_at", table_name="reports")
    op.drop_geospatial_index(
        "idx_reports_geom", table_name="reports", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("reports")
