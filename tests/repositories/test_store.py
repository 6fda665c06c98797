"""The store: the bundled layers as loaded, the database's own checks, idempotent loading."""

import json
from pathlib import Path

import pytest
from pyproj import Geod
from shapely import wkb
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, InternalError
from sqlalchemy.orm import Session

from app.errors import InvalidParameterValue
from app.models import ContaminatedZone, District, Incident, IncidentVictim, LineOfContact
from app.repositories.layers import count_rows
from app.services.loader import load_bundled

GEOD = Geod(ellps="WGS84")


def _geodesic_km2(session: Session, name: str) -> float:
    """The district's area, measured by pyproj on the stored geometry, not by PostGIS."""
    geom = session.scalar(select(func.ST_AsBinary(District.geom)).where(District.name == name))
    assert geom is not None, f"no district {name}"
    area, _ = GEOD.geometry_area_perimeter(wkb.loads(bytes(geom)))
    return abs(area) / 1e6


@pytest.mark.parametrize(("name", "km2"), [("Lachin", 1764), ("Kalbajar", 2771)])
def test_district_areas_match_the_published_figures(
    session: Session, name: str, km2: float
) -> None:
    # DATA.md section 1: geodesic areas of the Natural Earth polygons.
    assert _geodesic_km2(session, name) == pytest.approx(km2, rel=0.01)


def test_lachin_is_no_longer_called_lankaran(session: Session) -> None:
    lachin = session.scalars(select(District).where(District.geonames_id == 147626)).one()
    assert lachin.name == "Lachin"
    khojaly = session.scalars(select(District).where(District.name == "Khojaly")).one()
    assert khojaly.geonames_id == 148449


def test_line_of_contact_is_202_6_km(session: Session) -> None:
    geom = session.scalar(select(func.ST_AsBinary(LineOfContact.geom)))
    assert geom is not None
    length_km = GEOD.geometry_length(wkb.loads(bytes(geom))) / 1000
    assert length_km == pytest.approx(202.6, rel=0.01)


def test_incident_district_is_computed_and_reported_kept(session: Session) -> None:
    rows = session.execute(
        select(Incident.reported_district, District.name).join(
            District, Incident.district_id == District.id
        )
    ).all()
    assert len(rows) == 3
    # Aghdara has no polygon (DATA.md): its incident falls in another district.
    assert any(reported == "Aghdara" and computed != "Aghdara" for reported, computed in rows)


def test_loading_twice_leaves_the_same_counts(session: Session) -> None:
    before = count_rows(session)
    victims = session.scalar(select(func.count()).select_from(IncidentVictim))
    load_bundled(session)
    assert count_rows(session) == before
    assert session.scalar(select(func.count()).select_from(IncidentVictim)) == victims


def _zone(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "code": "TEST-1",
        "hazard_class": "SHA",
        "contamination": ["anti_personnel"],
        "risk_level": "high",
        "status": "active",
        "recorded_on": "2021-01-01",
        "source": "test",
        "geom": "SRID=4326;MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)))",
    }
    return row | overrides


INSERT_ZONE = text(
    "INSERT INTO contaminated_zones (code, hazard_class, contamination, risk_level, status, "
    "recorded_on, source, geom) VALUES (:code, :hazard_class, :contamination, :risk_level, "
    ":status, CAST(:recorded_on AS date), :source, ST_GeomFromEWKT(:geom))"
)


def test_a_valid_zone_is_accepted(session: Session) -> None:
    session.execute(INSERT_ZONE, _zone())
    assert session.scalar(select(func.count()).where(ContaminatedZone.code == "TEST-1")) == 1


@pytest.mark.parametrize(
    "overrides",
    [
        # A bow-tie: the ring crosses itself, so the polygon is invalid.
        {"geom": "SRID=4326;MULTIPOLYGON(((0 0,1 1,1 0,0 1,0 0)))"},
        {"status": "exploded"},
        {"contamination": ["landmines"]},
        {"status": "cleared"},  # released without a release date
    ],
)
def test_the_database_refuses_bad_zones(session: Session, overrides: dict[str, object]) -> None:
    with pytest.raises((IntegrityError, InternalError)), session.begin_nested():
        session.execute(INSERT_ZONE, _zone(**overrides))


def test_negative_casualties_are_refused(session: Session) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text(
                "INSERT INTO incidents (code, occurred_on, device, activity, killed, injured, "
                "victim_category, location_accuracy, source, geom) VALUES ('T', '2025-01-01', "
                "'uxo', 'other', -1, 0, 'civilian', 'village', 'test', "
                "ST_GeomFromText('POINT(46 40)', 4326))"
            )
        )


def test_a_bad_file_writes_nothing(session: Session, tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "geodata" / "data"
    for path in source.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    zones = json.loads((tmp_path / "contaminated_zones.geojson").read_text())
    zones["features"][0]["properties"]["code"] = "NEW-ZONE"
    zones["features"][-1]["properties"]["risk_level"] = "extreme"
    (tmp_path / "contaminated_zones.geojson").write_text(json.dumps(zones))
    before = count_rows(session)
    with pytest.raises(InvalidParameterValue, match="risk_level"), session.begin_nested():
        load_bundled(session, tmp_path)
    assert count_rows(session) == before
    assert session.scalar(select(func.count()).where(ContaminatedZone.code == "NEW-ZONE")) == 0


def test_victims_of_an_unknown_incident_write_nothing(session: Session, tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "geodata" / "data"
    for path in source.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    victims = json.loads((tmp_path / "incident_victims.json").read_text())
    victims[0]["incident_code"] = "NO-SUCH-INCIDENT"
    (tmp_path / "incident_victims.json").write_text(json.dumps(victims))
    before = session.scalar(select(func.count()).select_from(IncidentVictim))
    with pytest.raises(InvalidParameterValue, match="NO-SUCH-INCIDENT"), session.begin_nested():
        load_bundled(session, tmp_path)
    assert session.scalar(select(func.count()).select_from(IncidentVictim)) == before
