"""Statistics: the status filter and breakdown at a date use the status the zone had then.

``stats_build_districts`` v2 reads each zone's statuses from its history (migration 0008):
a zone counted as contaminated on a date has the contaminated status (active, in_progress)
its history shows for that date, and its released status from its release on;
``stats_zone_status_on`` gives one zone's status on a date by the same rule, for the line of
contact's figures. Every statistic is rebuilt under a new data version.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"
SIGNATURE = "stats_build_districts(integer[])"


def _rebuild() -> None:
    # Immediate: a deferred refresh left pending would block a later ALTER TABLE of the same
    # migration run (a downgrade to base, say).
    op.execute("SET CONSTRAINTS ALL IMMEDIATE")
    op.execute("UPDATE stats_state SET data_version = data_version + 1")
    op.execute("SELECT stats_refresh_all()")


def upgrade() -> None:
    # The status each version recorded, kept beside it: reading it from the JSON would
    # unpack every version's whole feature, geometry included.
    op.execute(
        "ALTER TABLE feature_history ADD COLUMN status text "
        "GENERATED ALWAYS AS (after ->> 'status') STORED"
    )
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute((SQL / "stats_build_districts.v2.sql").read_text())
    op.execute((SQL / "stats_zone_status_on.v1.sql").read_text())
    _rebuild()


def downgrade() -> None:
    op.execute("DROP FUNCTION stats_zone_status_on(integer, date)")
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.execute((SQL / "stats_build_districts.v1.sql").read_text())
    op.execute(f"ALTER FUNCTION {SIGNATURE} SET client_min_messages = warning")  # as 0007 left it
    op.execute("ALTER TABLE feature_history DROP COLUMN status")
    _rebuild()
