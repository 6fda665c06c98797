"""The statistics overlay: its atoms and how it is kept fresh after writes."""

from datetime import date

import pytest
from shapely import box
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.models import ContaminatedZone, StatsAtom
from app.repositories import stats as repo
from app.services.stats import ensure_fresh
from tests.api.test_stats_geometry import RELATIVE, WEST, add_district, add_zone, km2


def test_a_write_marks_the_statistics_stale_and_a_read_rebuilds_them(session: Session) -> None:
    fresh = ensure_fresh(session)
    assert fresh.built == fresh.data
    district = add_district(session, WEST)
    assert repo.versions(session).data > fresh.data  # the insert bumped the version
    zone = add_zone(session, box(0.1, -29.9, 0.2, -29.8))
    ensure_fresh(session)
    assert session.scalar(select(func.count()).where(StatsAtom.district_id == district)) == 1
    session.execute(
        update(ContaminatedZone)
        .where(ContaminatedZone.id == zone)
        .values(status="cleared", released_on=date(2024, 1, 1))
    )
    stale = repo.versions(session)
    assert stale.built < stale.data
    rebuilt = ensure_fresh(session)
    assert rebuilt.built == rebuilt.data


def test_atoms_are_disjoint_and_carry_their_covering_zones(session: Session) -> None:
    district = add_district(session, WEST)
    first, second = box(0.1, -29.9, 0.2, -29.8), box(0.15, -29.85, 0.25, -29.75)
    first_id, second_id = add_zone(session, first), add_zone(session, second)
    ensure_fresh(session)
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
