"""The statistics endpoints on the bundled dataset: published figures, formats, bad values."""

import csv
import io
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.test_stats_geometry import add_incident

# DATA.md §3 and §5: the schematic scenario was built from these national figures.
# The hazardous total and the high-risk total are published to the km² and the scenario is cut
# to them, so 1 km² is the rounding of the published figure; the released area is published
# as "about 168,000 ha", hence 1 %.
HAZARDOUS_KM2 = 11_667.0  # ANAMA, 31 Oct 2024, released land included
HIGH_RISK_KM2 = 2_118.0  # 211,800 ha high-risk
RELEASED_KM2 = 1_680.0  # about 168,000 ha cleared by October 2024
CONTAMINATED_END_2024_KM2 = HAZARDOUS_KM2 - RELEASED_KM2  # about 9,990 km²
TERRITORY_KM2 = 86_250.0  # the Natural Earth districts (DATA.md §1)


def _summary(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/stats/summary", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_national_figures_match_the_published_totals(client: TestClient) -> None:
    body = _summary(client, as_of="2024-10-31")
    contaminated, released = body["contaminated_km2"], body["released_km2"]
    assert contaminated + released == pytest.approx(HAZARDOUS_KM2, abs=1.0)
    assert released == pytest.approx(RELEASED_KM2, rel=0.01)
    assert body["territory_km2"] == pytest.approx(TERRITORY_KM2, abs=1.0)
    end_2024 = _summary(client, as_of="2024-12-31")
    assert end_2024["contaminated_km2"] == pytest.approx(CONTAMINATED_END_2024_KM2, rel=0.01)
    # "an estimated 12 per cent of Azerbaijan's territory"
    assert end_2024["contaminated_share"] == pytest.approx(0.116, abs=0.005)


def test_high_risk_total_matches_the_published_split(client: TestClient) -> None:
    body = _summary(client, as_of="2024-10-31", risk_level="high")
    total = body["contaminated_km2"] + body["released_km2"]
    assert total == pytest.approx(HIGH_RISK_KM2, abs=1.0)


def test_summary_names_its_sources_and_method(client: TestClient) -> None:
    body = _summary(client)
    sources = body["sources"]
    assert isinstance(sources, list)
    zones = [item for item in sources if item["layer"] == "contaminated_zones"]
    assert zones and all(item["schematic"] for item in zones)
    assert {item["layer"] for item in sources} >= {"districts", "incidents", "line_of_contact"}
    assert "union" in str(body["method"]) and "geodesic" in str(body["method"])


def test_districts_sum_to_the_national_figure(client: TestClient) -> None:
    national = _summary(client, as_of="2024-12-31")
    response = client.get(
        "/stats/districts", params={"as_of": "2024-12-31", "sortby": "-contaminated_share"}
    )
    assert response.status_code == 200
    rows = response.json()["districts"]
    assert len(rows) == 78
    shares = [row["contaminated_share"] for row in rows]
    assert shares == sorted(shares, reverse=True)
    assert all(0 <= share <= 1 for share in shares)
    total = sum(row["contaminated_km2"] for row in rows)
    assert total == pytest.approx(national["contaminated_km2"], abs=0.1)


def test_districts_as_csv(client: TestClient) -> None:
    response = client.get("/stats/districts", params={"f": "csv", "sortby": "name"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 78
    assert list(rows[0])[:3] == ["id", "code", "name"]
    assert [row["name"] for row in rows] == sorted(row["name"] for row in rows)


def test_districts_as_geojson(client: TestClient) -> None:
    response = client.get("/stats/districts", params={"f": "geojson"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 78
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert {"contaminated_share", "area_km2", "incidents"} <= set(feature["properties"])


def test_district_detail_has_breakdowns_and_years(client: TestClient) -> None:
    rows = client.get("/stats/districts", params={"sortby": "-contaminated_km2"}).json()
    top = rows["districts"][0]
    response = client.get(f"/stats/districts/{top['id']}", params={"as_of": "2024-12-31"})
    assert response.status_code == 200
    body = response.json()
    assert set(body["by_risk_level"]) == {"high", "medium", "low"}
    assert set(body["by_contamination"]) == {"anti_personnel", "anti_tank", "uxo", "cluster"}
    assert sum(year["released_km2"] for year in body["years"]) == pytest.approx(
        body["released_km2"], abs=0.01
    )


def test_line_of_contact(client: TestClient) -> None:
    response = client.get("/stats/line-of-contact", params={"within_km": 2, "as_of": "2025-12-31"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["line_length_km"] == pytest.approx(202.6, abs=0.5)  # DATA.md §2
    assert [side["side"] for side in body["sides"]] == ["west", "east"]
    west = body["sides"][0]
    # The mined belt: up to 2 km deep on the formerly occupied (west) side.
    assert west["contaminated_km2"] > 100
    assert 0 <= body["incidents_share"] <= 1
    assert body["incidents"] <= body["incidents_total"]
    wider = client.get("/stats/line-of-contact", params={"within_km": 10}).json()
    assert wider["contaminated_km2"] > body["contaminated_km2"]


def test_national_timeseries(client: TestClient) -> None:
    response = client.get("/stats/timeseries", params={"from": 2021, "to": 2024})
    assert response.status_code == 200
    years = response.json()["years"]
    assert [year["year"] for year in years] == [2021, 2022, 2023, 2024]
    assert sum(year["released_km2"] for year in years) == pytest.approx(RELEASED_KM2, rel=0.01)
    assert years[-1]["contaminated_km2"] == pytest.approx(CONTAMINATED_END_2024_KM2, rel=0.01)


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/stats/summary", {"as_of": "yesterday"}, 400, "as_of"),
        ("/stats/summary", {"as_of": "2024-02-30"}, 400, "as_of"),
        ("/stats/summary", {"risk_level": "extreme"}, 400, "risk_level"),
        ("/stats/summary", {"contamination": "gas"}, 400, "contamination"),
        ("/stats/summary", {"status": "done"}, 400, "status"),
        ("/stats/summary", {"colour": "red"}, 400, "colour"),
        ("/stats/districts", {"sortby": "-colour"}, 400, "sortby"),
        ("/stats/districts", {"f": "xlsx"}, 400, "f"),
        ("/stats/districts/999999", {}, 404, "999999"),
        ("/stats/districts/abc", {}, 400, "district_id"),
        ("/stats/line-of-contact", {"within_km": "-1"}, 400, "within_km"),
        ("/stats/line-of-contact", {"within_km": "0"}, 400, "within_km"),
        ("/stats/line-of-contact", {"within_km": "101"}, 400, "within_km"),
        ("/stats/line-of-contact", {"within_km": "far"}, 400, "within_km"),
        ("/stats/timeseries", {"from": "2024", "to": "2020"}, 400, "after"),
        ("/stats/timeseries", {"from": "1000"}, 400, "from"),
        ("/stats/timeseries", {"district": "999999"}, 404, "999999"),
        ("/stats/timeseries", {"as_of": "2024-01-01"}, 400, "as_of"),
    ],
)
def test_bad_values_are_clear_client_errors(
    client: TestClient, path: str, params: dict[str, str], status: int, words: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert words in response.json()["description"]


def test_districts_sort_by_several_fields(client: TestClient) -> None:
    rows = client.get("/stats/districts", params={"sortby": "-incidents,name"}).json()["districts"]
    keys = [(-row["incidents"], row["name"]) for row in rows]
    assert keys == sorted(keys)
    plus = client.get("/stats/districts?sortby=+area_km2").json()["districts"]  # '+' arrives as ' '
    assert [row["area_km2"] for row in plus] == sorted(row["area_km2"] for row in plus)


def test_figures_are_kept_until_a_write_changes_them(client: TestClient, session: Session) -> None:
    def row(district_id: int) -> dict[str, Any]:
        body = client.get("/stats/districts", params={"as_of": "2026-01-01"}).json()
        return next(row for row in body["districts"] if row["id"] == district_id)

    lon, lat, district_id = session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p), id FROM (SELECT ST_PointOnSurface(geom) p, id"
            " FROM districts WHERE name = 'Aghdam') d"
        )
    ).one()
    cache = client.app.state.figures_cache  # type: ignore[attr-defined]
    before = row(district_id)
    hits = cache.hits
    assert row(district_id) == before  # the same answer, kept
    assert cache.hits == hits + 1
    add_incident(session, lon, lat, occurred_on=date(2025, 6, 1), killed=2, injured=1)
    after = row(district_id)
    assert after["killed"] == before["killed"] + 2
    assert after["injured"] == before["injured"] + 1
    assert after["incidents"] == before["incidents"] + 1


def test_a_kept_answer_is_kept_for_its_format(client: TestClient) -> None:
    # The same path and query: JSON kept first, then CSV asked for by the Accept header.
    assert client.get("/stats/districts").headers["content-type"] == "application/json"
    response = client.get("/stats/districts", headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(response.text)))) == 78
    assert client.get("/stats/districts").headers["content-type"] == "application/json"
