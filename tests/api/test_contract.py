"""The contract the issue of one catalogue set: the OpenAPI parameters follow the standard,
reads never write, every list has its documented order, the statistics are fresh after a
committed write."""

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from shapely import box
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from app.catalog import COLLECTIONS, ContaminationType, RiskLevel, ZoneStatus
from app.core.config import Settings
from app.main import create_app
from app.services.imports import ImportOptions, import_file
from tests.api.test_stats_geometry import WEST, add_district, add_zone

GEOD = Geod(ellps="WGS84")
ITEMS_PATHS = ["/collections/{collectionId}/items"] + [
    f"/collections/{collection}/items" for collection in COLLECTIONS
]


@pytest.fixture(scope="module")
def document(engine: Engine, database_url: str) -> dict[str, Any]:
    app = create_app(Settings(database_url=database_url, environment="test"))  # type: ignore[arg-type]
    with TestClient(app) as client:
        response = client.get("/api")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    body: dict[str, Any] = response.json()
    return body


def _parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameters = document["paths"][path]["get"]["parameters"]
    (found,) = [item for item in parameters if item["name"] == name]
    return found


# OGC API - Features Part 1, /req/core/fc-bbox-definition, fc-limit-definition,
# fc-time-definition: the fields a client (and the OGC test suite) checks.
@pytest.mark.parametrize("path", ITEMS_PATHS)
def test_bbox_limit_and_datetime_follow_the_standard(document: dict[str, Any], path: str) -> None:
    bbox = _parameter(document, path, "bbox")
    assert (bbox["in"], bbox["required"], bbox["style"], bbox["explode"]) == (
        "query",
        False,
        "form",
        False,
    )
    assert bbox["schema"]["type"] == "array"
    assert (bbox["schema"]["minItems"], bbox["schema"]["maxItems"]) == (4, 6)
    assert bbox["schema"]["items"] == {"type": "number"}

    limit = _parameter(document, path, "limit")
    assert (limit["in"], limit["required"], limit["style"], limit["explode"]) == (
        "query",
        False,
        "form",
        False,
    )
    assert limit["schema"]["type"] == "integer"
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 10_000)
    assert limit["schema"]["default"] == 10

    moment = _parameter(document, path, "datetime")
    assert (moment["in"], moment["required"], moment["style"], moment["explode"]) == (
        "query",
        False,
        "form",
        False,
    )
    assert moment["schema"]["type"] == "string"


def test_the_filter_parameters_are_all_declared(document: dict[str, Any]) -> None:
    path = "/collections/{collectionId}/items"
    languages = _parameter(document, path, "filter-lang")["schema"]["enum"]
    assert {"cql2-text", "cql2-json"} <= set(languages)
    crs = _parameter(document, path, "filter-crs")["schema"]
    assert crs["enum"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    zones = [item["name"] for item in document["paths"][ITEMS_PATHS[2]]["get"]["parameters"]]
    assert {"risk_level", "status", "sortby", "properties", "crs", "bbox-crs"} <= set(zones)


def test_the_limit_served_is_the_maximum_above_it(client: TestClient) -> None:
    response = client.get("/collections/incidents/items", params={"limit": 20_000})
    assert response.status_code == 200
    assert response.headers["X-Limit-Clamped"] == "20000 requested, 10000 served"


@pytest.mark.parametrize(
    "query",
    ["limit=1&limit=2", "bbox=46,39,47,40&bbox=46,39,47,40", "risk_level=high&risk_level=low"],
)
def test_a_parameter_given_twice_is_refused(client: TestClient, query: str) -> None:
    response = client.get(f"/collections/contaminated_zones/items?{query}")
    assert response.status_code == 400
    assert "more than once" in response.json()["description"]


READ_URLS = [
    "/",
    "/collections",
    "/collections/contaminated_zones/items?limit=5",
    "/collections/contaminated_zones/items/1",
    "/tiles/WebMercatorQuad/7/48/80",
    "/stats/summary",
    "/stats/districts",
    "/stats/districts/1",
    "/stats/timeseries",
    "/stats/line-of-contact",
    "/health",
]


@pytest.fixture
def own_app(database_url: str, engine: Engine) -> Iterator[TestClient]:
    """The app with its own engines (not the test's transaction), on the committed data."""
    app = create_app(Settings(database_url=database_url, environment="test"))  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client


def test_reads_run_read_only_and_never_lock_or_write(own_app: TestClient) -> None:
    app: Any = own_app.app
    read_engine = app.state.read_engine.sync_engine
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(str(args[2]).upper())

    event.listen(read_engine, "before_cursor_execute", record)
    try:
        for url in READ_URLS:
            assert own_app.get(url).status_code in (200, 204), url
    finally:
        event.remove(read_engine, "before_cursor_execute", record)

    async def read_only() -> str:
        async with app.state.read_engine.connect() as conn:
            return str(await conn.scalar(text("SHOW transaction_read_only")))

    assert own_app.portal.call(read_only) == "on"
    assert sent
    for statement in sent:
        for word in ("FOR UPDATE", "FOR SHARE", "INSERT ", "UPDATE ", "DELETE ", "STATS_REFRESH"):
            assert word not in statement, statement


def test_a_committed_raw_sql_zone_is_counted_by_the_next_read(
    own_app: TestClient, engine: Engine
) -> None:
    """Inside a district without zones, a 0.01 degree square: its geodesic area, from pyproj."""
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p, geom "
                "FROM districts AS d WHERE NOT EXISTS (SELECT FROM contaminated_zones AS z "
                "WHERE ST_DWithin(z.geom, d.geom, 0.1)) ORDER BY ST_Area(geom) DESC LIMIT 1) AS q"
            )
        ).one()
    square = box(lon - 0.005, lat - 0.005, lon + 0.005, lat + 0.005)
    area_km2 = abs(GEOD.geometry_area_perimeter(square)[0]) / 1e6
    before = own_app.get("/stats/summary").json()
    insert = text(
        "INSERT INTO contaminated_zones (code, hazard_class, contamination, risk_level, status, "
        "recorded_on, source, geom) VALUES ('RAW-SQL-1', 'SHA', ARRAY['uxo'], 'low', 'active', "
        "date '2021-01-01', 'test', ST_Multi(ST_GeomFromText(:wkt, 4326)))"
    )
    try:
        with engine.begin() as conn:
            conn.execute(insert, {"wkt": square.wkt})
        after = own_app.get("/stats/summary").json()
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM contaminated_zones WHERE code = 'RAW-SQL-1'"))
    assert after["stale"] is False and after["data_version"] > before["data_version"]
    grown = after["contaminated_km2"] - before["contaminated_km2"]
    assert grown == pytest.approx(area_km2, rel=1e-3)
    assert after["by_risk_level"]["low"] - before["by_risk_level"]["low"] == pytest.approx(
        area_km2, rel=1e-3
    )
    restored = own_app.get("/stats/summary").json()
    assert restored["contaminated_km2"] == before["contaminated_km2"]


def test_every_list_comes_out_in_its_documented_order(client: TestClient, session: Session) -> None:
    """Rows inserted against the order: sources z.., y.., b.. and districts far, then near."""
    add_district(session, WEST, name="Zzz")
    for source in ("zulu survey", "yankee survey", "bravo survey"):
        zone = add_zone(session, box(0.1, -29.9, 0.2, -29.8), recorded_on=date(2023, 5, 1))
        session.execute(
            text("UPDATE contaminated_zones SET source = :s WHERE id = :id"),
            {"s": source, "id": zone},
        )
    layers = list(COLLECTIONS)
    for _ in range(2):
        summary = client.get("/stats/summary").json()
        keys = [(layers.index(item["layer"]), item["source"]) for item in summary["sources"]]
        assert keys == sorted(keys)
        assert {"bravo survey", "yankee survey", "zulu survey"} <= {
            item["source"] for item in summary["sources"]
        }
        assert list(summary["by_risk_level"]) == list(RiskLevel)
        assert list(summary["by_status"]) == list(ZoneStatus)
        assert list(summary["by_contamination"]) == list(ContaminationType)
        rows = client.get("/stats/districts").json()["districts"]
        assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
        ranked = client.get("/stats/districts", params={"sortby": "-contaminated_km2"}).json()
        pairs = [(-row["contaminated_km2"], row["id"]) for row in ranked["districts"]]
        assert pairs == sorted(pairs)  # ties keep the id order
        years = client.get("/stats/timeseries", params={"from": 2020, "to": 2025}).json()
        assert [row["year"] for row in years["years"]] == list(range(2020, 2026))


def test_a_property_of_the_catalogue_is_imported_served_filtered_and_typed(
    client: TestClient, session: Session, tmp_path: Any
) -> None:
    """imsma_id: one catalogue entry, one model column and migration 0005, nothing else."""
    feature = {
        "type": "Feature",
        "geometry": box(0.1, -29.9, 0.2, -29.8).__geo_interface__,
        "properties": {
            "code": "IMSMA-TEST-1",
            "imsma_id": "AZ-HA-0001",
            "hazard_class": "CHA",
            "contamination": ["anti_personnel"],
            "risk_level": "high",
            "status": "active",
            "recorded_on": "2024-03-01",
            "source": "test survey",
        },
    }
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    assert import_file(session, "contaminated_zones", path, ImportOptions()).written == 1
    found = client.get("/collections/contaminated_zones/items", params={"imsma_id": "AZ-HA-0001"})
    assert found.status_code == 200
    (served,) = found.json()["features"]
    assert served["properties"]["imsma_id"] == "AZ-HA-0001"
    assert served["properties"]["code"] == "IMSMA-TEST-1"
    queryables = client.get("/collections/contaminated_zones/queryables").json()
    assert queryables["properties"]["imsma_id"]["type"] == "string"
    tilejson = client.get(
        "/collections/contaminated_zones/tiles/WebMercatorQuad/tilejson.json"
    ).json()
    assert tilejson["vector_layers"][0]["fields"]["imsma_id"] == "String"


def test_an_answer_never_mixes_two_commits(own_app: TestClient, engine: Engine) -> None:
    """A write committed between the queries of one /stats/summary: the answer is all before."""
    app: Any = own_app.app
    before = own_app.get("/stats/summary").json()
    square = box(48.80, 38.70, 48.81, 38.71)  # south Lankaran, far from every zone
    wrote: list[bool] = []

    def write_once(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        # The first statement SQLAlchemy sends for the answer: the versions it is computed
        # from were read just before, by psycopg itself, and took the snapshot.
        if not wrote:
            wrote.append(True)
            with engine.begin() as writer:
                writer.execute(
                    text(
                        "INSERT INTO contaminated_zones (code, hazard_class, contamination, "
                        "risk_level, status, recorded_on, source, geom) VALUES ('TORN-1', 'SHA', "
                        "ARRAY['uxo'], 'low', 'active', date '2021-01-01', 'test', "
                        "ST_Multi(ST_GeomFromText(:wkt, 4326)))"
                    ),
                    {"wkt": square.wkt},
                )

    event.listen(app.state.read_engine.sync_engine, "after_cursor_execute", write_once)
    try:
        # Another query than the kept one (the same figures): computed, in a transaction.
        during = own_app.get("/stats/summary", params={"as_of": date.today().isoformat()}).json()
    finally:
        event.remove(app.state.read_engine.sync_engine, "after_cursor_execute", write_once)
        after = own_app.get("/stats/summary").json()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM contaminated_zones WHERE code = 'TORN-1'"))
    assert wrote
    assert during["data_version"] == before["data_version"]
    assert during["contaminated_km2"] == before["contaminated_km2"]
    assert after["contaminated_km2"] > before["contaminated_km2"]
