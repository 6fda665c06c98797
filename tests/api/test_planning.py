"""Settlements near contamination and the clearance priorities, on a case small enough to work
out by hand: two settlements, three zones and one incident in a test district of the South
Atlantic, far from every bundled feature. Distances and areas come from pyproj's geodesics.

    S1 (pop. 1000) . [Z1, low]           Z3, medium (far from both)        S2 (pop. 50) . [Z2, high]
    I1 (1 killed, 2 injured) beside Z1

Each settlement is south-west of its zone's south-west corner, which is then the nearest
point of the zone, so its distance is pyproj's distance to that corner.
"""

import math
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from geoalchemy2 import WKTElement
from pyproj import Geod
from shapely import box
from sqlalchemy.orm import Session

from app.models import Settlement
from tests.api.test_stats_geometry import WEST, add_district, add_incident, add_zone, km2

GEOD = Geod(ellps="WGS84")
S1, S2 = (0.10, -29.70), (0.30, -29.70)
Z1 = box(0.105, -29.695, 0.115, -29.685)
Z2 = box(0.305, -29.695, 0.315, -29.685)
Z3 = box(0.20, -29.60, 0.21, -29.59)
I1 = (0.11, -29.70)
AS_OF = "2025-01-01"


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


@pytest.fixture
def case(session: Session) -> dict[str, Any]:
    district = add_district(session, WEST, name="Planning test")
    for code, (lon, lat), population in (("T-S1", S1, 1000), ("T-S2", S2, 50)):
        session.add(
            Settlement(
                code=code,
                name=code,
                geonames_id=1,
                population=population,
                source="test",
                geom=WKTElement(f"POINT({lon} {lat})", srid=4326),
            )
        )
    add_incident(
        session,
        *I1,
        occurred_on=date(2024, 5, 1),
        killed=1,
        injured=2,
        device="anti_personnel_mine",
        activity="grazing",
    )
    zones = {
        name: add_zone(session, shape, risk_level=risk)
        for name, shape, risk in (("Z1", Z1, "low"), ("Z2", Z2, "high"), ("Z3", Z3, "medium"))
    }
    return {"district": district, "zones": zones}


def _expected_parts() -> dict[str, dict[str, float]]:
    """Each zone's raw parts, by hand and pyproj: within 2 km of Z1 only S1 and I1, of Z2 only
    S2; Z3 is more than 2 km from everything."""
    assert metres(S1, (0.105, -29.695)) < 2000 and metres(S2, (0.305, -29.695)) < 2000
    assert min(metres(S1, (0.20, -29.60)), metres(S2, (0.21, -29.60))) > 2000
    return {
        "Z1": {"population": 1000, "settlements": 1, "incidents": 1 + 1 + 2,
               "distance": metres(S1, (0.105, -29.695)) / 1e3, "risk": 1, "area": km2(Z1)},
        "Z2": {"population": 50, "settlements": 1, "incidents": 0,
               "distance": metres(S2, (0.305, -29.695)) / 1e3, "risk": 3, "area": km2(Z2)},
        "Z3": {"population": 0, "settlements": 0, "incidents": 0,
               "distance": min(metres(S1, (0.20, -29.60)), metres(S2, (0.21, -29.60))) / 1e3,
               "risk": 2, "area": km2(Z3)},
    }  # fmt: skip


def _expected_scores(weights: dict[str, float]) -> dict[str, float]:
    """Min-max over the three zones; population as log(1 + p); distance and area inverted."""
    parts = _expected_parts()
    transform = {"population": math.log1p}
    lower_is_better = {"distance", "area"}
    scores = dict.fromkeys(parts, 0.0)
    for name, weight in weights.items():
        values = {zone: transform.get(name, float)(part[name]) for zone, part in parts.items()}
        low, high = min(values.values()), max(values.values())
        for zone, value in values.items():
            normalised = (value - low) / (high - low) if high > low else 0.0
            if name in lower_is_better and high > low:
                normalised = 1 - normalised
            scores[zone] += weight * normalised / sum(weights.values())
    return scores


def _ranked(client: TestClient, case: dict[str, Any], **weights: float) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"as_of": AS_OF, "district": case["district"], "near_km": 2}
    params |= {f"w_{name}": value for name, value in weights.items()}
    response = client.get("/stats/priorities", params=params)
    assert response.status_code == 200, response.text
    zones: list[dict[str, Any]] = response.json()["zones"]
    return zones


def test_every_part_of_the_score_is_what_the_hand_calculation_says(
    client: TestClient, case: dict[str, Any]
) -> None:
    names = {zone_id: name for name, zone_id in case["zones"].items()}
    ranked = _ranked(client, case)
    defaults = {"population": 0.35, "settlements": 0.15, "incidents": 0.2, "distance": 0.1,
                "risk": 0.15, "area": 0.05}  # fmt: skip
    expected = _expected_scores(defaults)
    parts = _expected_parts()
    assert [names[zone["zone_id"]] for zone in ranked] == sorted(
        expected, key=lambda z: -expected[z]
    )
    for zone in ranked:
        name = names[zone["zone_id"]]
        assert zone["score"] == pytest.approx(expected[name], abs=1e-5)
        got = zone["parts"]
        assert got["population"]["raw"] == parts[name]["population"]
        assert got["settlements"]["raw"] == parts[name]["settlements"]
        assert got["incidents"]["raw"] == parts[name]["incidents"]
        assert got["distance"]["raw"] == pytest.approx(parts[name]["distance"], abs=1e-3)
        assert got["area"]["raw"] == pytest.approx(parts[name]["area"], abs=1e-4)
        assert sum(part["contribution"] for part in got.values()) == pytest.approx(
            zone["score"], abs=1e-5
        )
    nearest = {names[zone["zone_id"]]: zone["nearest_settlement"]["name"] for zone in ranked}
    assert nearest["Z1"] == "T-S1" and nearest["Z2"] == "T-S2"


def test_a_weight_changes_the_ranking_as_the_hand_calculation_says(
    client: TestClient, case: dict[str, Any]
) -> None:
    names = {zone_id: name for name, zone_id in case["zones"].items()}
    only_risk = _ranked(client, case, population=0, settlements=0, incidents=0, distance=0,
                        risk=1, area=0)  # fmt: skip
    assert [names[zone["zone_id"]] for zone in only_risk] == ["Z2", "Z3", "Z1"]
    only_people = _ranked(client, case, population=1, settlements=0, incidents=0, distance=0,
                          risk=0, area=0)  # fmt: skip
    assert [names[zone["zone_id"]] for zone in only_people] == ["Z1", "Z2", "Z3"]
    assert [zone["score"] for zone in only_people] == pytest.approx(
        [1.0, math.log1p(50) / math.log1p(1000), 0.0], abs=1e-6
    )


@pytest.mark.parametrize(
    "params", [{"w_nope": "1"}, {"w_risk": "-1"}, {"w_population": "x"}, {"near_km": "0"}]
)
def test_bad_weights_are_a_400(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/stats/priorities", params=params)
    assert response.status_code == 400
    assert response.json()["description"]


def test_all_weights_zero_is_a_400(client: TestClient) -> None:
    zero = {f"w_{name}": 0 for name in ("population", "settlements", "incidents", "distance",
                                         "risk", "area")}  # fmt: skip
    assert client.get("/stats/priorities", params=zero).status_code == 400


def test_population_near_contamination_by_hand(client: TestClient, case: dict[str, Any]) -> None:
    row = client.get(
        f"/stats/districts/{case['district']}", params={"as_of": AS_OF, "near_km": 2}
    ).json()
    assert row["settlements_near_contamination"] == 2
    assert row["population_near_contamination"] == 1050
    closer = client.get(
        f"/stats/districts/{case['district']}", params={"as_of": AS_OF, "near_km": 0.5}
    ).json()
    assert metres(S1, (0.105, -29.695)) > 500  # both settlements are further than 500 m
    assert closer["settlements_near_contamination"] == 0


def test_the_list_comes_as_csv_and_geojson(client: TestClient, case: dict[str, Any]) -> None:
    params = {"as_of": AS_OF, "district": case["district"]}
    csv = client.get("/stats/priorities", params={**params, "f": "csv"})
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("rank,zone_id,code")
    assert len(csv.text.splitlines()) == 4
    geojson = client.get("/stats/priorities", params={**params, "f": "geojson"}).json()
    assert [feature["properties"]["rank"] for feature in geojson["features"]] == [1, 2, 3]
    assert geojson["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_a_district_has_an_html_page_with_its_figures_and_chart(client: TestClient) -> None:
    aghdam = client.get("/collections/districts/items", params={"name": "Aghdam"}).json()
    district_id = aghdam["features"][0]["id"]
    page = client.get(f"/stats/districts/{district_id}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    figures = client.get(f"/stats/districts/{district_id}").json()
    assert f"{figures['contaminated_km2']} km²" in page.text
    assert 'id="district-years"' in page.text and "/static/vendor/chart.umd.js" in page.text
    assert f"/stats/districts/{district_id}/package" in page.text
