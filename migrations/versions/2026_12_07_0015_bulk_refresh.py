"""Statistics: a bulk write's refresh, faster (stats_build_districts v3): its step
functions' sorts and hashes get 256 MB of work_mem, where 4 MB spilled to disk.

The figures are the same (tests/repositories/test_stats_bulk.py and test_stats_incremental.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 07:00:00
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"


def _sql(name: str) -> str:
    """A versioned SQL file of migrations/sql/."""
    return (SQL / f"{name}.sql").read_text()


def upgrade() -> None:
    op.execute("DROP FUNCTION stats_build_districts(integer[])")
    op.execute(_sql("stats_build_districts.v3"))


def downgrade() -> None:
    op.execute("DROP FUNCTION stats_build_districts(integer[])")
    op.execute(_sql("stats_build_districts.v2"))
