"""A deleted incident keeps its victims' private records, and a restored one gets them back.

The foreign key of ``incident_victims`` cascades: deleting an incident (an editor may) destroyed
its victims' records for good, and restoring the incident did not bring them back. A trigger now
moves them, before the incident goes, to ``deleted_incident_victims`` (private like them, read
by no endpoint, with the same ids), and another moves them back when an incident with that id
is inserted again, as a restore does.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = {
    "incident_victims_withhold": """
        BEGIN
            WITH moved AS (DELETE FROM incident_victims WHERE incident_id = OLD.id RETURNING *)
            INSERT INTO deleted_incident_victims (id, incident_id, sex, age, injury, residence)
            SELECT id, incident_id, sex, age, injury, residence FROM moved;
            RETURN OLD;
        END
    """,
    "incident_victims_return": """
        BEGIN
            WITH moved AS (
                DELETE FROM deleted_incident_victims WHERE incident_id = NEW.id RETURNING *
            )
            INSERT INTO incident_victims (id, incident_id, sex, age, injury, residence)
            SELECT id, incident_id, sex, age, injury, residence FROM moved;
            RETURN NULL;
        END
    """,
}
TRIGGERS = {
    "incidents_withhold_victims": "BEFORE DELETE ON incidents FOR EACH ROW "
    "EXECUTE FUNCTION incident_victims_withhold()",
    "incidents_return_victims": "AFTER INSERT ON incidents FOR EACH ROW "
    "EXECUTE FUNCTION incident_victims_return()",
}


def upgrade() -> None:
    op.create_table(
        "deleted_incident_victims",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("injury", sa.Text(), nullable=True),
        sa.Column("residence", sa.Text(), nullable=True),
        sa.Column(
            "deleted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deleted_incident_victims")),
    )
    op.create_index(
        op.f("ix_deleted_incident_victims_incident_id"),
        "deleted_incident_victims",
        ["incident_id"],
        unique=False,
    )
    for name, body in FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body${body}$body$"
        )
    for name, definition in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON incidents")
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index(
        op.f("ix_deleted_incident_victims_incident_id"), table_name="deleted_incident_victims"
    )
    op.drop_table("deleted_incident_victims")
