"""Statistics: refresh only the districts a write touched, not the whole overlay.

Statement-level triggers with transition tables replace 0002's version bump: after the bump
(whose row lock queues the writer behind a running rebuild) they record in
``stats_dirty_districts`` the districts whose pieces may change: those meeting an inserted,
deleted or changed zone, before or after the change, or a district whose own geometry
changed. ``stats_refresh()`` then deletes and rebuilds the atoms, deltas and area of those
districts only, the same way 0002 did for all; it rebuilds everything when nothing is built
yet, after a TRUNCATE, or when ``stats_refresh_all()`` asks for it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:30:00
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED_TABLES = ("contaminated_zones", "districts")

SQL = Path(__file__).resolve().parents[1] / "sql"


def _sql(name: str) -> str:
    """A versioned SQL file of migrations/sql/."""
    return (SQL / f"{name}.sql").read_text()


# Each new function's signature and its file.
FUNCTIONS = {
    "stats_bump_version(boolean)": "stats_bump_version.v1",
    "stats_zones_changed()": "stats_zones_changed.v1",
    "stats_districts_changed()": "stats_districts_changed.v1",
    "stats_build_districts(integer[])": "stats_build_districts.v1",
    "stats_refresh_all()": "stats_refresh_all.v1",
}

# A trigger with transition tables serves one event, so each table gets one per event.
TRIGGERS = {
    "inserted": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "updated": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "deleted": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
    "truncated": "AFTER TRUNCATE ON {table}",
}
TRIGGER_FUNCTIONS = {
    "contaminated_zones": "stats_zones_changed",
    "districts": "stats_districts_changed",
}


def upgrade() -> None:
    op.add_column(
        "stats_state",
        sa.Column("rebuild_all", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "stats_state",
        sa.Column("territory_stale", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # Writes made before this revision were not tracked per district.
    op.execute("UPDATE stats_state SET rebuild_all = built_version < data_version")
    op.create_table(
        "stats_dirty_districts",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("district_id", name=op.f("pk_stats_dirty_districts")),
    )
    op.create_index(op.f("ix_stats_deltas_district_id"), "stats_deltas", ["district_id"])
    for table in WATCHED_TABLES:
        op.execute(f"DROP TRIGGER {table}_stats_stale ON {table}")
    op.execute("DROP FUNCTION stats_mark_stale()")
    op.execute("DROP FUNCTION stats_refresh()")
    for name in FUNCTIONS.values():
        op.execute(_sql(name))
    op.execute(_sql("stats_refresh.v2"))
    for table, function in TRIGGER_FUNCTIONS.items():
        for event, clause in TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {table}_stats_{event} {clause.format(table=table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def downgrade() -> None:
    for table in WATCHED_TABLES:
        for event in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_stats_{event} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS stats_refresh()")
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.execute(_sql("stats_mark_stale.v1"))
    op.execute(_sql("stats_refresh.v1"))
    for table in WATCHED_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_stats_stale AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_stale()"
        )
    op.drop_index(op.f("ix_stats_deltas_district_id"), table_name="stats_deltas")
    op.drop_table("stats_dirty_districts")
    # Marked districts are only ever pending behind a version bump, which 0002 rebuilds in full.
    op.drop_column("stats_state", "territory_stale")
    op.drop_column("stats_state", "rebuild_all")
