"""The migrations run up, down and up again on an empty database."""

from alembic import command
from sqlalchemy import create_engine, inspect

from app.cli import alembic_config
from tests.conftest import throwaway_database

LAYERS = {"districts", "contaminated_zones", "incidents", "line_of_contact", "incident_victims"}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade() -> None:
    with throwaway_database() as url:
        config = alembic_config(url)
        command.upgrade(config, "head")
        assert _tables(url) >= LAYERS
        command.downgrade(config, "base")
        assert not LAYERS & _tables(url)
        command.upgrade(config, "head")
        assert _tables(url) >= LAYERS


def test_every_geometry_column_has_a_gist_index() -> None:
    with throwaway_database() as url:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        inspector = inspect(engine)
        for table in LAYERS - {"incident_victims"}:
            indexes = [
                index for index in inspector.get_indexes(table) if index["column_names"] == ["geom"]
            ]
            assert indexes, f"{table}.geom has no index"
            assert indexes[0].get("dialect_options", {}).get("postgresql_using") == "gist"
        engine.dispose()
