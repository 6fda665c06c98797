"""Operations: organisations, tasks, land released and items found; operator keys; one
function that installs what every layer has.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:41:53.429488
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SQL = Path(__file__).resolve().parents[1] / "sql"
LAYERS = ("organisations", "tasks", "land_release", "items_found")
RECORDS = ("land_release", "items_found")


def upgrade() -> None:
    op.create_geospatial_table(
        "organisations",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("accredited_from", sa.Date(), nullable=True),
        sa.Column("accredited_to", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.CheckConstraint(
            "kind IN ('national_authority', 'military', 'civil_protection', 'ngo', 'commercial')",
            name=op.f("ck_organisations_kind"),
        ),
        sa.CheckConstraint(
            "accredited_to IS NULL OR accredited_from IS NULL OR accredited_to >= accredited_from",
            name=op.f("ck_organisations_dates"),
        ),
        sa.CheckConstraint(
            "geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))",
            name=op.f("ck_organisations_geom_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_organisations_code")),
    )
    op.create_geospatial_index(
        "idx_organisations_geom",
        "organisations",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "tasks",
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("zones", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("methods", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "methods <@ ARRAY['non_technical_survey', 'technical_survey', 'manual_clearance', 'mechanical', 'mine_detection_dogs', 'battle_area_clearance']::text[] AND cardinality(methods) > 0",
            name=op.f("ck_tasks_methods"),
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'suspended', 'completed')",
            name=op.f("ck_tasks_status"),
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_tasks_geom_valid")
        ),
        sa.CheckConstraint(
            "ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on",
            name=op.f("ck_tasks_worked"),
        ),
        sa.CheckConstraint(
            "planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start",
            name=op.f("ck_tasks_planned"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation"],
            ["organisations.code"],
            name=op.f("fk_tasks_organisation_organisations"),
            onupdate="CASCADE",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("code", name=op.f("uq_tasks_code")),
    )
    op.create_geospatial_index(
        "idx_tasks_geom",
        "tasks",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_tasks_organisation"), "tasks", ["organisation"], unique=False)
    op.create_geospatial_table(
        "items_found",
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("condition", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), server_default="submitted", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.CheckConstraint(
            "(state = 'rejected') = (reason IS NOT NULL)", name=op.f("ck_items_found_reason")
        ),
        sa.CheckConstraint(
            "action IN ('destroyed_in_situ', 'removed')", name=op.f("ck_items_found_action")
        ),
        sa.CheckConstraint(
            "category IN ('anti_personnel_mine', 'anti_tank_mine', 'uxo', 'cluster_submunition', 'ied', 'other')",
            name=op.f("ck_items_found_category"),
        ),
        sa.CheckConstraint(
            "state IN ('submitted', 'approved', 'rejected')", name=op.f("ck_items_found_state")
        ),
        sa.CheckConstraint("count >= 1", name=op.f("ck_items_found_count")),
        sa.CheckConstraint(
            "geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))",
            name=op.f("ck_items_found_geom_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["task"],
            ["tasks.code"],
            name=op.f("fk_items_found_task_tasks"),
            onupdate="CASCADE",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items_found")),
        sa.UniqueConstraint("code", name=op.f("uq_items_found_code")),
    )
    op.create_geospatial_index(
        "idx_items_found_geom",
        "items_found",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_items_found_organisation"), "items_found", ["organisation"], unique=False
    )
    op.create_index(op.f("ix_items_found_task"), "items_found", ["task"], unique=False)
    op.create_geospatial_table(
        "land_release",
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        sa.Column("state", sa.Text(), server_default="submitted", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("area_m2", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(state = 'rejected') = (reason IS NOT NULL)", name=op.f("ck_land_release_reason")
        ),
        sa.CheckConstraint(
            "kind IN ('cancelled', 'reduced', 'cleared')", name=op.f("ck_land_release_kind")
        ),
        sa.CheckConstraint(
            "state IN ('submitted', 'approved', 'rejected')", name=op.f("ck_land_release_state")
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_land_release_geom_valid")
        ),
        sa.ForeignKeyConstraint(
            ["task"],
            ["tasks.code"],
            name=op.f("fk_land_release_task_tasks"),
            onupdate="CASCADE",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_land_release")),
        sa.UniqueConstraint("code", name=op.f("uq_land_release_code")),
    )
    op.create_geospatial_index(
        "idx_land_release_geom",
        "land_release",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_land_release_organisation"), "land_release", ["organisation"], unique=False
    )
    op.create_index(op.f("ix_land_release_task"), "land_release", ["task"], unique=False)
    op.execute((SQL / "layer_install.v1.sql").read_text())
    op.execute((SQL / "operations_record_organisation.v1.sql").read_text())
    for layer in LAYERS:
        op.execute(f"SELECT layer_install('{layer}')")
    for record in RECORDS:
        op.execute(
            f"CREATE TRIGGER {record}_organisation BEFORE INSERT OR UPDATE OF task, geom "
            f"ON {record} FOR EACH ROW EXECUTE FUNCTION operations_record_organisation()"
        )
    op.execute(
        "CREATE TRIGGER tasks_organisation AFTER UPDATE OF organisation ON tasks "
        "FOR EACH ROW EXECUTE FUNCTION operations_task_organisation()"
    )
    op.drop_constraint(op.f("ck_feature_history_action"), "feature_history", type_="check")
    op.create_check_constraint(
        op.f("ck_feature_history_action"),
        "feature_history",
        "action IN ('create', 'replace', 'update', 'delete', 'restore', 'import', 'approve', "
        "'reject')",
    )
    # An operator's key belongs to one organisation.
    op.add_column("api_keys", sa.Column("organisation", sa.Text(), nullable=True))
    op.create_foreign_key(
        op.f("fk_api_keys_organisation_organisations"),
        "api_keys",
        "organisations",
        ["organisation"],
        ["code"],
        onupdate="CASCADE",
        ondelete="RESTRICT",
    )
    op.drop_constraint(op.f("ck_api_keys_role"), "api_keys", type_="check")
    op.create_check_constraint(
        op.f("ck_api_keys_role"), "api_keys", "role IN ('operator', 'editor', 'admin')"
    )
    op.create_check_constraint(
        op.f("ck_api_keys_operator"),
        "api_keys",
        "(role = 'operator') = (organisation IS NOT NULL)",
    )


def downgrade() -> None:
    op.execute("DELETE FROM feature_history WHERE action IN ('approve', 'reject')")
    op.drop_constraint(op.f("ck_feature_history_action"), "feature_history", type_="check")
    op.create_check_constraint(
        op.f("ck_feature_history_action"),
        "feature_history",
        "action IN ('create', 'replace', 'update', 'delete', 'restore', 'import')",
    )
    op.execute("DELETE FROM api_keys WHERE role = 'operator'")
    op.drop_constraint(op.f("ck_api_keys_operator"), "api_keys", type_="check")
    op.drop_constraint(op.f("ck_api_keys_role"), "api_keys", type_="check")
    op.create_check_constraint(op.f("ck_api_keys_role"), "api_keys", "role IN ('editor', 'admin')")
    op.drop_constraint(
        op.f("fk_api_keys_organisation_organisations"), "api_keys", type_="foreignkey"
    )
    op.drop_column("api_keys", "organisation")
    op.execute("DROP TRIGGER tasks_organisation ON tasks")
    for record in RECORDS:
        op.execute(f"DROP TRIGGER {record}_organisation ON {record}")
    for layer in LAYERS:
        op.execute(f"SELECT layer_uninstall('{layer}')")
    op.execute("DROP FUNCTION operations_task_organisation()")
    op.execute("DROP FUNCTION operations_record_organisation()")
    op.execute("DROP FUNCTION layer_uninstall(text)")
    op.execute("DROP FUNCTION layer_install(text)")
    op.drop_index(op.f("ix_land_release_task"), table_name="land_release")
    op.drop_index(op.f("ix_land_release_organisation"), table_name="land_release")
    op.drop_geospatial_index(
        "idx_land_release_geom",
        table_name="land_release",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("land_release")
    op.drop_index(op.f("ix_items_found_task"), table_name="items_found")
    op.drop_index(op.f("ix_items_found_organisation"), table_name="items_found")
    op.drop_geospatial_index(
        "idx_items_found_geom",
        table_name="items_found",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("items_found")
    op.drop_index(op.f("ix_tasks_organisation"), table_name="tasks")
    op.drop_geospatial_index(
        "idx_tasks_geom", table_name="tasks", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("tasks")
    op.drop_geospatial_index(
        "idx_organisations_geom",
        table_name="organisations",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("organisations")
