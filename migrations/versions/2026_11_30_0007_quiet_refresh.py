"""The statistics' rebuild says nothing to the writing client.

``stats_build_districts`` drops its temporary table with IF EXISTS, which makes PostgreSQL
send a NOTICE ("table stats_pieces does not exist, skipping") to every client whose write
triggers a refresh, psql users included. The function now runs with client_min_messages at
warning; its body is unchanged (migrations/sql/stats_build_districts.v1.sql).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER FUNCTION stats_build_districts(integer[]) SET client_min_messages = warning")


def downgrade() -> None:
    op.execute("ALTER FUNCTION stats_build_districts(integer[]) RESET client_min_messages")
