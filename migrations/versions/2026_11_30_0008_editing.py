"""Editing: API keys (stored as hashes) and the history of every change of every feature.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"
LAYERS = ("districts", "contaminated_zones", "incidents", "line_of_contact")
TRIGGERS = {"history": "INSERT OR DELETE", "history_update": "UPDATE"}
WHEN = {"history": "", "history_update": "WHEN (OLD IS DISTINCT FROM NEW)"}


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('editor', 'admin')", name=op.f("ck_api_keys_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
    )
    op.create_table(
        "feature_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("collection", sa.Text(), nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("before", postgresql.JSONB(), nullable=True),
        sa.Column("after", postgresql.JSONB(), nullable=True),
        sa.CheckConstraint(
            "action IN ('create', 'replace', 'update', 'delete', 'restore', 'import')",
            name=op.f("ck_feature_history_action"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_history")),
    )
    op.create_index(
        op.f("ix_feature_history_collection"), "feature_history", ["collection", "feature_id", "id"]
    )
    op.execute((SQL / "feature_history_record.v1.sql").read_text())
    for layer in LAYERS:
        for name, event in TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {layer}_{name} AFTER {event} ON {layer} FOR EACH ROW "
                f"{WHEN[name]} EXECUTE FUNCTION feature_history_record()"
            )


def downgrade() -> None:
    for layer in LAYERS:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {layer}_{name} ON {layer}")
    op.execute("DROP FUNCTION feature_history_record()")
    op.drop_index(op.f("ix_feature_history_collection"), table_name="feature_history")
    op.drop_table("feature_history")
    op.drop_table("api_keys")
