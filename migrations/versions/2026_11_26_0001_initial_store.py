"""Initial store: PostGIS, the four layers and the private victim details.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 14:12:23.482726
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


INCIDENT_DISTRICT_FUNCTION = """
CREATE FUNCTION incidents_set_district() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The district an incident lies in is computed, never typed: the reported one is kept apart.
    NEW.district_id := (
        SELECT d.id FROM districts AS d
        WHERE ST_Intersects(d.geom, NEW.geom)
        ORDER BY d.kind = 'district' DESC, d.id
        LIMIT 1
    );
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table(
        "contaminated_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("hazard_class", sa.Text(), nullable=False),
        sa.Column("contamination", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("risk_level", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("estimated_devices", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("accuracy", sa.Text(), nullable=True),
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
            "(status IN ('cancelled', 'reduced', 'cleared')) = (released_on IS NOT NULL)",
            name=op.f("ck_contaminated_zones_released_on_status"),
        ),
        sa.CheckConstraint(
            "contamination <@ ARRAY['anti_personnel', 'anti_tank', 'uxo', 'cluster']::text[] AND cardinality(contamination) > 0",
            name=op.f("ck_contaminated_zones_contamination"),
        ),
        sa.CheckConstraint(
            "hazard_class IN ('SHA', 'CHA')", name=op.f("ck_contaminated_zones_hazard_class")
        ),
        sa.CheckConstraint(
            "risk_level IN ('high', 'medium', 'low')", name=op.f("ck_contaminated_zones_risk_level")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'in_progress', 'cancelled', 'reduced', 'cleared')",
            name=op.f("ck_contaminated_zones_status"),
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)",
            name=op.f("ck_contaminated_zones_geom_valid"),
        ),
        sa.CheckConstraint(
            "estimated_devices IS NULL OR estimated_devices >= 0",
            name=op.f("ck_contaminated_zones_devices"),
        ),
        sa.CheckConstraint(
            "released_on IS NULL OR released_on >= recorded_on",
            name=op.f("ck_contaminated_zones_dates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contaminated_zones")),
        sa.UniqueConstraint("code", name=op.f("uq_contaminated_zones_code")),
    )
    op.create_geospatial_index(
        "idx_contaminated_zones_geom",
        "contaminated_zones",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_az", sa.Text(), nullable=True),
        sa.Column("hasc", sa.Text(), nullable=True),
        sa.Column("geonames_id", sa.Integer(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("accuracy", sa.Text(), nullable=True),
        sa.Column("name_note", sa.Text(), nullable=True),
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
        sa.CheckConstraint("kind IN ('district', 'city')", name=op.f("ck_districts_kind")),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_districts_geom_valid")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("code", name=op.f("uq_districts_code")),
    )
    op.create_geospatial_index(
        "idx_districts_geom",
        "districts",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "line_of_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("accuracy", sa.Text(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTILINESTRING",
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
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_line_of_contact_geom_valid")
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_line_of_contact_dates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_of_contact")),
        sa.UniqueConstraint("code", name=op.f("uq_line_of_contact_code")),
    )
    op.create_geospatial_index(
        "idx_line_of_contact_geom",
        "line_of_contact",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("reported_district", sa.Text(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("device", sa.Text(), nullable=False),
        sa.Column("activity", sa.Text(), nullable=False),
        sa.Column("killed", sa.Integer(), nullable=False),
        sa.Column("injured", sa.Integer(), nullable=False),
        sa.Column("victim_category", sa.Text(), nullable=False),
        sa.Column("location_accuracy", sa.Text(), nullable=False),
        sa.Column("location_note", sa.Text(), nullable=True),
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
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "activity IN ('mine_clearance', 'grazing', 'farming', 'travel', 'other')",
            name=op.f("ck_incidents_activity"),
        ),
        sa.CheckConstraint(
            "device IN ('anti_personnel_mine', 'anti_tank_mine', 'uxo', 'cluster_munition', 'unknown_landmine')",
            name=op.f("ck_incidents_device"),
        ),
        sa.CheckConstraint(
            "location_accuracy IN ('surveyed', 'village', 'district')",
            name=op.f("ck_incidents_location_accuracy"),
        ),
        sa.CheckConstraint(
            "victim_category IN ('civilian', 'military', 'deminer')",
            name=op.f("ck_incidents_victim_category"),
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name=op.f("ck_incidents_geom_valid")
        ),
        sa.CheckConstraint("killed >= 0 AND injured >= 0", name=op.f("ck_incidents_casualties")),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_incidents_district_id_districts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("code", name=op.f("uq_incidents_code")),
    )
    op.create_geospatial_index(
        "idx_incidents_geom",
        "incidents",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_incidents_district_id"), "incidents", ["district_id"], unique=False)
    op.create_table(
        "incident_victims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("injury", sa.Text(), nullable=True),
        sa.Column("residence", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "age IS NULL OR age BETWEEN 0 AND 120", name=op.f("ck_incident_victims_age")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_victims_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_victims")),
    )
    op.create_index(
        op.f("ix_incident_victims_incident_id"), "incident_victims", ["incident_id"], unique=False
    )
    op.execute(INCIDENT_DISTRICT_FUNCTION)
    op.execute(
        "CREATE TRIGGER incidents_district BEFORE INSERT OR UPDATE OF geom ON incidents "
        "FOR EACH ROW EXECUTE FUNCTION incidents_set_district()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS incidents_district ON incidents")
    op.execute("DROP FUNCTION IF EXISTS incidents_set_district()")
    op.drop_index(op.f("ix_incident_victims_incident_id"), table_name="incident_victims")
    op.drop_table("incident_victims")
    op.drop_index(op.f("ix_incidents_district_id"), table_name="incidents")
    op.drop_geospatial_index(
        "idx_incidents_geom", table_name="incidents", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("incidents")
    op.drop_geospatial_index(
        "idx_line_of_contact_geom",
        table_name="line_of_contact",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("line_of_contact")
    op.drop_geospatial_index(
        "idx_districts_geom", table_name="districts", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("districts")
    op.drop_geospatial_index(
        "idx_contaminated_zones_geom",
        table_name="contaminated_zones",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("contaminated_zones")
    # The postgis extension stays: other schemas in the database may use it.
