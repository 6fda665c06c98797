"""Operations' figures on hand-made records in the South Atlantic, far from the bundled data.

Every expected area is worked out here with pyproj's ellipsoidal Geod on shapely shapes, or by
the test's own SQL on the records it inserted; every year by hand.
"""

import csv
import io
import math
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely import MultiPolygon, Polygon, box
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.api.test_stats_geometry import (
    EAST,
    RELATIVE,
    WEST,
    add_district,
    add_incident,
    add_zone,
    km2,
)

AS_OF = "2030-07-01"  # its quarters: Jul-Sep 2029, Oct-Dec 2029, Jan-Mar 2030, Apr-Jun 2030


def _organisation(session: Session, code: str) -> None:
    session.execute(
        text(
            "INSERT INTO organisations (code, name, kind, source) "
            "VALUES (:code, :code, 'commercial', 'test')"
        ),
        {"code": code},
    )


def _task(
    session: Session,
    code: str,
    organisation: str,
    shape: Polygon,
    *,
    methods: tuple[str, ...] = ("technical_survey", "manual_clearance"),
    started_on: date | None = None,
    ended_on: date | None = None,
    status: str = "in_progress",
) -> None:
    session.execute(
        text(
            "INSERT INTO tasks (code, organisation, methods, status, started_on, ended_on, "
            "source, geom) VALUES (:code, :organisation, :methods, :status, :started_on, "
            ":ended_on, 'test', ST_GeomFromText(:wkt, 4326))"
        ),
        {
            "code": code,
            "organisation": organisation,
            "methods": list(methods),
            "status": status,
            "started_on": started_on,
            "ended_on": ended_on,
            "wkt": MultiPolygon([shape]).wkt,
        },
    )


_numbers = iter(range(1, 10_000))


def _release(
    session: Session,
    task: str,
    shape: Polygon,
    released_on: date,
    kind: str = "cleared",
    state: str = "approved",
) -> None:
    session.execute(
        text(
            "INSERT INTO land_release (code, task, kind, released_on, state, reason, source, "
            "geom) VALUES (:code, :task, :kind, :released_on, :state, :reason, 'test', "
            "ST_GeomFromText(:wkt, 4326))"
        ),
        {
            "code": f"TEST-LR{next(_numbers)}",
            "task": task,
            "kind": kind,
            "released_on": released_on,
            "state": state,
            "reason": "wrong polygon" if state == "rejected" else None,
            "wkt": MultiPolygon([shape]).wkt,
        },
    )


def _item(
    session: Session,
    task: str,
    found_on: date,
    category: str,
    count: int,
    state: str = "approved",
    action: str = "destroyed_in_situ",
) -> None:
    session.execute(
        text(
            "INSERT INTO items_found (code, task, found_on, category, action, count, state, "
            "source) VALUES (:code, :task, :found_on, :category, :action, :count, :state, "
            "'test')"
        ),
        {
            "code": f"TEST-IF{next(_numbers)}",
            "task": task,
            "found_on": found_on,
            "category": category,
            "action": action,
            "count": count,
            "state": state,
        },
    )


def _get(client: TestClient, path: str, **params: str) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _rows(client: TestClient, path: str, **params: str) -> list[dict[str, str]]:
    response = client.get(path, params={**params, "f": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


# Four quarters of release in the western district, each square a different size.
QUARTERS = [
    (date(2029, 8, 15), box(0.05, -29.95, 0.07, -29.93)),  # 0.02° square
    (date(2029, 11, 15), box(0.05, -29.90, 0.08, -29.87)),  # 0.03°
    (date(2030, 2, 15), box(0.05, -29.85, 0.09, -29.81)),  # 0.04°
    (date(2030, 5, 15), box(0.05, -29.80, 0.065, -29.785)),  # 0.015°
]
ZONE = box(0.1, -29.9, 0.3, -29.7)  # 0.2° by 0.2°, about 429 km²


def test_forecast_on_a_hand_built_series(client: TestClient, session: Session) -> None:
    west = add_district(session, WEST, name="West")
    east = add_district(session, EAST, name="East")
    add_zone(session, ZONE, recorded_on=date(2028, 1, 1))
    add_zone(session, box(0.6, -29.9, 0.7, -29.8), recorded_on=date(2028, 1, 1))
    _organisation(session, "OPS-F")
    _task(session, "TASK-F", "OPS-F", WEST, started_on=date(2029, 1, 1))
    for day, shape in QUARTERS:
        _release(session, "TASK-F", shape, day)
    _release(session, "TASK-F", box(0.2, -29.6, 0.25, -29.55), date(2029, 6, 30))  # too early
    _release(
        session, "TASK-F", box(0.2, -29.6, 0.25, -29.55), date(2030, 5, 1), "cleared", "submitted"
    )

    # By hand: a 0.01° square near 29.8° S is 1.1087 km by 0.9652 km, about 1.070 km², so the
    # quarters release about 4, 9, 16 and 2.25 times that: 4.28, 9.63, 17.1 and 2.41 km², a
    # rate of 31.25 x 1.070 = 33.4 km² a year; quarterly rates from 4 x 2.41 = 9.63 to
    # 4 x 17.1 = 68.5. The zone is 400 such squares, 428 km²: 428 / 33.4 = 12.8 years, so
    # 2030 + 13 = 2043; at the fastest quarter 400 / 64 = 6.25 -> 2037; at the slowest
    # 400 / 9 = 44.4 -> 2075.
    quarter_km2 = [km2(shape) for _, shape in QUARTERS]
    remaining = km2(ZONE)
    rate = sum(quarter_km2)
    assert rate == pytest.approx(33.4, rel=0.01)
    assert remaining == pytest.approx(428.0, rel=0.01)
    assert remaining / rate == pytest.approx(12.8, rel=0.01)
    assert remaining / (4 * max(quarter_km2)) == pytest.approx(6.25, rel=0.01)
    assert remaining / (4 * min(quarter_km2)) == pytest.approx(44.4, rel=0.01)
    answer = _get(client, "/stats/forecast", as_of=AS_OF)
    assert "extrapolation" in answer["statement"] and "not a plan" in answer["statement"]
    assert answer["counts"] == "approved"
    entry = next(item for item in answer["districts"] if item["district_id"] == west)
    assert entry["remaining_km2"] == pytest.approx(remaining, rel=RELATIVE)
    assert entry["rate_km2_per_year"] == pytest.approx(rate, rel=RELATIVE)
    low, high = entry["rate_range_km2_per_year"]
    assert low == pytest.approx(4 * quarter_km2[3], rel=RELATIVE)
    assert high == pytest.approx(4 * quarter_km2[2], rel=RELATIVE)
    assert [quarter["released_km2"] for quarter in entry["quarters"]] == pytest.approx(
        quarter_km2, rel=RELATIVE
    )
    assert entry["clear_by_year"] == 2043
    assert entry["clear_by_year_range"] == [2037, 2075]
    assert entry["note"] is None
    # Nationally only these records fall in the 12 months (the bundled ones end in 2024).
    assert answer["national"]["rate_km2_per_year"] == pytest.approx(rate, rel=RELATIVE)
    national = answer["national"]
    assert national["clear_by_year"] == 2030 + math.ceil(
        national["remaining_km2"] / national["rate_km2_per_year"]
    )
    # A district with contamination and no release says so, and prints no year.
    quiet = next(item for item in answer["districts"] if item["district_id"] == east)
    assert quiet["remaining_km2"] > 0
    assert quiet["rate_km2_per_year"] == 0
    assert quiet["clear_by_year"] is None
    assert quiet["clear_by_year_range"] == [None, None]
    assert "no approved land release" in quiet["note"]
    # The CSV has the same figures.
    rows = {row["district_id"]: row for row in _rows(client, "/stats/forecast", as_of=AS_OF)}
    assert rows[str(west)]["clear_by_year"] == "2043"
    assert rows[str(west)]["clear_by_year_latest"] == "2075"
    assert float(rows[str(west)]["rate_km2_per_year"]) == entry["rate_km2_per_year"]
    assert rows[str(east)]["clear_by_year"] == ""
    assert "no approved land release" in rows[str(east)]["note"]
    assert rows[""]["code"] == "national"


CLEARED = box(0.1, -29.9, 0.2, -29.8)
REDUCED = box(0.3, -29.9, 0.4, -29.85)
CROSSING = Polygon([(0.45, -29.7), (0.6, -29.7), (0.6, -29.6), (0.45, -29.65)])  # into East


def _scene(session: Session) -> tuple[int, int]:
    west = add_district(session, WEST, name="West")
    east = add_district(session, EAST, name="East")
    for code in ("OPS-A", "OPS-B"):
        _organisation(session, code)
    _task(session, "TASK-A", "OPS-A", WEST, started_on=date(2031, 3, 3), ended_on=date(2031, 3, 14))
    _task(
        session,
        "TASK-B",
        "OPS-B",
        EAST,
        methods=("non_technical_survey",),
        started_on=date(2031, 1, 5),
        ended_on=date(2031, 3, 20),
        status="completed",
    )
    _release(session, "TASK-A", CLEARED, date(2031, 3, 10), "cleared")
    _release(session, "TASK-A", REDUCED, date(2031, 3, 12), "reduced")
    _release(session, "TASK-B", CROSSING, date(2031, 3, 20), "cancelled")
    _release(session, "TASK-B", box(0.7, -29.9, 0.8, -29.8), date(2031, 2, 27), "cancelled")
    _release(
        session, "TASK-A", box(0.2, -29.6, 0.3, -29.5), date(2031, 3, 15), "cleared", "submitted"
    )
    _release(
        session, "TASK-A", box(0.3, -29.6, 0.4, -29.5), date(2031, 3, 16), "cleared", "rejected"
    )
    _item(session, "TASK-A", date(2031, 3, 10), "anti_personnel_mine", 12)
    _item(session, "TASK-A", date(2031, 3, 11), "uxo", 5, action="removed")
    _item(session, "TASK-B", date(2031, 3, 19), "anti_tank_mine", 3)
    _item(session, "TASK-B", date(2031, 3, 19), "anti_tank_mine", 40, state="submitted")
    _item(session, "TASK-B", date(2031, 4, 1), "uxo", 9)
    return west, east


MARCH = {"from": "2031-03-01", "to": "2031-03-31"}


def test_release_by_kind_is_the_polygons_geodesic_area(
    client: TestClient, session: Session
) -> None:
    _scene(session)
    answer = _get(client, "/stats/release", group_by="kind", **MARCH)
    assert answer["counts"] == "approved"
    assert answer["schematic"] is False  # only the test's records in March 2031
    assert [source["source"] for source in answer["sources"]] == ["test"]
    groups = {group["key"]: group for group in answer["groups"]}
    assert list(groups) == ["cancelled", "reduced", "cleared"]
    assert groups["cleared"]["released_km2"] == pytest.approx(km2(CLEARED), rel=RELATIVE)
    assert groups["reduced"]["released_km2"] == pytest.approx(km2(REDUCED), rel=RELATIVE)
    assert groups["cancelled"]["released_km2"] == pytest.approx(km2(CROSSING), rel=RELATIVE)
    assert groups["cleared"]["records"] == 1  # the submitted and the rejected do not count
    total = km2(CLEARED) + km2(REDUCED) + km2(CROSSING)
    assert answer["total_km2"] == pytest.approx(total, rel=RELATIVE)
    # CSV and JSON carry the same figures.
    rows = {row["key"]: row for row in _rows(client, "/stats/release", group_by="kind", **MARCH)}
    for key, group in groups.items():
        assert float(rows[key]["released_km2"]) == group["released_km2"]
        assert float(rows[key][f"{key}_km2"]) == group["by_kind"][key]
        assert rows[key]["counts"] == "approved"


def test_release_by_district_organisation_method(client: TestClient, session: Session) -> None:
    _, east = _scene(session)
    by_district = _get(client, "/stats/release", group_by="district", **MARCH)
    groups = {group["label"]: group for group in by_district["groups"]}
    west_km2 = km2(CLEARED) + km2(REDUCED) + km2(CROSSING & WEST)
    assert groups["West"]["released_km2"] == pytest.approx(west_km2, rel=RELATIVE)
    assert groups["East"]["released_km2"] == pytest.approx(km2(CROSSING & EAST), rel=RELATIVE)
    assert groups["East"]["by_kind"]["cancelled"] == groups["East"]["released_km2"]
    one = _get(client, "/stats/release", group_by="kind", district=str(east), **MARCH)
    assert one["total_km2"] == pytest.approx(km2(CROSSING & EAST), rel=RELATIVE)
    by_organisation = _get(client, "/stats/release", group_by="organisation", **MARCH)
    groups = {group["key"]: group for group in by_organisation["groups"]}
    assert groups["OPS-A"]["released_km2"] == pytest.approx(
        km2(CLEARED) + km2(REDUCED), rel=RELATIVE
    )
    by_method = _get(client, "/stats/release", group_by="method", **MARCH)
    groups = {group["key"]: group for group in by_method["groups"]}
    # TASK-A has two methods: its records count in full under each.
    assert groups["technical_survey"]["released_km2"] == groups["manual_clearance"]["released_km2"]
    assert groups["manual_clearance"]["by_kind"]["reduced"] == pytest.approx(
        km2(REDUCED), rel=RELATIVE
    )
    assert groups["non_technical_survey"]["released_km2"] == pytest.approx(
        km2(CROSSING), rel=RELATIVE
    )
    assert "counts under each method" in by_method["method"]
    by_month = _get(client, "/stats/release", group_by="month", **{"from": "2031-01-01"})
    assert [group["key"] for group in by_month["groups"]] == ["2031-02", "2031-03"]


def test_items_by_category_and_action(client: TestClient, session: Session) -> None:
    _, east = _scene(session)
    answer = _get(client, "/stats/items", group_by="category", **MARCH)
    assert answer["total_by_category"]["anti_personnel_mine"] == 12
    assert answer["total_by_category"]["anti_tank_mine"] == 3  # the submitted 40 do not count
    assert answer["total_by_category"]["uxo"] == 5  # April's 9 are outside the period
    assert answer["total"] == 20
    by_action = _get(client, "/stats/items", group_by="action", **MARCH)
    groups = {group["key"]: group["items"] for group in by_action["groups"]}
    assert groups == {"destroyed_in_situ": 15, "removed": 5}
    # TASK-A's 17 count under both its methods, TASK-B's 3 under its one; the total once.
    by_method = _get(client, "/stats/items", group_by="method", **MARCH)
    groups = {group["key"]: group["items"] for group in by_method["groups"]}
    assert groups["technical_survey"] == groups["manual_clearance"] == 17
    assert groups["non_technical_survey"] == 3
    assert groups["mechanical"] == 0
    assert by_method["total"] == 20
    assert by_method["total_by_category"]["anti_personnel_mine"] == 12
    in_east = _get(client, "/stats/items", group_by="district", district=str(east), **MARCH)
    assert [group["items"] for group in in_east["groups"]] == [3]  # TASK-B's point is in East
    rows = _rows(client, "/stats/items", group_by="category", **MARCH)
    assert {row["key"]: int(row["items"]) for row in rows} == {
        group["key"]: group["items"] for group in answer["groups"]
    }


def test_productivity_per_working_day(client: TestClient, session: Session) -> None:
    _scene(session)
    answer = _get(client, "/stats/productivity", **MARCH)
    rows = {(row["organisation"], row["method"]): row for row in answer["rows"]}
    # TASK-A ran Monday 3 to Friday 14 March 2031: ten weekdays.
    task_a = rows[("OPS-A", "manual_clearance")]
    assert task_a["working_days"] == 10
    m2 = (km2(CLEARED) + km2(REDUCED)) * 1e6
    assert task_a["m2_per_working_day"] == pytest.approx(m2 / 10, rel=RELATIVE)
    # TASK-B ran from January to Thursday 20 March: 1 to 20 March holds 14 weekdays.
    task_b = rows[("OPS-B", "non_technical_survey")]
    assert task_b["working_days"] == 14
    assert task_b["released_m2"] == pytest.approx(km2(CROSSING) * 1e6, rel=RELATIVE)


def test_monthly_report_totals_are_the_records_sums(client: TestClient, session: Session) -> None:
    west, east = _scene(session)
    add_zone(session, box(0.1, -29.6, 0.2, -29.5), recorded_on=date(2031, 3, 5))  # new in West
    add_incident(session, 0.2, -29.7, occurred_on=date(2031, 3, 8), killed=1, injured=2)
    report = _get(client, "/reports/monthly/2031-03", f="json")
    national = report["national"]
    sums = dict(
        session.execute(
            text(
                "SELECT kind, sum(ST_Area(geom::geography)) / 1e6 FROM land_release "
                "WHERE state = 'approved' AND released_on BETWEEN '2031-03-01' AND '2031-03-31' "
                "GROUP BY kind"
            )
        ).all()
    )
    for kind in ("cancelled", "reduced", "cleared"):
        assert national["released_by_kind"][kind] == pytest.approx(sums.get(kind, 0), rel=RELATIVE)
    total = km2(CLEARED) + km2(REDUCED) + km2(CROSSING)
    assert national["released_km2"] == pytest.approx(total, rel=RELATIVE)
    assert sum(national["released_by_kind"].values()) == pytest.approx(total, rel=RELATIVE)
    assert sum(national["released_by_organisation"].values()) == pytest.approx(total, rel=RELATIVE)
    districts = {row["id"]: row for row in report["districts"]}
    assert districts[west]["released_km2"] + districts[east]["released_km2"] == pytest.approx(
        total, rel=RELATIVE
    )
    assert districts[east]["released_by_organisation"]["OPS-B"] == pytest.approx(
        km2(CROSSING & EAST), rel=RELATIVE
    )
    items = session.scalar(
        text(
            "SELECT sum(count) FROM items_found WHERE state = 'approved' "
            "AND found_on BETWEEN '2031-03-01' AND '2031-03-31'"
        )
    )
    assert national["items"] == items == 20
    assert sum(national["items_by_category"].values()) == 20
    assert districts[west]["items"] + districts[east]["items"] == 20
    assert national["tasks_started"] == 1 and national["tasks_completed"] == 1
    assert districts[west]["tasks_started"] == 1 and districts[east]["tasks_completed"] == 1
    assert national["incidents"] == 1 and national["killed"] == 1 and national["injured"] == 2
    assert districts[west]["incidents"] == 1
    new_zone = km2(box(0.1, -29.6, 0.2, -29.5))
    assert districts[west]["contaminated_share_change"] == pytest.approx(
        new_zone / km2(WEST), abs=2e-6
    )
    assert districts[east]["contaminated_share_change"] == 0
    assert report["counts"] == "approved"
    sources = {source["layer"]: source for source in report["figure_sources"]}
    assert sources["land_release"]["sources"] == ["test"]
    assert sources["land_release"]["schematic"] is False
    assert sources["contaminated_zones"]["schematic"] is True  # the bundled zones
    # The CSV carries the same figures, each with its source.
    rows = _rows(client, "/reports/monthly/2031-03")
    national_rows = {(row["figure"], row["key"]): row for row in rows if row["place"] == "national"}
    assert float(national_rows[("released_km2", "")]["value"]) == national["released_km2"]
    assert national_rows[("released_km2", "")]["sources"] == "test"
    assert int(national_rows[("items_by_category", "anti_personnel_mine")]["value"]) == 12
    west_rows = [row for row in rows if row["place"] == "West"]
    assert any(row["figure"] == "incidents" and row["value"] == "1" for row in west_rows)
    html = client.get("/reports/monthly/2031-03", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "@page" in html.text and "A4" in html.text


@pytest.mark.parametrize(
    "path",
    [
        "/stats/release?group_by=colour",
        "/stats/release",
        "/stats/items?group_by=kind",
        "/stats/release?group_by=kind&from=2031-02-30",
        "/stats/release?group_by=kind&from=2031-03-02&to=2031-03-01",
        "/stats/productivity?from=abc",
        "/reports/monthly/2024-13",
        "/reports/monthly/abc",
        "/reports/monthly/2024-1",
        "/stats/forecast?as_of=tomorrow",
    ],
)
def test_bad_parameters_are_400(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400, response.text


def test_district_page_shows_operations(client: TestClient, session: Session) -> None:
    west, _ = _scene(session)
    page = client.get(f"/stats/districts/{west}", params={"f": "html", "as_of": "2031-12-31"})
    assert page.status_code == 200
    for source in (
        f"/stats/release?group_by=kind&district={west}&to=2031-12-31",
        f"/stats/release?group_by=organisation&district={west}&to=2031-12-31",
        f"/stats/items?group_by=category&district={west}&to=2031-12-31",
        f"/stats/release?group_by=year&district={west}&to=2031-12-31",
    ):
        assert source in page.text
    # What the page's chart draws: the released km² per year by kind.
    years = _get(client, "/stats/release", group_by="year", district=str(west), to="2031-12-31")
    year = next(group for group in years["groups"] if group["key"] == "2031")
    assert year["by_kind"]["reduced"] == pytest.approx(km2(REDUCED), rel=RELATIVE)
