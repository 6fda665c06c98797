"""Contaminated zones: the hazard's identifier in IMSMA, the national information system.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contaminated_zones", sa.Column("imsma_id", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("contaminated_zones", "imsma_id")
