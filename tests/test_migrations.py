"""The migrations run up, down and up again on an empty database."""

from typing import Any

from alembic import command
from sqlalchemy import create_engine, inspect, text

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


def test_downgrade_to_the_full_refresh_restores_its_triggers() -> None:
    with throwaway_database() as url:
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.downgrade(config, "0002")
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                triggers = set(
                    conn.scalars(
                        text("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%\\_stats\\_%'")
                    )
                )
                assert triggers == {"contaminated_zones_stats_stale", "districts_stats_stale"}
                before = conn.scalar(text("SELECT data_version FROM stats_state"))
                conn.execute(
                    text(
                        "INSERT INTO districts (code, name, kind, source, geom) VALUES ('D', 'D', "
                        "'district', 'test', ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326)))"
                    )
                )
                assert conn.scalar(text("SELECT stats_refresh()")) == before + 1  # the insert
                assert conn.scalar(text("SELECT count(*) FROM stats_district_areas")) == 1
        finally:
            engine.dispose()
        command.upgrade(config, "head")


def test_a_write_sends_no_notice_to_the_client() -> None:
    """The refresh a write triggers used to send 'stats_pieces does not exist, skipping'."""
    with throwaway_database() as url:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        notices: list[str] = []
        try:
            with engine.connect() as conn:
                raw: Any = conn.connection.dbapi_connection
                raw.add_notice_handler(lambda notice: notices.append(notice.message_primary))
                with conn.begin():
                    conn.execute(
                        text(
                            "INSERT INTO districts (code, name, kind, source, geom) VALUES ('D', "
                            "'D', 'district', 'test', ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326)))"
                        )
                    )
        finally:
            engine.dispose()
        assert notices == []
