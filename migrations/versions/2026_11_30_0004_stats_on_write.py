"""Statistics are refreshed by the writes, never by a read.

Deferred constraint triggers on ``stats_state`` (a version bump or a request for a full or
territory rebuild) and ``stats_dirty_districts`` (a district marked) call ``stats_refresh()``
at the end of the writing transaction, so a committed write is always counted and a GET
under ``/stats`` only reads. ``stats_refresh()`` v3 returns at once when nothing is pending.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"


def _sql(name: str) -> str:
    """A versioned SQL file of migrations/sql/."""
    return (SQL / f"{name}.sql").read_text()


# Which rows queue a refresh: row triggers, since only those can be deferred.
PENDING = {
    "stats_state": "AFTER UPDATE ON stats_state DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
    "WHEN (NEW.built_version <> NEW.data_version OR NEW.rebuild_all OR NEW.territory_stale)",
    "stats_dirty_districts": "AFTER INSERT ON stats_dirty_districts "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW",
}


def upgrade() -> None:
    op.execute("DROP FUNCTION stats_refresh()")
    op.execute(_sql("stats_refresh.v3"))
    op.execute(_sql("stats_refresh_pending.v1"))
    for clause in PENDING.values():
        op.execute(
            f"CREATE CONSTRAINT TRIGGER stats_refresh_pending {clause} "
            "EXECUTE FUNCTION stats_refresh_pending()"
        )
    # What an earlier version left for its first reader to refresh, the migration refreshes.
    op.execute("SELECT stats_refresh()")


def downgrade() -> None:
    for table in PENDING:
        op.execute(f"DROP TRIGGER stats_refresh_pending ON {table}")
    op.execute("DROP FUNCTION stats_refresh_pending()")
    op.execute("DROP FUNCTION stats_refresh()")
    op.execute(_sql("stats_refresh.v2"))
