"""The contamap command, run against the test database."""

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from app.cli import SHARED_TILES as SHARED
from app.cli import _shared_tiles, cli
from app.core.config import Settings, get_settings
from app.models import ContaminatedZone
from tests.conftest import throwaway_database

DATA = Path(__file__).resolve().parents[1] / "geodata" / "data"


@pytest.fixture
def runner(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    """A CLI runner whose settings point at the test database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _zone_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ContaminatedZone)) or 0


def test_migrate_and_load_are_idempotent(runner: CliRunner, engine: Engine) -> None:
    before = _zone_count(engine)
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    result = runner.invoke(cli, ["load"])
    assert result.exit_code == 0, result.output
    assert "contaminated_zones: 916" in result.output
    assert _zone_count(engine) == before


def test_a_bad_file_is_named_and_nothing_is_written(
    runner: CliRunner, engine: Engine, tmp_path: Path
) -> None:
    for path in DATA.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    zones = json.loads((tmp_path / "contaminated_zones.geojson").read_text())
    zones["features"][0]["properties"]["code"] = "CLI-NEW"
    # A ring that crosses itself: only the database's validity check catches it.
    zones["features"][1]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[46.0, 40.0], [46.1, 40.1], [46.1, 40.0], [46.0, 40.1], [46.0, 40.0]]],
    }
    (tmp_path / "contaminated_zones.geojson").write_text(json.dumps(zones))
    before = _zone_count(engine)
    result = runner.invoke(cli, ["load", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert _zone_count(engine) == before


def test_import_a_surveyed_zone_then_refuse_a_bad_one(
    runner: CliRunner, engine: Engine, tmp_path: Path
) -> None:
    zone = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[46.0, 40.0], [46.01, 40.0], [46.01, 40.01], [46.0, 40.01], [46.0, 40.0]]
            ],
        },
        "properties": {
            "code": "SURVEY-1",
            "hazard_class": "CHA",
            "contamination": ["anti_tank"],
            "risk_level": "high",
            "status": "active",
            "recorded_on": "2025-01-01",
            "source": "test survey",
        },
    }
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [zone]}))
    before = _zone_count(engine)
    try:
        result = runner.invoke(cli, ["import", "contaminated_zones", str(path)])
        assert result.exit_code == 0, result.output
        assert _zone_count(engine) == before + 1
        zone["properties"] |= {"code": "SURVEY-2", "status": "cleared"}  # no release date
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [zone]}))
        result = runner.invoke(cli, ["import", "contaminated_zones", str(path)])
        assert result.exit_code == 1
        assert "released_on" in result.output
        assert _zone_count(engine) == before + 1
        assert runner.invoke(cli, ["import", "minefields", str(path)]).exit_code == 1
    finally:
        with engine.begin() as conn:
            conn.execute(
                ContaminatedZone.__table__.delete().where(ContaminatedZone.code == "SURVEY-1")
            )


def test_load_if_empty_leaves_a_loaded_database_alone(runner: CliRunner, engine: Engine) -> None:
    """A deployment's restart: edited rows are never overwritten by the bundled ones."""
    with engine.begin() as conn:
        conn.execute(
            ContaminatedZone.__table__.update()
            .where(ContaminatedZone.code == "SCH-0001")
            .values(name="edited by a data manager")
        )
    try:
        result = runner.invoke(cli, ["load", "--if-empty"])
        assert result.exit_code == 0, result.output
        assert "nothing loaded" in result.output
        with engine.connect() as conn:
            name = conn.scalar(
                select(ContaminatedZone.name).where(ContaminatedZone.code == "SCH-0001")
            )
        assert name == "edited by a data manager"
    finally:
        assert runner.invoke(cli, ["load"]).exit_code == 0  # the bundled row again


def test_load_if_empty_loads_an_empty_database(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    with throwaway_database() as url:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        result = runner.invoke(cli, ["load", "--if-empty"])
        assert result.exit_code == 0, result.output
        assert "contaminated_zones: 916" in result.output
        refreshed = runner.invoke(cli, ["refresh"])
        assert refreshed.exit_code == 0 and "refreshed the statistics" in refreshed.output


def test_serve_shares_its_workers_tiles_in_a_directory_it_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # as TMPDIR would
    monkeypatch.setenv(SHARED, str(tmp_path / "kept from before"))  # never taken
    with _shared_tiles(Settings(), 2):
        directory = Path(os.environ[SHARED])
        assert directory.parent == tmp_path and directory.is_dir()
        assert directory.stat().st_mode & 0o077 == 0  # this server's alone
        assert Settings().shared_tiles_dir == directory  # what each worker reads
        (directory / "a tile").write_bytes(b"built")
    assert not directory.exists() and SHARED not in os.environ
    for settings, workers in ((Settings(), 1), (Settings(shared_tiles_mb=0), 2)):
        monkeypatch.setenv(SHARED, str(tmp_path / "kept from before"))
        with _shared_tiles(settings, workers):
            assert SHARED not in os.environ  # one worker, or sharing turned off
            assert get_settings().shared_tiles_dir is None
