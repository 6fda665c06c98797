"""Statistics: the overlay nodes its boundaries, and the contaminated areas merge their atoms,
in one order (stats_build_districts v4, stats_build_areas v2), so that an incremental refresh
and a full rebuild of the same zones give the same atoms to the last digit.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"


def _sql(name: str) -> str:
    """A versioned SQL file of migrations/sql/."""
    return (SQL / f"{name}.sql").read_text()


def upgrade() -> None:
    op.execute("DROP FUNCTION stats_build_districts(integer[])")
    op.execute(_sql("stats_build_districts.v4"))
    op.execute("DROP FUNCTION stats_build_areas(integer[])")
    op.execute(_sql("stats_build_areas.v2"))


def downgrade() -> None:
    op.execute("DROP FUNCTION stats_build_districts(integer[])")
    op.execute(_sql("stats_build_districts.v3"))
    op.execute("DROP FUNCTION stats_build_areas(integer[])")
    op.execute(_sql("stats_build_areas.v1"))
