"""A version per layer, bumped by every write, for caches (tiles) and strong ETags.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"
LAYERS = ("districts", "contaminated_zones", "incidents", "line_of_contact")


def upgrade() -> None:
    op.execute("CREATE SEQUENCE layer_version_seq")
    op.create_table(
        "layer_versions",
        sa.Column("layer", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("layer", name=op.f("pk_layer_versions")),
    )
    op.execute(
        "INSERT INTO layer_versions SELECT layer, nextval('layer_version_seq') FROM unnest("
        "ARRAY['districts', 'contaminated_zones', 'incidents', 'line_of_contact']) AS layer"
    )
    op.execute((SQL / "layer_bump_version.v1.sql").read_text())
    for layer in LAYERS:
        op.execute(
            f"CREATE TRIGGER {layer}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {layer} FOR EACH STATEMENT EXECUTE FUNCTION layer_bump_version()"
        )


def downgrade() -> None:
    for layer in LAYERS:
        op.execute(f"DROP TRIGGER {layer}_version ON {layer}")
    op.execute("DROP FUNCTION layer_bump_version()")
    op.drop_table("layer_versions")
    op.execute("DROP SEQUENCE layer_version_seq")
