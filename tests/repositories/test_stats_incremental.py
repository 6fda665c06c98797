"""The incremental refresh: it rebuilds only the districts a write touched, and the result is
the one a full rebuild gives."""

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from shapely import MultiPolygon, box
from sqlalchemy import Engine, create_engine, delete, func, select, text, update
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.models import ContaminatedZone, District, StatsAtom, StatsDelta, StatsDirtyDistrict
from app.repositories import stats as repo
from tests.api.test_stats_geometry import EAST, WEST, add_district, add_zone
from tests.conftest import throwaway_database
from tests.repositories.test_stats import DEFERRED, IMMEDIATE

DATES = ("2022-06-30", "2024-12-31")
FILTERS: tuple[dict[str, str], ...] = ({}, {"contamination": "uxo"})


def _numbers(value: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a JSON document, keyed by its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{path}/{index}")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, float(value)


def _figures(session: Session, client: TestClient, districts: list[int]) -> dict[str, float]:
    """The derived tables and the API's answers, as one flat mapping of numbers."""
    figures: dict[str, float] = {}
    for *key, delta, level in session.execute(
        select(
            StatsDelta.measure,
            StatsDelta.risk_level,
            StatsDelta.status,
            StatsDelta.contamination,
            StatsDelta.district_id,
            StatsDelta.on_date,
            StatsDelta.delta_km2,
            StatsDelta.level_km2,
        )
    ):
        figures[f"delta {key}"] = delta
        figures[f"level {key}"] = level
    for district, zones, area, pieces in session.execute(
        select(
            StatsAtom.district_id, StatsAtom.zone_ids, func.sum(StatsAtom.area_km2), func.count()
        ).group_by(StatsAtom.district_id, StatsAtom.zone_ids)
    ):
        figures[f"atoms {district} {zones}"] = area
        figures[f"atom count {district} {zones}"] = pieces
    existing = session.scalars(select(District.id).where(District.id.in_(districts))).all()
    for as_of in DATES:
        for filters in FILTERS:
            params = {"as_of": as_of, **filters}
            urls = ["/stats/summary", "/stats/districts"]
            urls += [f"/stats/districts/{district}" for district in existing]
            for url in urls:
                response = client.get(url, params=params)
                assert response.status_code == 200, response.text
                body = response.json()
                body.pop("data_version", None)
                figures.update(_numbers(body, f"{url} {params}"))
    return figures


def _atom_ids_outside(session: Session, districts: list[int]) -> set[int]:
    return set(session.scalars(select(StatsAtom.id).where(StatsAtom.district_id.notin_(districts))))


def _move_and_release(session: Session, zone: int) -> None:
    session.execute(
        update(ContaminatedZone)
        .where(ContaminatedZone.id == zone)
        .values(
            geom=from_shape(MultiPolygon([box(0.65, -29.85, 0.75, -29.75)]), srid=4326),
            status="cleared",
            released_on=date(2023, 6, 1),
        )
    )


def _grow_district(session: Session, district: int) -> None:
    session.execute(
        update(District)
        .where(District.id == district)
        .values(geom=from_shape(MultiPolygon([box(0.5, -30.0, 1.1, -29.4)]), srid=4326))
    )


def test_incremental_refresh_equals_a_full_rebuild(client: TestClient, session: Session) -> None:
    west, east = add_district(session, WEST), add_district(session, EAST)
    ours = [west, east]
    first = add_zone(session, box(0.1, -29.9, 0.2, -29.8), recorded_on=date(2021, 3, 1))
    second = add_zone(
        session, box(0.15, -29.85, 0.25, -29.75), risk_level="low", contamination=("uxo", "cluster")
    )
    crossing = add_zone(
        session,
        box(0.4, -29.7, 0.55, -29.6),
        recorded_on=date(2022, 1, 1),
        status="reduced",
        released_on=date(2024, 2, 1),
    )
    add_zone(session, box(0.7, -29.9, 0.8, -29.8), risk_level="medium")
    writes: list[Callable[[], object]] = [
        lambda: None,  # the inserts above
        lambda: _move_and_release(session, second),
        lambda: session.execute(delete(ContaminatedZone).where(ContaminatedZone.id == first)),
        lambda: session.execute(
            update(ContaminatedZone)
            .where(ContaminatedZone.id == crossing)
            .values(recorded_on=date(2021, 7, 1))
        ),
        lambda: add_zone(session, box(5.0, -30.0, 5.2, -29.8)),  # open sea
        lambda: _grow_district(session, east),
        lambda: session.execute(delete(District).where(District.id == west)),
    ]
    for write in writes:
        untouched = _atom_ids_outside(session, ours)
        write()  # and its refresh, at the end of the statement here
        assert _atom_ids_outside(session, ours) == untouched  # the bundled districts were kept
        incremental = _figures(session, client, ours)
        repo.refresh(session, everything=True)
        full = _figures(session, client, ours)
        assert incremental == pytest.approx(full, rel=1e-9, abs=1e-9)


def test_writes_that_change_no_figure_mark_no_district(session: Session) -> None:
    session.execute(DEFERRED)
    district = add_district(session, WEST)
    zone = add_zone(session, box(0.1, -29.9, 0.2, -29.8))
    assert set(session.scalars(select(StatsDirtyDistrict.district_id))) == {district}
    session.execute(IMMEDIATE)
    session.execute(DEFERRED)
    session.execute(
        update(ContaminatedZone)
        .where(ContaminatedZone.id == zone)
        .values(name="renamed", estimated_devices=3)
    )
    session.execute(update(District).where(District.id == district).values(name="Renamed"))
    stale = repo.versions(session)
    assert stale.stale  # the version moved on...
    assert session.scalar(select(func.count()).select_from(StatsDirtyDistrict)) == 0  # ...alone
    session.execute(IMMEDIATE)
    fresh = repo.versions(session)
    assert not fresh.stale and fresh.territory_km2 == stale.territory_km2


def test_a_truncate_rebuilds_everything(session: Session) -> None:
    session.execute(DEFERRED)
    session.execute(text("TRUNCATE contaminated_zones"))
    assert session.scalar(text("SELECT rebuild_all FROM stats_state"))
    session.execute(IMMEDIATE)
    assert session.scalar(select(func.count()).select_from(StatsAtom)) == 0
    assert session.scalar(select(func.count()).select_from(StatsDelta)) == 0


DISTRICT = text(
    "INSERT INTO districts (code, name, kind, source, geom) VALUES "
    "('LOCK-D', 'Lock', 'district', 'test', "
    "ST_Multi(ST_MakeEnvelope(0, -30, 0.5, -29.5, 4326))) RETURNING id"
)
ZONE = text(
    "INSERT INTO contaminated_zones "
    "(code, hazard_class, contamination, risk_level, status, recorded_on, source, geom) "
    "VALUES (:code, 'SHA', ARRAY['uxo'], 'high', 'active', date '2021-01-01', 'test', "
    "ST_Multi(ST_MakeEnvelope(:x, -29.9, :x + 0.05, -29.85, 4326))) RETURNING id"
)


def _wait_for_a_lock_wait(engine: Engine) -> None:
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        with engine.connect() as conn:
            if conn.scalar(query):
                return
        time.sleep(0.02)
    raise AssertionError("the writer never waited for the rebuild")


def test_a_write_waiting_for_a_rebuild_is_refreshed_after_it() -> None:
    """A rebuild under way, a writer of its district waiting: once the rebuild commits, the
    writer marks the district and refreshes it at its own commit."""
    with throwaway_database() as url:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                district = conn.scalar(DISTRICT)
                conn.execute(ZONE, {"code": "LOCK-1", "x": 0.1})
                conn.execute(text("SELECT stats_refresh()"))
            with engine.begin() as conn:
                conn.execute(ZONE, {"code": "LOCK-2", "x": 0.2})  # marks the district
            added: list[int] = []

            def write() -> None:
                with engine.begin() as conn:
                    added.append(conn.scalar(ZONE, {"code": "LOCK-3", "x": 0.3}))

            with engine.connect() as rebuilder, rebuilder.begin():
                rebuilder.execute(text("SELECT 1 FROM stats_state FOR UPDATE"))
                writer = threading.Thread(target=write)
                writer.start()
                _wait_for_a_lock_wait(engine)
                rebuilder.execute(text("SELECT stats_refresh()"))
            writer.join()
            with engine.begin() as conn:
                assert not conn.scalar(text("SELECT built_version < data_version FROM stats_state"))
                covered = conn.scalar(
                    text(
                        "SELECT count(*) FROM stats_atoms WHERE district_id = :d AND :z = ANY(zone_ids)"
                    ),
                    {"d": district, "z": added[0]},
                )
            assert covered == 1
        finally:
            engine.dispose()
