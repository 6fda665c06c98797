"""The statistics' rebuild faster at scale: each leaf's step functions hashed by key, with
time ordered only for the keys whose periods do not all overlap (stats_build_leaves v3: that
statement 28 s before, 10 s after for 100,916 zones), a leaf's contaminated area the union of
its pieces, a face's zones found from the pieces; pieces marked alone before they are written
(stats_build_districts v7). The same rows and figures as before, to the order of a float sum.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 22:00:00
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQL = Path(__file__).resolve().parents[1] / "sql"
# Each function, from the version it had to the one it gets.
VERSIONS = {
    "stats_build_leaves": (2, 3),
    "stats_build_districts": (6, 7),
}


def _replace(name: str, version: int) -> None:
    """A function in place, by its signature: its callers keep pointing at it."""
    sql = (SQL / f"{name}.v{version}.sql").read_text()
    op.execute(sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))


def upgrade() -> None:
    for name, (_, new) in VERSIONS.items():
        _replace(name, new)


def downgrade() -> None:
    for name, (old, _) in VERSIONS.items():
        _replace(name, old)
