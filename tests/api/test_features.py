"""OGC API - Features: items, paging, filters, CRS and errors, checked against the GeoJSON files."""

import gzip
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import box, shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.api.caching import _digest
from app.core.compression import gzip_compress
from app.services import features
from tests.api.test_stats_geometry import add_incident
from tests.servers import read_connections_held, two_read_connections

DATA = Path(__file__).resolve().parents[2] / "geodata" / "data"


def _layer(name: str) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads((DATA / f"{name}.geojson").read_text())["features"]
    return features


def _code(feature: dict[str, Any]) -> str:
    """The stable key of a feature; a district without a code is keyed by its GeoNames id."""
    properties = feature["properties"]
    return str(properties.get("code") or f"geonames:{properties['geonames_id']}")


def _codes(body: dict[str, Any]) -> set[str]:
    return {_code(feature) for feature in body["features"]}


@pytest.mark.parametrize("limit", [1000, 10000])  # read on the event loop, and in a thread
def test_bbox_returns_exactly_the_intersecting_features(client: TestClient, limit: int) -> None:
    # One box after another: a statement compiled for the first box serves the second's.
    # The last holds the whole bundled layer: every zone's own box is inside it.
    boxes = [(46.5, 39.5, 47.0, 40.0), (46.0, 39.0, 46.6, 39.6), (46.5, 39.5, 47.0, 40.0)]
    for bbox in [*boxes, (44.0, 38.0, 51.0, 42.0)]:
        expected = {
            feature["properties"]["code"]
            for feature in _layer("contaminated_zones")
            if shape(feature["geometry"]).intersects(box(*bbox))
        }
        assert expected, "the box should meet some zones"
        response = client.get(
            "/collections/contaminated_zones/items",
            params={"bbox": ",".join(map(str, bbox)), "limit": limit, "skipGeometry": "true"},
        )
        assert response.status_code == 200
        body = response.json()
        assert _codes(body) == expected
        assert body["numberMatched"] == len(expected) == body["numberReturned"]


@pytest.mark.parametrize("limit", [100, 10000])  # read on the event loop, and in a thread
def test_points_at_a_bbox_edge_are_matched_exactly(
    client: TestClient, session: Session, limit: int
) -> None:
    # 46.1 and 40.3 are not floats: PostGIS's float boxes round them by about 2e-6 degrees.
    west, south, east, north = 45.9, 40.1, 46.1, 40.3
    day = date(2024, 5, 1)
    expected = {  # by hand: a point on the edge touches the box; 1e-7 degrees out does not
        add_incident(session, east - 1e-7, 40.2, occurred_on=day): True,
        add_incident(session, east, 40.2, occurred_on=day): True,
        add_incident(session, east + 1e-7, 40.2, occurred_on=day): False,
        add_incident(session, 46.0, north + 1e-7, occurred_on=day): False,
        add_incident(session, east + 1e-7, north + 1e-7, occurred_on=day): False,
    }
    for bbox in [(west, south, east, north), (east - 1e-5, 40.2 - 1e-5, east, 40.2 + 1e-5)]:
        body = client.get(
            "/collections/incidents/items",
            params={"bbox": ",".join(map(str, bbox)), "limit": limit, "skipGeometry": "true"},
        ).json()
        found = {feature["id"] for feature in body["features"]}
        assert {point for point, inside in expected.items() if inside} <= found, bbox
        assert not found & {point for point, inside in expected.items() if not inside}, bbox


@pytest.mark.parametrize("west", [40.0, 47.0])
def test_a_bbox_across_the_antimeridian_is_both_its_halves(client: TestClient, west: float) -> None:
    halves = [box(west, -90, 180, 90), box(-180, -90, -170, 90)]
    expected = {
        _code(feature)
        for feature in _layer("districts")
        if any(shape(feature["geometry"]).intersects(half) for half in halves)
    }
    for limit in (100, 10000):  # on the event loop, and in a thread
        body = client.get(
            "/collections/districts/items",
            params={"bbox": f"{west},-90,-170,90", "limit": limit, "skipGeometry": "true"},
        ).json()
        assert _codes(body) == expected


def test_bbox_in_epsg_4326_is_latitude_first(client: TestClient) -> None:
    lon_lat = client.get("/collections/districts/items", params={"bbox": "46.5,39.5,47,40"})
    lat_lon = client.get(
        "/collections/districts/items",
        params={
            "bbox": "39.5,46.5,40,47",
            "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326",
        },
    )
    assert lat_lon.status_code == 200
    assert _codes(lat_lon.json()) == _codes(lon_lat.json())


def test_paging_visits_every_feature_once(client: TestClient) -> None:
    url: str | None = "/collections/districts/items?limit=7&skipGeometry=true"
    seen: list[str] = []
    matched = None
    while url:
        body = client.get(url).json()
        matched = body["numberMatched"]
        seen += [_code(feature) for feature in body["features"]]
        nexts = [link for link in body["links"] if link["rel"] == "next"]
        assert all(link["type"] == "application/geo+json" for link in nexts)
        url = nexts[0]["href"] if nexts else None
    assert len(seen) == len(set(seen)) == matched == len(_layer("districts"))


@pytest.mark.parametrize(
    ("limit", "offset"),
    [(7, 0), (7, 77), (100, 0), (10, 200), (600, 70), (1500, 0), (1500, 70), (1500, 100)],
)
def test_number_matched_on_full_partial_past_the_end_and_streamed_pages(
    client: TestClient, limit: int, offset: int
) -> None:
    """Counted or told by a page that is not full, numberMatched is the same: the file's count."""
    total = len(_layer("districts"))
    body = client.get(
        "/collections/districts/items",
        params={"limit": limit, "offset": offset, "skipGeometry": "true"},
    ).json()
    assert body["numberMatched"] == total
    assert body["numberReturned"] == len(body["features"]) == max(0, min(limit, total - offset))


@pytest.mark.parametrize(("sortby", "offset"), [("name", 0), ("-name", 0), ("-name", 30)])
def test_a_small_page_keeps_the_sort_order(client: TestClient, sortby: str, offset: int) -> None:
    names = sorted(f["properties"]["name"] for f in _layer("districts"))
    if sortby.startswith("-"):
        names.reverse()
    for fmt in ("json", "geojsonseq"):
        response = client.get(
            "/collections/districts/items",
            params={"limit": 25, "offset": offset, "sortby": sortby, "f": fmt},
        )
        lines = response.text.splitlines() if fmt == "geojsonseq" else None
        features = [json.loads(line) for line in lines] if lines else response.json()["features"]
        assert [f["properties"]["name"] for f in features] == names[offset : offset + 25], fmt


@pytest.mark.parametrize("fmt", ["json", "geojsonseq"])
def test_a_small_page_of_many_bytes_is_spooled_the_same(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    params = {"limit": 30, "offset": 10, "f": fmt}
    whole = client.get("/collections/districts/items", params=params)
    monkeypatch.setattr(features, "WHOLE_BYTES", 1000)  # less than one district's outline
    streamed: list[str] = []
    items = features.items
    monkeypatch.setattr(features, "items", lambda *args: streamed.append("") or items(*args))
    spooled = client.get("/collections/districts/items", params=params)
    assert streamed  # read again, in a thread, spooled
    assert spooled.status_code == whole.status_code == 200
    if fmt == "geojsonseq":
        assert spooled.content == whole.content
    else:
        assert _digest(spooled.content) == _digest(whole.content)  # all but the timeStamp


def test_prev_link_and_offset(client: TestClient) -> None:
    body = client.get("/collections/districts/items?limit=5&offset=5").json()
    prev = [link for link in body["links"] if link["rel"] == "prev"]
    assert prev and "offset=0" in prev[0]["href"]


def test_limit_above_maximum_is_clamped_and_said(client: TestClient) -> None:
    response = client.get("/collections/incidents/items?limit=50000")
    assert response.status_code == 200
    assert response.headers["X-Limit-Clamped"].startswith("50000 requested, 10000 served")


def test_equality_datetime_and_sort(client: TestClient) -> None:
    zones = _layer("contaminated_zones")
    released_2022 = {
        z["properties"]["code"]
        for z in zones
        if z["properties"]["released_on"]
        and z["properties"]["released_on"].startswith("2022")
        and z["properties"]["status"] == "cleared"
    }
    body = client.get(
        "/collections/contaminated_zones/items",
        params={
            "status": "cleared",
            "filter": "released_on BETWEEN DATE('2022-01-01') AND DATE('2022-12-31')",
            "limit": 10000,
            "skipGeometry": "true",
            "sortby": "-released_on",
        },
    ).json()
    assert _codes(body) == released_2022
    dates = [f["properties"]["released_on"] for f in body["features"]]
    assert dates == sorted(dates, reverse=True)
    # datetime: the incidents of 30 and 31 May 2025 (DATA.md section 4).
    body = client.get("/collections/incidents/items?datetime=2025-05-30/..").json()
    assert sorted(f["properties"]["occurred_on"] for f in body["features"]) == [
        "2025-05-30",
        "2025-05-31",
    ]


def test_cql2_spatial_filter_matches_shapely(client: TestClient) -> None:
    point = (46.75, 39.75)  # inside the formerly occupied zone, west of Aghdam
    expected = {
        _code(f)
        for f in _layer("districts")
        if shape(f["geometry"]).intersects(shape({"type": "Point", "coordinates": point}))
    }
    assert len(expected) == 1
    body = client.get(
        "/collections/districts/items",
        params={"filter": f"S_INTERSECTS(geometry, POINT({point[0]} {point[1]}))"},
    ).json()
    assert _codes(body) == expected


def test_cql2_logical_in_like_and_null(client: TestClient) -> None:
    body = client.get(
        "/collections/districts/items",
        params={
            "filter": "name IN ('Lachin', 'Kalbajar') AND kind = 'district' AND name LIKE 'L%'",
            "skipGeometry": "true",
        },
    ).json()
    assert [f["properties"]["name"] for f in body["features"]] == ["Lachin"]
    body = client.get(
        "/collections/line_of_contact/items", params={"filter": "valid_to IS NULL"}
    ).json()
    assert body["features"] == []


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"bbox": "1,2,3"}, "4 or 6"),
        ({"bbox": "a,b,c,d"}, "number"),
        ({"bbox": "10,-91,20,10"}, "latitude"),
        ({"bbox": "10,50,20,40"}, "minimum latitude"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"datetime": "yesterday"}, "datetime"),
        ({"datetime": "2024-01-01/2023-01-01"}, "start is after"),
        ({"crs": "EPSG:9999"}, "not supported"),
        ({"filter": "name = "}, "CQL2"),
        ({"filter": "nosuch = 1"}, "unknown property"),
        ({"sortby": "nosuch"}, "sortby"),
        ({"properties": "name,nosuch"}, "properties"),
        ({"kind": "village"}, "kind"),
        ({"geonames_id": "x"}, "integer"),
        ({"unknown": "1"}, "unknown query parameter"),
        ({"f": "xml"}, "f:"),
        ({"filter-lang": "ecql"}, "cql2-text"),
        ({"filter": "name = 'x'", "filter-lang": "cql2-json"}, "cql2-json"),
        ({"filter": "T_AFTER(name, DATE('2021-13-45'))"}, "filter"),
        ({"simplify": "-5"}, "simplify"),
        ({"precision": "99"}, "precision"),
    ],
)
def test_bad_parameters_get_a_400_with_a_description(
    client: TestClient, params: dict[str, str], needle: str
) -> None:
    response = client.get("/collections/districts/items", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] in ("InvalidParameterValue", "UnknownParameter")
    assert needle.lower() in body["description"].lower()


def test_unknown_collection_and_feature_are_404(client: TestClient) -> None:
    assert client.get("/collections/nosuch").status_code == 404
    assert client.get("/collections/nosuch/items").json()["code"] == "NotFound"
    assert client.get("/collections/districts/items/999999999").status_code == 404
    assert client.get("/collections/districts/items/abc").status_code == 404


def _zone_codes(predicate: Any) -> set[str]:
    return {
        f["properties"]["code"] for f in _layer("contaminated_zones") if predicate(f["properties"])
    }


def _filtered(client: TestClient, collection: str, cql: str, **extra: str) -> set[str]:
    response = client.get(
        f"/collections/{collection}/items",
        params={"filter": cql, "limit": 10000, "skipGeometry": "true", **extra},
    )
    assert response.status_code == 200, response.text
    return _codes(response.json())


def test_cql2_not_of_a_group(client: TestClient) -> None:
    expected = _zone_codes(lambda p: not (p["status"] == "active" and p["risk_level"] == "high"))
    got = _filtered(client, "contaminated_zones", "NOT (status = 'active' AND risk_level = 'high')")
    assert got == expected


def test_cql2_temporal_functions(client: TestClient) -> None:
    # Zones still open, or released after 2024-02-14 (a published release date, DATA.md).
    expected = _zone_codes(lambda p: p["released_on"] is None or p["released_on"] > "2024-02-14")
    cql = "T_AFTER(INTERVAL(recorded_on, released_on), DATE('2024-02-14')) OR released_on IS NULL"
    # T_AFTER of an interval needs its start after the instant: no zone was recorded then.
    assert _filtered(client, "contaminated_zones", cql) == _zone_codes(
        lambda p: p["released_on"] is None
    )
    cql = "T_INTERSECTS(INTERVAL(recorded_on, released_on), INTERVAL('2024-02-15', '..'))"
    assert _filtered(client, "contaminated_zones", cql) == expected
    incidents = _filtered(client, "incidents", "T_BEFORE(occurred_on, DATE('2025-05-31'))")
    assert len(incidents) == 2


def test_cql2_array_and_case_insensitive(client: TestClient) -> None:
    expected = _zone_codes(lambda p: "cluster" in p["contamination"])
    assert expected
    got = _filtered(client, "contaminated_zones", "A_CONTAINS(contamination, ('cluster'))")
    assert got == expected
    lachin = _filtered(client, "districts", "CASEI(name) = casei('LACHIN')")
    assert len(lachin) == 1


def test_cql2_json(client: TestClient) -> None:
    cql = '{"op": "=", "args": [{"property": "risk_level"}, "high"]}'
    got = _filtered(client, "contaminated_zones", cql, **{"filter-lang": "cql2-json"})
    assert got == _zone_codes(lambda p: p["risk_level"] == "high")


def test_cql2_bbox_operand(client: TestClient) -> None:
    bbox = (46.5, 39.5, 47.0, 40.0)
    expected = {
        f["properties"]["code"]
        for f in _layer("contaminated_zones")
        if shape(f["geometry"]).intersects(box(*bbox))
    }
    got = _filtered(
        client, "contaminated_zones", "S_INTERSECTS(geometry, BBOX(46.5, 39.5, 47, 40))"
    )
    assert got == expected


def test_type_errors_in_filters_are_400_not_500(client: TestClient) -> None:
    response = client.get("/collections/districts/items", params={"filter": "name > 5"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "name = 'x'; DROP TABLE districts"},
        {"filter": "name = 'x' OR 1=1) --"},
        {"sortby": "name; DROP TABLE districts"},
        {"properties": "name,(SELECT 1)"},
        {"name; DROP TABLE districts": "x"},
    ],
)
def test_injection_attempts_are_refused_and_change_nothing(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/collections/districts/items", params=params)
    assert response.status_code == 400
    assert client.get("/health").json()["layers"]["districts"] == len(_layer("districts"))


def test_quotes_in_a_filter_value_are_data_not_sql(client: TestClient) -> None:
    response = client.get(
        "/collections/districts/items", params={"filter": "name = 'x'' OR ''1''=''1'"}
    )
    assert response.status_code == 400 or response.json()["features"] == []


@pytest.mark.parametrize("epsg", [3857, 32638])
def test_output_crs_matches_pyproj(client: TestClient, epsg: int) -> None:
    incident = next(
        f for f in _layer("incidents") if f["properties"]["location_accuracy"] == "village"
    )
    lon, lat = incident["geometry"]["coordinates"]
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    crs = f"http://www.opengis.net/def/crs/EPSG/0/{epsg}"
    response = client.get(
        "/collections/incidents/items",
        params={"crs": crs, "code": incident["properties"]["code"], "precision": 3},
    )
    assert response.headers["Content-Crs"] == f"<{crs}>"
    got = response.json()["features"][0]["geometry"]["coordinates"]
    assert got == pytest.approx([x, y], abs=0.01)


def test_epsg_4326_output_is_latitude_first(client: TestClient) -> None:
    incident = _layer("incidents")[0]
    lon, lat = incident["geometry"]["coordinates"]
    body = client.get(
        "/collections/incidents/items",
        params={"crs": "EPSG:4326", "code": incident["properties"]["code"]},
    ).json()
    assert body["features"][0]["geometry"]["coordinates"] == pytest.approx([lat, lon])


def test_csv_and_geojsonseq(client: TestClient) -> None:
    csv = client.get("/collections/incidents/items?f=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("id,code,") and lines[0].endswith(",geometry")
    assert len(lines) == 1 + len(_layer("incidents"))
    assert "POINT(" in lines[1]
    seq = client.get("/collections/incidents/items?f=geojsonseq")
    features = [json.loads(line) for line in seq.text.strip().splitlines()]
    assert [f["type"] for f in features] == ["Feature"] * len(_layer("incidents"))


def test_victims_private_details_never_appear(client: TestClient) -> None:
    private = json.loads((DATA / "incident_victims.json").read_text())
    texts = [
        client.get("/collections/incidents/items?limit=100").text,
        client.get("/collections/incidents/items?f=csv").text,
        client.get("/collections/incidents/queryables").text,
    ]
    for victim in private:
        for key in ("age", "residence", "injury"):
            if victim.get(key):
                assert all(str(victim[key]) not in text for text in texts if key != "age")
    assert all('"age"' not in text and "residence" not in text for text in texts)


def test_etag_and_304(client: TestClient) -> None:
    first = client.get("/collections/districts")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = client.get("/collections/districts", headers={"If-None-Match": etag})
    assert again.status_code == 304


PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "maps.example.org"}


def test_links_follow_a_trusted_proxy(client: TestClient) -> None:
    app: Any = client.app
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"forwarded_allow_ips": "*"})
    body = client.get("/collections", headers=PROXY).json()
    assert body["links"][0]["href"] == "https://testserver/collections"  # host not allowed
    allowed = [*settings.allowed_hosts, "maps.example.org"]
    app.state.settings = settings.model_copy(
        update={"forwarded_allow_ips": "*", "allowed_hosts": allowed}
    )
    body = client.get("/collections", headers=PROXY).json()
    assert body["links"][0]["href"] == "https://maps.example.org/collections"


def test_forwarded_headers_from_untrusted_clients_are_ignored(client: TestClient) -> None:
    body = client.get("/collections", headers=PROXY).json()
    assert body["links"][0]["href"] == "http://testserver/collections"


def test_forwarded_headers_cannot_inject_a_scheme_or_markup(client: TestClient) -> None:
    app: Any = client.app
    app.state.settings = app.state.settings.model_copy(update={"forwarded_allow_ips": "*"})
    headers = {
        "Accept": "text/html",
        "X-Forwarded-Proto": "javascript",
        "X-Forwarded-Host": 'evil"><script>',
        "X-Forwarded-Prefix": "/%0aalert(1)//",
    }
    page = client.get("/collections/districts/items?limit=1", headers=headers).text
    assert "javascript:" not in page
    assert "<script>" not in page.split("<body>")[1].split("maplibre-gl.js")[0]
    assert "alert(1)" not in page


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/json, text/html;q=0.1", "application/geo+json"),
        ("text/html;q=0, application/json", "application/geo+json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        ("text/csv", "text/csv"),
        ("application/geo+json-seq", "application/geo+json-seq"),
        ("*/*", "application/geo+json"),
    ],
)
def test_accept_header_with_qualities(client: TestClient, accept: str, media: str) -> None:
    response = client.get("/collections/incidents/items", headers={"Accept": accept})
    assert response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers["Vary"]


def test_etag_is_stable_across_time_and_star_matches(client: TestClient) -> None:
    first = client.get("/collections/incidents/items")
    assert first.headers["ETag"].startswith('W/"')
    again = client.get(
        "/collections/incidents/items", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert client.get("/collections/districts", headers={"If-None-Match": "*"}).status_code == 304


def test_a_page_keeps_its_etag_until_its_layer_is_written(
    client: TestClient, session: Session
) -> None:
    url = "/collections/incidents/items"
    first = client.get(url, params={"limit": 5})
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and "Accept" in first.headers["Vary"]
    again = client.get(url, params={"limit": 5}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    for other in ({"limit": 6}, {"limit": 5, "f": "geojsonseq"}):  # other representations
        assert client.get(url, params=other).headers["ETag"] != etag
    add_incident(session, 46.8, 39.9, occurred_on=date(2024, 5, 1))
    after = client.get(url, params={"limit": 5}, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag


def test_the_etag_skips_the_generation_time_only() -> None:
    def page(stamp: str, feature_id: int) -> bytes:
        return f'{{"features":[{{"id":{feature_id}}}],"timeStamp":"{stamp}","links":[]}}'.encode()

    assert _digest(page("2026-01-01T00:00:00Z", 1)) == _digest(page("2027-05-05T12:34:56Z", 1))
    assert _digest(page("2026-01-01T00:00:00Z", 1)) != _digest(page("2026-01-01T00:00:00Z", 2))
    assert _digest(b"[1]") == hashlib.sha256(b"[1]").hexdigest()[:32]  # no time: the whole body


def test_projected_output_has_no_legacy_crs_member(client: TestClient) -> None:
    feature = client.get("/collections/incidents/items?crs=EPSG:3857&limit=1").json()["features"][0]
    assert "crs" not in feature["geometry"]


def test_gdal_draft_filter_language_is_accepted(client: TestClient) -> None:
    response = client.get(
        "/collections/contaminated_zones/items",
        params={"filter": "status = 'active'", "filter-lang": "cql-text", "limit": 1},
    )
    assert response.status_code == 200
    assert response.json()["numberMatched"] == sum(
        f["properties"]["status"] == "active" for f in _layer("contaminated_zones")
    )


def test_landing_conformance_and_openapi(client: TestClient) -> None:
    landing = client.get("/").json()
    desc = next(link for link in landing["links"] if link["rel"] == "service-desc")
    api = client.get(desc["href"].replace("http://testserver", ""))
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json;version=3.0")
    assert api.json()["openapi"].startswith("3.0")
    assert "/collections/{collectionId}/items" in api.json()["paths"]
    conforms = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms


def test_html_for_browsers(client: TestClient) -> None:
    for path in ("/", "/collections", "/collections/districts", "/collections/districts/items"):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
    page = client.get("/collections/districts/items?f=html&limit=3").text
    assert "maplibre" in page and "<table>" in page


def test_queryables_list_every_property(client: TestClient) -> None:
    body = client.get("/collections/contaminated_zones/queryables").json()
    assert body["properties"]["status"]["enum"] == [
        "active",
        "in_progress",
        "cancelled",
        "reduced",
        "cleared",
    ]
    assert body["properties"]["recorded_on"]["format"] == "date"
    assert "geometry" in body["properties"]


def test_collection_extent(client: TestClient) -> None:
    body = client.get("/collections/incidents").json()
    assert body["extent"]["temporal"]["interval"] == [
        ["2025-05-29T00:00:00Z", "2025-05-31T00:00:00Z"]
    ]
    minx, miny, maxx, maxy = body["extent"]["spatial"]["bbox"][0]
    assert 44 < minx < maxx < 51 and 38 < miny < maxy < 42
    assert "http://www.opengis.net/def/crs/EPSG/0/32638" in body["crs"]


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    response = client.head("/collections/districts")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["ETag"] == client.get("/collections/districts").headers["ETag"]


@pytest.mark.parametrize(
    ("params"),
    [
        {"filter": "(" * 3000 + "killed = 1" + ")" * 3000},
        {"filter": "killed = 1 AND " * 1000 + "killed = 1"},
        {"filter": '{"op":"not","args":[]}', "filter-lang": "cql2-json"},
        {"filter": '{"op":"=","args":[1]}', "filter-lang": "cql2-json"},
        {"filter": '{"op":"in","args":[{"property":"killed"},5]}', "filter-lang": "cql2-json"},
        {
            "filter": '{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[1,2]}]}',
            "filter-lang": "cql2-json",
        },
        {
            "filter": '{"op":"t_after","args":[{"property":"occurred_on"},{"interval":["2020-01-01"]}]}',
            "filter-lang": "cql2-json",
        },
        {"filter": '{"op":"=","args":[{"op":"casei","args":[]},"x"]}', "filter-lang": "cql2-json"},
        {
            "filter": '{"op":">","args":[{"property":"occurred_on"},{"timestamp":5}]}',
            "filter-lang": "cql2-json",
        },
        # A chain of unary signs overflowed the native parser's stack and killed the process.
        {"filter": "killed=" + "-" * 4000 + "1"},
        {"filter": "S_EQUALS(geometry, POINT EMPTY)"},
        {"filter": "A_OVERLAPS(code, ('x'))"},
        {"filter": "code IN (POINT(1 1))"},
        {"filter": "code = 'a\x00b'"},
        {"code": "\x00"},
    ],
)
def test_hostile_filters_get_a_400_and_the_server_lives(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/collections/incidents/items", params=params)
    assert response.status_code == 400, response.text
    assert client.get("/health").status_code == 200


def test_unicode_digits_are_not_feature_ids(client: TestClient) -> None:
    assert client.get("/collections/districts/items/\uff11").status_code == 404


def test_real_session_dependency_commits_and_streams(database_url: str, engine: Any) -> None:
    # Without the test override: the app's own engine, session and streaming lifetime.
    from app.core.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url=database_url, environment="test"))  # type: ignore[arg-type]
    with TestClient(app) as real:
        body = real.get("/collections/districts/items?limit=100&skipGeometry=true").json()
        assert body["numberReturned"] == len(_layer("districts"))
        assert real.get("/collections/districts/items?f=csv").status_code == 200


def test_openapi_lists_each_collections_queryables_for_gdal(client: TestClient) -> None:
    # GDAL's OAPIF driver filters on the server only for parameters the API document lists.
    paths = client.get("/api").json()["paths"]
    zones = paths["/collections/contaminated_zones/items"]["get"]["parameters"]
    names = {parameter["name"] for parameter in zones}
    assert {"status", "risk_level", "bbox", "filter"} <= names
    languages = next(p for p in zones if p["name"] == "filter-lang")["schema"]["enum"]
    assert "cql-text" in languages


def test_feature_schema_types_every_property(client: TestClient) -> None:
    links = client.get("/collections/contaminated_zones").json()["links"]
    described = next(link for link in links if link["rel"] == "describedby")
    response = client.get(described["href"].replace("http://testserver", ""))
    assert response.headers["content-type"].startswith("application/schema+json")
    properties = response.json()["properties"]["properties"]["properties"]
    assert properties["released_on"]["format"] == "date"
    assert properties["estimated_devices"]["type"] == "integer"
    assert properties["contamination"]["type"] == "array"
    # What a form needs: the required fields, and which ones the database computes.
    described_properties = response.json()["properties"]["properties"]
    assert described_properties["required"] == [
        "code",
        "hazard_class",
        "contamination",
        "risk_level",
        "status",
        "recorded_on",
        "source",
    ]
    incidents = client.get("/collections/incidents/schema").json()["properties"]["properties"]
    assert incidents["properties"]["district"]["readOnly"] is True
    assert "readOnly" not in incidents["properties"]["place"]


def test_no_free_connection_is_a_503_with_retry_after(database_url: str, engine: Any) -> None:
    from app.main import create_app

    settings = two_read_connections(database_url, timeout_s=1)
    with TestClient(create_app(settings)) as busy:
        with read_connections_held(busy):  # both connections of the read pool
            response = busy.get("/collections/districts")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert response.json()["code"] == "ServiceBusy"


@pytest.mark.parametrize("path", ["/api", "/collections/incidents/schema"])
def test_json_only_resources_refuse_other_formats(client: TestClient, path: str) -> None:
    assert client.get(path, params={"f": "\x00"}).status_code == 400
    assert client.get(path, params={"f": "json"}).status_code == 200


@pytest.mark.parametrize("path", ["/openapi.json", "/api"])
def test_openapi_documents_the_real_error_responses(client: TestClient, path: str) -> None:
    document = client.get(path).json()
    items = document["paths"]["/collections/{collectionId}/items"]["get"]["responses"]
    assert "422" not in items
    assert items["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert "HTTPValidationError" not in document["components"]["schemas"]


@pytest.mark.parametrize(
    ("filter_text", "same_as"),
    [
        ("recorded_on >= '2021-06-01T'", "recorded_on >= DATE('2021-06-01')"),  # GDAL 3.6
        ("recorded_on < '2021-06-01'", "recorded_on < DATE('2021-06-01')"),
        ("contamination = 'uxo'", "A_CONTAINS(contamination, ('uxo'))"),
        ("contamination <> 'uxo'", "NOT A_CONTAINS(contamination, ('uxo'))"),
    ],
)
def test_text_compared_with_a_date_or_an_array_means_what_gdal_means(
    client: TestClient, filter_text: str, same_as: str
) -> None:
    def codes(text: str) -> set[str]:
        params = {"filter": text, "filter-lang": "cql-text", "limit": 10000, "skipGeometry": "true"}
        response = client.get("/collections/contaminated_zones/items", params=params)
        assert response.status_code == 200, response.text
        return _codes(response.json())

    expected = codes(same_as)
    assert expected and codes(filter_text) == expected


@pytest.mark.parametrize(
    ("url", "level"),
    [
        ("/collections/districts/items?limit=20", 5),  # 40 kB
        ("/collections/contaminated_zones/items?limit=1000", 2),  # every zone: 567 kB
    ],
)
def test_a_gzipped_page_inflates_with_the_standard_library_to_the_plain_page(
    client: TestClient, url: str, level: int
) -> None:
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as packed:
        assert packed.headers["content-encoding"] == "gzip"
        raw = b"".join(packed.iter_raw())
    assert len(raw) < len(plain.content) / 3
    inflated = gzip.decompress(raw)
    untimed = [json.loads(body) | {"timeStamp": None} for body in (inflated, plain.content)]
    assert untimed[0] == untimed[1]
    # Compressed at the level its size asks for (a large page faster, a small one smaller),
    # and with no timestamp in the header: the same bytes every time, one ETag's.
    assert raw == gzip_compress(inflated, level)
    assert raw != gzip_compress(inflated, 7 - level)


def test_number_matched_is_exact_up_to_the_cap_and_left_out_past_it(
    client: TestClient, session: Session
) -> None:
    # The bundled settlements and enough more at Shusha to reach the cap exactly, then one more.
    bundled = len(_layer("settlements"))
    more = features.COUNT_CAP - bundled
    insert = text(
        "INSERT INTO settlements (code, source, name, geonames_id, geom) "
        "SELECT 'CAP-' || n, 'test', 'cap ' || n, 900000000 + n, "
        "ST_SetSRID(ST_MakePoint(46.75, 39.76), 4326) FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n"
    )
    session.execute(insert, {"first": 1, "last": more})
    page = {"limit": 10, "skipGeometry": "true"}
    body = client.get("/collections/settlements/items", params=page).json()
    assert body["numberMatched"] == 1_000 and body["numberReturned"] == 10
    session.execute(insert, {"first": more + 1, "last": more + 1})
    body = client.get("/collections/settlements/items", params=page).json()
    assert "numberMatched" not in body and body["numberReturned"] == 10
    assert any(link["rel"] == "next" for link in body["links"])
