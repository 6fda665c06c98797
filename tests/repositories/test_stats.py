"""The statistics overlay: its atoms, and how the writes keep it fresh."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.models import ContaminatedZone, StatsAtom, StatsDirtyDistrict
from app.repositories import stats as repo
from tests.api.test_stats_geometry import RELATIVE, WEST, add_district, add_zone, km2

DEFERRED = text("SET CONSTRAINTS stats_refresh_pending DEFERRED")
IMMEDIATE = text("SET CONSTRAINTS stats_refresh_pending IMMEDIATE")


def test_each_write_refreshes_the_statistics_itself(session: Session) -> None:
    before = repo.versions(session)
    assert not before.stale
    district = add_district(session, WEST)
    after = repo.versions(session)
    assert after.data > before.data and not after.stale  # bumped, and refreshed by the write
    zone = add_zone(session, box(0.1, -29.9, 0.2, -29.8))
    assert session.scalar(select(func.count()).where(StatsAtom.district_id == district)) == 1
    session.execute(
        update(ContaminatedZone)
        .where(ContaminatedZone.id == zone)
        .values(status="cleared", released_on=date(2024, 1, 1))
    )
    assert not repo.versions(session).stale


def test_the_refresh_waits_for_the_end_of_the_transaction(
    session: Session, client: TestClient
) -> None:
    """Deferred (as outside the tests): many writes, one refresh; a read meanwhile says stale."""
    session.execute(DEFERRED)
    district = add_district(session, WEST)
    add_zone(session, box(0.1, -29.9, 0.2, -29.8))
    add_zone(session, box(0.3, -29.9, 0.4, -29.8))
    assert set(session.scalars(select(StatsDirtyDistrict.district_id))) == {district}
    stale = client.get("/stats/summary")
    assert stale.status_code == 200
    assert stale.json()["stale"] is True
    session.execute(IMMEDIATE)  # what COMMIT does: the pending refresh runs now
    assert session.scalar(select(func.count()).where(StatsAtom.district_id == district)) == 2
    fresh = client.get("/stats/summary").json()
    assert fresh["stale"] is False
    assert fresh["data_version"] == stale.json()["data_version"]


def test_atoms_are_disjoint_and_carry_their_covering_zones(session: Session) -> None:
    district = add_district(session, WEST)
    first, second = box(0.1, -29.9, 0.2, -29.8), box(0.15, -29.85, 0.25, -29.75)
    first_id, second_id = add_zone(session, first), add_zone(session, second)
    atoms = {
        tuple(ids): area
        for ids, area in session.execute(
            select(StatsAtom.zone_ids, StatsAtom.area_km2).where(StatsAtom.district_id == district)
        )
    }
    assert atoms.keys() == {(first_id,), (second_id,), (first_id, second_id)}
    assert atoms[(first_id, second_id)] == pytest.approx(km2(first & second), rel=RELATIVE)
    assert atoms[(first_id,)] == pytest.approx(km2(first - second), rel=RELATIVE)
    assert sum(atoms.values()) == pytest.approx(km2(first | second), rel=RELATIVE)
