"""Health of the service: the database, its schema, the read pool, the layers' counts.

The check uses a connection of its own, never a pooled one, so it answers within the connect
timeout even when every pooled connection is busy.
"""

from functools import cache
from pathlib import Path

from alembic.script import ScriptDirectory

from app.core.db import AsyncEngine, Engine, SQLAlchemyError, pool_exhausted
from app.repositories import layers as repo
from app.schemas.health import Health

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@cache
def expected_revision() -> str:
    """The head revision of the migrations shipped with this code."""
    return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def check(probe: Engine, pooled: AsyncEngine) -> Health:
    """Connect with ``probe`` (no pool), compare the schema, count the layers, read the pool."""
    expected = expected_revision()
    pool = "busy" if pool_exhausted(pooled) else "ok"
    try:
        with probe.connect() as conn:
            revision = repo.schema_revision(conn)
            if revision != expected:
                detail = (
                    f"the database is at migration {revision}, not {expected}: run contamap migrate"
                )
                return Health(
                    status="schema_outdated",
                    database="ok",
                    pool=pool,
                    schema_revision=revision,
                    expected_revision=expected,
                    detail=detail,
                )
            layers = repo.count_rows(conn)
    except SQLAlchemyError as exc:
        return Health(
            status="unavailable",
            database="unavailable",
            pool=pool,
            expected_revision=expected,
            detail=f"the database did not answer: {type(exc.__cause__ or exc).__name__}",
        )
    return Health(
        status="busy" if pool == "busy" else "ok",
        database="ok",
        pool=pool,
        schema_revision=revision,
        expected_revision=expected,
        layers=layers,
    )
