"""A resident's report may be merged into an existing zone or incident: the status
``merged`` and the collection of the feature it joined (``merged_into``, with ``feature_id``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES_BEFORE = "status IN ('received', 'verified', 'rejected')"
STATUSES = "status IN ('received', 'verified', 'rejected', 'merged')"
MERGED_INTO = "merged_into IS NULL OR merged_into IN ('contaminated_zones', 'incidents')"
MERGED = "(status = 'merged') = (merged_into IS NOT NULL AND feature_id IS NOT NULL)"


def upgrade() -> None:
    op.add_column("reports", sa.Column("merged_into", sa.Text(), nullable=True))
    op.drop_constraint(op.f("ck_reports_status"), "reports", type_="check")
    op.create_check_constraint(op.f("ck_reports_status"), "reports", STATUSES)
    op.create_check_constraint(op.f("ck_reports_merged_into"), "reports", MERGED_INTO)
    op.create_check_constraint(op.f("ck_reports_merged"), "reports", MERGED)


def downgrade() -> None:
    op.execute("DELETE FROM reports WHERE status = 'merged'")
    op.drop_constraint(op.f("ck_reports_merged"), "reports", type_="check")
    op.drop_constraint(op.f("ck_reports_merged_into"), "reports", type_="check")
    op.drop_constraint(op.f("ck_reports_status"), "reports", type_="check")
    op.create_check_constraint(op.f("ck_reports_status"), "reports", STATUSES_BEFORE)
    op.drop_column("reports", "merged_into")
