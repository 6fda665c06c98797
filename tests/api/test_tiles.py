"""Vector tiles on a hand-made layer: contents, positions, errors, filters and caching."""

import math
from datetime import date
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import pytest
import shapely
import shapely.geometry
from fastapi.testclient import TestClient
from geoalchemy2 import WKTElement
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.core import release
from app.models import ContaminatedZone, Incident
from app.schemas.query import TileFilter
from app.services import tiles
from app.services.tile_cache import Cached, SharedTiles, Tile, TileCache, TileKey
from app.services.tiles import search_bounds

# A spot in the Gulf of Guinea, far from every bundled feature.
LON, LAT = 3.005, 0.505
ZOOM = 12
HALF_WORLD = 20037508.342789244  # half the side of the EPSG:3857 square, in metres
EXTENT = 4096


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The slippy-map tile holding a point (OSM wiki formula)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture
def layer(session: Session) -> dict[str, int]:
    """A 0.01-degree square zone and an incident at its centre, in the test's transaction."""
    d = 0.005
    ring = [(LON - d, LAT - d), (LON + d, LAT - d), (LON + d, LAT + d), (LON - d, LAT + d)]
    wkt = ", ".join(f"{x} {y}" for x, y in [*ring, ring[0]])
    zone = ContaminatedZone(
        code="TEST-ZONE",
        hazard_class="CHA",
        contamination=["anti_personnel"],
        risk_level="high",
        status="active",
        recorded_on=date(2022, 3, 1),
        source="test",
        geom=WKTElement(f"MULTIPOLYGON((({wkt})))", srid=4326),
    )
    incident = Incident(
        code="TEST-INCIDENT",
        occurred_on=date(2023, 5, 1),
        place="test field",
        device="anti_tank_mine",
        activity="farming",
        killed=1,
        injured=2,
        victim_category="civilian",
        location_accuracy="surveyed",
        source="test",
        geom=WKTElement(f"POINT({LON} {LAT})", srid=4326),
    )
    session.add_all([zone, incident])
    session.flush()
    return {"zone": zone.id, "incident": incident.id}


def decode(content: bytes) -> dict[str, Any]:
    """The tile's layers, with y pointing down as in the tile's own coordinates."""
    result: dict[str, Any] = mapbox_vector_tile.decode(
        content, default_options={"y_coord_down": True}
    )
    return result


def get_tile(client: TestClient, collection: str | None, z: int, x: int, y: int, **params: str):  # type: ignore[no-untyped-def]
    """The tile at column x, row y."""
    return client.get(tile_path(collection, z, x, y), params=params)


def tile_path(collection: str | None, z: int, x: int, y: int) -> str:
    """The standard path puts the row (y) before the column (x): z/y/x."""
    prefix = f"/collections/{collection}" if collection else ""
    return f"{prefix}/tiles/WebMercatorQuad/{z}/{y}/{x}"


def test_a_tile_covering_the_zone_contains_it(client: TestClient, layer: dict[str, int]) -> None:
    response = get_tile(client, "contaminated_zones", ZOOM, *tile_of(LON, LAT, ZOOM))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    features = decode(response.content)["contaminated_zones"]["features"]
    assert [feature["id"] for feature in features] == [layer["zone"]]
    properties = features[0]["properties"]
    assert properties["risk_level"] == "high"
    assert properties["contamination"] == "anti_personnel"
    assert properties["recorded_on"] == "2022-03-01"
    assert features[0]["geometry"]["type"] == "Polygon"


def test_a_zone_smaller_than_the_tolerance_is_still_drawn_and_valid(
    client: TestClient, session: Session
) -> None:
    # A 4 m square and a comb whose 20 teeth are 5 m wide, below half a pixel at the zoom
    # from which zones are drawn whole (19 m at zoom 12): simplified away or into a
    # self-crossing ring they would be lost or invalid.
    z = tiles.WHOLE_ZONES_ZOOM
    assert tiles.tolerance(z) > 15
    d = 0.00002
    square = [(LON - d, LAT - d), (LON + d, LAT - d), (LON + d, LAT + d), (LON - d, LAT + d)]
    tooth, left = 0.00005, LON + 0.01
    comb = [(left, LAT), (left + 40 * tooth, LAT)]
    for k in range(40, 0, -2):
        x = left + k * tooth
        comb += [(x, LAT + 0.0004), (x - tooth, LAT + 0.0004), (x - tooth, LAT + 0.0001)]
    comb += [(left, LAT + 0.0001)]
    for code, ring in (("TEST-SQUARE", square), ("TEST-COMB", comb)):
        wkt = ", ".join(f"{x} {y}" for x, y in [*ring, ring[0]])
        session.execute(
            text(
                "INSERT INTO contaminated_zones (code, hazard_class, contamination, risk_level,"
                " status, recorded_on, source, geom) VALUES (:code, 'SHA', '{uxo}', 'low',"
                " 'active', '2022-03-01', 'test', ST_GeomFromText(:wkt, 4326))"
            ),
            {"code": code, "wkt": f"MULTIPOLYGON((({wkt})))"},
        )
    assert shapely.Polygon(comb).is_valid
    response = get_tile(client, "contaminated_zones", z, *tile_of(LON, LAT, z))
    drawn = {
        feature["properties"]["code"]: shapely.geometry.shape(feature["geometry"])
        for feature in decode(response.content)["contaminated_zones"]["features"]
    }
    assert set(drawn) == {"TEST-SQUARE", "TEST-COMB"}
    assert all(geometry.is_valid and not geometry.is_empty for geometry in drawn.values())


def test_the_incident_lands_where_expected(client: TestClient, layer: dict[str, int]) -> None:
    x, y = tile_of(LON, LAT, ZOOM)
    mx, my = Transformer.from_crs(4326, 3857, always_xy=True).transform(LON, LAT)
    size = 2 * HALF_WORLD / 2**ZOOM
    expected = (
        (mx - (-HALF_WORLD + x * size)) / size * EXTENT,
        (HALF_WORLD - y * size - my) / size * EXTENT,
    )
    response = get_tile(client, "incidents", ZOOM, x, y)
    feature = decode(response.content)["incidents"]["features"][0]
    assert feature["id"] == layer["incident"]
    px, py = feature["geometry"]["coordinates"]
    assert abs(px - expected[0]) <= 1 and abs(py - expected[1]) <= 1
    assert feature["properties"]["casualties"] == 3
    # Nothing of the private victim details reaches a tile.
    assert not {"sex", "age", "injury", "residence"} & set(feature["properties"])


def test_the_all_layers_tile_names_each_layer(client: TestClient, layer: dict[str, int]) -> None:
    response = get_tile(client, None, ZOOM, *tile_of(LON, LAT, ZOOM))
    assert set(decode(response.content)) == {"contaminated_zones", "incidents"}
    # Over Azerbaijan, the bundled districts and the former line of contact are there too,
    # at every zoom, including the tiles whose buffer reaches past the antimeridian.
    for z in (0, 1, 2, 6, 10):  # the tile of the line's north-western end (DATA.md)
        bundled = decode(get_tile(client, None, z, *tile_of(45.979, 40.224, z)).content)
        assert {"districts", "line_of_contact"} <= set(bundled), z


@pytest.mark.parametrize(("z", "x", "y"), [(0, 0, 0), (3, 0, 7), (3, 7, 0), (14, 10340, 6180)])
def test_a_tile_is_searched_for_within_its_bounds_and_drawn_buffer(z: int, x: int, y: int) -> None:
    side = 2 * HALF_WORLD / 2**z  # metres, in Web Mercator
    pad = side * 64 / EXTENT  # the buffer ST_AsMVTGeom draws
    left, top = -HALF_WORLD + x * side - pad, HALF_WORLD - y * side + pad
    right, bottom = left + side + 2 * pad, top - side - 2 * pad
    clamp = lambda value: max(-HALF_WORLD, min(HALF_WORLD, value))  # noqa: E731
    to_wgs84 = Transformer.from_crs(3857, 4326, always_xy=True)
    west, south = to_wgs84.transform(clamp(left), clamp(bottom))
    east, north = to_wgs84.transform(clamp(right), clamp(top))
    expected = (max(west, -180.0), south, min(east, 180.0), north)
    assert search_bounds(z, x, y) == pytest.approx(expected, abs=1e-9)


def test_a_tile_far_away_is_empty(client: TestClient, layer: dict[str, int]) -> None:
    response = get_tile(client, None, ZOOM, *tile_of(-150.0, -30.0, ZOOM))
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize(
    ("z", "x", "y"), [(3, 8, 0), (3, 0, 8), (3, -1, 0), (25, 0, 0), (-1, 0, 0), ("a", 0, 0)]
)
def test_a_tile_outside_the_matrix_is_a_400(client: TestClient, z: Any, x: int, y: int) -> None:
    response = get_tile(client, "districts", z, x, y)
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue"
    assert response.json()["description"]


def test_unknown_collection_and_parameters(client: TestClient) -> None:
    assert get_tile(client, "incident_victims", 0, 0, 0).status_code == 404
    unknown = get_tile(client, "contaminated_zones", 0, 0, 0, colour="red")
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "UnknownParameter"
    assert get_tile(client, "contaminated_zones", 0, 0, 0, status="lost").status_code == 400
    assert get_tile(client, "contaminated_zones", 0, 0, 0, datetime="yesterday").status_code == 400


@pytest.mark.parametrize(
    ("params", "kept"),
    [
        ({"status": "active"}, True),
        ({"status": "cleared"}, False),
        ({"risk_level": "low"}, False),
        ({"datetime": "2022-03-01"}, True),
        ({"datetime": "2022-02-28"}, False),
        ({"datetime": "../2021-12-31"}, False),
        ({"datetime": "2024-01-01T00:00:00Z/.."}, True),
    ],
)
def test_filters(
    client: TestClient, layer: dict[str, int], params: dict[str, str], kept: bool
) -> None:
    response = get_tile(client, "contaminated_zones", ZOOM, *tile_of(LON, LAT, ZOOM), **params)
    assert response.status_code == (200 if kept else 204)


def test_caching_headers_and_304(client: TestClient, layer: dict[str, int]) -> None:
    response = get_tile(client, "contaminated_zones", ZOOM, *tile_of(LON, LAT, ZOOM))
    assert response.headers["cache-control"] == "public, no-cache"
    etag = response.headers["etag"]
    assert etag.startswith('"')  # strong: from the data version, not the bytes
    again = client.get(
        str(response.url).removeprefix("http://testserver"), headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""


def test_a_tile_is_gzipped_once_for_clients_that_accept_it(client: TestClient) -> None:
    url = "/collections/districts/tiles/WebMercatorQuad/7/48/80"  # Karabakh's districts
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert len(plain.content) > 1024  # large enough to be compressed
    for _ in range(2):  # built, then from the cache
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert packed.headers["content-encoding"] == "gzip"
        assert int(packed.headers["content-length"]) < len(plain.content)
        assert packed.content == plain.content  # httpx inflated it
    assert "Accept-Encoding" in plain.headers["vary"]
    assert "Accept-Encoding" in packed.headers["vary"]
    assert set(decode(plain.content)) == {"districts"}
    # Two encodings, two strong ETags, each revalidated with a 304 in its own encoding.
    assert packed.headers["etag"] == plain.headers["etag"].removesuffix('"') + '-gzip"'
    for encoding, tag in (("identity", plain.headers["etag"]), ("gzip", packed.headers["etag"])):
        again = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": tag})
        assert again.status_code == 304, encoding


def test_a_worker_without_the_tile_answers_a_current_etag_without_building_it(
    client: TestClient, layer: dict[str, int]
) -> None:
    path = tile_path("contaminated_zones", ZOOM, *tile_of(LON, LAT, ZOOM))
    etag = client.get(path).headers["etag"]
    digest, *versions = etag.strip('"').split("-")
    stale = '"' + "-".join([digest, *("0" for _ in versions)]) + '"'
    for tag, status in ((etag, 304), ('"elsewhere-1"', 200), (stale, 200)):
        cache = client.app.state.tile_cache = TileCache(8)  # type: ignore[attr-defined]
        response = client.get(path, headers={"If-None-Match": tag})
        assert response.status_code == status, tag
        assert response.headers["etag"] == etag
        client.get(path)  # built now unless the answer above built it
        assert cache.hits == (0 if status == 304 else 1), tag


def test_a_tile_one_worker_built_is_read_by_the_others_while_its_tables_are_unchanged(
    client: TestClient, layer: dict[str, int], tmp_path: Path
) -> None:
    x, y = tile_of(LON, LAT, ZOOM)
    path = tile_path("contaminated_zones", ZOOM, x, y)
    shared = SharedTiles(tmp_path, 8)
    client.app.state.tile_cache = TileCache(8, shared)  # type: ignore[attr-defined]
    built = client.get(path, headers={"Accept-Encoding": "identity"})
    assert built.status_code == 200
    key = TileKey(("contaminated_zones",), ZOOM, x, y, TileFilter())
    shared.settle()  # written by the worker's writing thread
    assert [file.name for file in tmp_path.iterdir()] == [key.digest]  # shared, whole
    versions = tuple(int(part) for part in built.headers["etag"].strip('"').split("-")[1:])
    # A marked tile under the current versions: another worker serves it without building.
    for current, body in ((versions, b"marked"), (tuple(v - 1 for v in versions), built.content)):
        shared.put(key, Cached(current, Tile.of(b"marked")))
        other = client.app.state.tile_cache = TileCache(8, shared)  # type: ignore[attr-defined]
        response = client.get(path, headers={"Accept-Encoding": "identity"})
        assert response.content == body, current  # a stale file is built anew
        assert response.headers["etag"] == built.headers["etag"]
        assert other.get(key) is not None


def test_each_worker_keeps_the_tiles_it_shares_within_its_bound(tmp_path: Path) -> None:
    shared = SharedTiles(tmp_path, 1)  # 1 MB
    tiles = [Tile(bytes([n]) * 300_000, None) for n in range(5)]  # 300,001 bytes each counted
    keys = [TileKey(("districts",), 10, n, 0, TileFilter()) for n in range(5)]
    shared.put(keys[0], Cached((1, 1), tiles[0]))  # written again below: counted once
    for key, tile in zip(keys, tiles, strict=True):
        shared.put(key, Cached((1, 2), tile))
    # 3 tiles take 900,003 bytes, 4 would pass 1,048,576: the two oldest were removed.
    assert sorted(file.name for file in tmp_path.iterdir()) == sorted(k.digest for k in keys[2:])
    assert [shared.get(key) for key in keys[:2]] == [None, None]
    assert shared.get(keys[4]) == Cached((1, 2), tiles[4])
    # A tile worth compressing comes back with its gzip; a file cut short is no tile.
    packed = Tile.of(bytes(range(256)) * 8)
    assert packed.gzipped is not None
    shared.put(keys[0], Cached((3,), packed))
    assert shared.get(keys[0]) == Cached((3,), packed)
    whole = (tmp_path / keys[0].digest).read_bytes()
    for cut in (whole[: len(whole) - len(packed.gzipped)], whole[:-1], b"not a tile"):
        (tmp_path / keys[0].digest).write_bytes(cut)
        assert shared.get(keys[0]) is None


def test_a_release_that_changes_the_code_changes_every_tile_tag(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, source in (("a.py", "A = 1\n"), ("sub/b.py", "B = 2\n")):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(source)
    first = release.code_fingerprint(tmp_path)
    assert release.code_fingerprint(tmp_path) == first  # every worker computes the same
    (tmp_path / "sub" / "b.py").write_text("B = 3\n")
    assert release.code_fingerprint(tmp_path) != first
    path = tile_path("districts", 7, 80, 48)
    etag = client.get(path).headers["etag"]
    monkeypatch.setattr(release, "CODE", "the next release")
    client.app.state.tile_cache = TileCache(8)  # type: ignore[attr-defined]  # restarted
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200  # the kept tile may be drawn otherwise now
    assert response.headers["etag"] != etag


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("gzip, deflate", True),
        ("GZIP;Q=0.5", True),
        ("deflate, *;q=0.5", True),
        ("gzip;q=0, identity", False),
        ("gzip; q=0.000", False),
        ("*;q=0", False),
        ("identity", False),
        ("br, gzip;q=nonsense", False),
    ],
)
def test_gzip_only_where_accept_encoding_gives_it_a_weight_above_zero(
    client: TestClient, accept_encoding: str, gzipped: bool
) -> None:
    url = "/collections/districts/tiles/WebMercatorQuad/7/48/80"  # over 1 kB: worth gzip
    response = client.get(url, headers={"Accept-Encoding": accept_encoding})
    assert response.status_code == 200
    assert (response.headers.get("content-encoding") == "gzip") is gzipped


def test_a_table_never_written_has_a_tile_and_an_etag(
    client: TestClient, session: Session, layer: dict[str, int]
) -> None:
    session.execute(text("DELETE FROM layer_versions"))  # as before the first write
    path = tile_path("contaminated_zones", ZOOM, *tile_of(LON, LAT, ZOOM))
    first, again = client.get(path), client.get(path)
    assert first.status_code == again.status_code == 200
    assert first.headers["etag"] == again.headers["etag"]
    assert set(decode(first.content)) == {"contaminated_zones"}


def test_tilejson(client: TestClient, layer: dict[str, int]) -> None:
    response = client.get("/collections/contaminated_zones/tiles/WebMercatorQuad/tilejson.json")
    assert response.status_code == 200
    tilejson = response.json()
    assert tilejson["tilejson"] == "3.0.0"
    assert tilejson["tiles"] == [
        "http://testserver/collections/contaminated_zones/tiles/WebMercatorQuad/{z}/{y}/{x}"
    ]
    west, south, east, north = tilejson["bounds"]
    assert west <= LON - 0.005 and east >= LON + 0.005
    assert south <= LAT - 0.005 and north >= LAT + 0.005
    assert tilejson["minzoom"] == 0 and tilejson["maxzoom"] >= 14
    lon, lat, zoom = tilejson["center"]
    assert west <= lon <= east and south <= lat <= north and zoom >= 0
    vector_layer, areas = tilejson["vector_layers"]
    assert vector_layer["id"] == "contaminated_zones"
    assert areas["id"] == "contaminated_areas" and areas["fields"]["area_km2"] == "Number"
    assert vector_layer["fields"]["risk_level"] == "String"
    assert vector_layer["fields"]["estimated_devices"] == "Number"
    every = client.get("/tiles/WebMercatorQuad/tilejson.json?status=active").json()
    assert {item["id"] for item in every["vector_layers"]} == {
        "districts",
        "contaminated_areas",
        "contaminated_zones",
        "incident_clusters",
        "incidents",
        "line_of_contact",
        "settlements",
        "tasks",
        "task_clusters",
        "land_release",
        "land_release_clusters",
    }
    assert every["tiles"][0].endswith("/tiles/WebMercatorQuad/{z}/{y}/{x}?status=active")


def test_tilesets_lists_link_the_tilejson_and_the_tile_template(client: TestClient) -> None:
    collection = client.get("/collections/incidents").json()
    rel = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
    href = next(link["href"] for link in collection["links"] if link["rel"] == rel)
    tileset = client.get(href.replace("http://testserver", "")).json()["tilesets"][0]
    assert tileset["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    item = next(link for link in tileset["links"] if link["rel"] == "item")
    assert item["templated"] is True
    x, y = tile_of(LON, LAT, ZOOM)
    tile_url = item["href"].format(tileMatrix=ZOOM, tileCol=x, tileRow=y)
    assert tile_url.endswith(f"/{ZOOM}/{y}/{x}")
    assert client.get(tile_url.replace("http://testserver", "")).status_code in (200, 204)
    scheme = next(link for link in tileset["links"] if link["rel"].endswith("/tiling-scheme"))
    matrix_set = client.get(scheme["href"].replace("http://testserver", "")).json()
    assert matrix_set["id"] == "WebMercatorQuad"
    assert client.get("/tileMatrixSets").json()["tileMatrixSets"][0]["id"] == "WebMercatorQuad"
    assert client.get("/tileMatrixSets/NoSuch").status_code == 404
    assert client.get("/tiles").json()["tilesets"][0]["dataType"] == "vector"
    assert client.get("/collections/nosuch/tiles").status_code == 404


# National scale: 20,000 zones of about 50 m in Shusha (356 km²), 56 to a km², more than the
# densest district of a real programme. Whole, they made a z10 tile of about 1 MB.
DENSE_DISTRICT = "Shusha"
DENSE_ZONES = 20_000
TILE_LIMIT = 500_000
ALL_TILES_UP_TO = 40  # a zoom with more tiles over the district is checked at its densest
DENSE_INSERT = text(
    """
INSERT INTO contaminated_zones
    (code, hazard_class, contamination, risk_level, status, recorded_on, source, geom)
SELECT 'DENSE-' || p.path[1], 'SHA', ARRAY['anti_personnel'],
       (ARRAY['high', 'medium', 'low'])[1 + p.path[1] % 3], 'active', date '2022-01-01', 'test',
       ST_Multi(ST_Expand(p.geom, 0.00025))
FROM districts AS d, ST_Dump(ST_GeneratePoints(d.geom, :n, 42)) AS p
WHERE d.name = :district
"""
)


def _dense_district(session: Session) -> tuple[float, float, float, float, int]:
    """The dense district's bounds (west, south, east, north) and id."""
    west, south, east, north, district_id = session.execute(
        text(
            "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom), id "
            "FROM districts WHERE name = :name"
        ),
        {"name": DENSE_DISTRICT},
    ).one()
    return west, south, east, north, district_id


def _centres(session: Session, table: str, prefix: str) -> list[tuple[float, float]]:
    """The centroids of the features of ``table`` whose code starts with ``prefix``."""
    rows = session.execute(
        text(
            f"SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM {table} "
            "WHERE starts_with(code, :prefix)"
        ),
        {"prefix": prefix},
    )
    return [(lon, lat) for lon, lat in rows]


def _densest_tiles(centres: list[tuple[float, float]], z: int, count: int) -> list[tuple[int, int]]:
    """The ``count`` tiles of zoom ``z`` holding the most zone centres."""
    held: dict[tuple[int, int], int] = {}
    for lon, lat in centres:
        place = tile_of(lon, lat, z)
        held[place] = held.get(place, 0) + 1
    return sorted(held, key=held.__getitem__, reverse=True)[:count]


def test_no_tile_over_a_district_of_20000_zones_exceeds_500_kb(
    client: TestClient, session: Session
) -> None:
    """Every zoom 0-16 over the district, all tiles or the densest; below the zoom the
    TileJSON gives, the district's merged area stands for the zones, with the statistics'
    area; from that zoom on the zones are whole."""
    session.execute(DENSE_INSERT, {"n": DENSE_ZONES, "district": DENSE_DISTRICT})
    west, south, east, north, district_id = _dense_district(session)
    centres = _centres(session, "contaminated_zones", "DENSE-")
    assert len(centres) == DENSE_ZONES
    tilejson = client.get("/tiles/WebMercatorQuad/tilejson.json").json()
    layers = {layer["id"]: layer for layer in tilejson["vector_layers"]}
    whole = layers["contaminated_zones"]["minzoom"]
    assert layers["contaminated_areas"]["maxzoom"] == whole - 1
    assert f"from zoom {whole}" in layers["contaminated_zones"]["description"]

    largest: dict[int, int] = {}
    for z in range(17):
        places = [(t.x, t.y) for t in tiles.TMS.tiles(west, south, east, north, [z])]
        if len(places) > ALL_TILES_UP_TO:
            places = _densest_tiles(centres, z, 4)
        sizes = []
        for x, y in places:
            response = get_tile(client, None, z, x, y)
            assert response.status_code in (200, 204)
            sizes.append(len(response.content))
        largest[z] = max(sizes)
    assert max(largest.values()) < TILE_LIMIT, largest

    # Below the zoom the TileJSON gives, the merged areas; from it on, the zones, whole.
    x, y = _densest_tiles(centres, whole - 1, 1)[0]
    above = decode(get_tile(client, None, whole - 1, x, y).content)
    assert "contaminated_areas" in above and "contaminated_zones" not in above
    [area] = [f for f in above["contaminated_areas"]["features"] if f["id"] == district_id]
    x, y = _densest_tiles(centres, whole, 1)[0]
    at = decode(get_tile(client, None, whole, x, y).content)
    assert "contaminated_areas" not in at
    codes = {f["properties"]["code"] for f in at["contaminated_zones"]["features"]}
    assert sum(code.startswith("DENSE-") for code in codes) > 100

    # The merged area of each district is the statistics' contaminated area today, within 1 %.
    drawn = dict(
        session.execute(
            text("SELECT district_id, ST_Area(geom::geography) / 1e6 FROM stats_contaminated_areas")
        ).all()
    )
    figures = client.get("/stats/districts").json()["districts"]
    contaminated = {row["id"]: row["contaminated_km2"] for row in figures}
    assert drawn[district_id] > 20_000 * 0.9 * 0.0005 * 0.0005 * 111**2 * 0.76  # the new zones
    assert set(drawn) == {key for key, km2 in contaminated.items() if km2 > 0}
    for key, km2 in drawn.items():
        assert km2 == pytest.approx(contaminated[key], rel=0.01), key
    assert area["properties"]["area_km2"] == pytest.approx(contaminated[district_id], rel=0.01)


def test_below_the_stated_zoom_incidents_are_gathered_with_their_number_and_toll(
    client: TestClient, layer: dict[str, int]
) -> None:
    tilejson = client.get("/tiles/WebMercatorQuad/tilejson.json").json()
    layers = {item["id"]: item for item in tilejson["vector_layers"]}
    whole = layers["incidents"]["minzoom"]
    assert layers["incident_clusters"]["maxzoom"] == whole - 1
    x, y = tile_of(LON, LAT, whole - 1)
    [cluster] = decode(get_tile(client, "incidents", whole - 1, x, y).content)["incident_clusters"][
        "features"
    ]
    assert cluster["properties"] == {"incidents": 1, "casualties": 3, "first_on": "2023-05-01"}
    assert cluster["id"] == layer["incident"]
    # The filters apply to what is gathered: the incident happened after this interval.
    filtered = get_tile(client, "incidents", whole - 1, x, y, datetime="2020-01-01/2022-12-31")
    assert filtered.status_code == 204
    x, y = tile_of(LON, LAT, whole)
    assert "incident_clusters" not in decode(get_tile(client, "incidents", whole, x, y).content)


def test_no_tile_over_20000_incidents_exceeds_500_kb(client: TestClient, session: Session) -> None:
    """20,000 incidents in a box of 0.2 degrees: gathered below the zoom the TileJSON gives,
    all of them counted; whole from it; each tile under 500 KB."""
    session.execute(
        text(
            """
INSERT INTO incidents (code, occurred_on, device, activity, killed, injured, victim_category,
                       location_accuracy, source, geom)
SELECT 'DENSE-I' || g, date '2020-01-01' + g % 1000, 'uxo', 'farming', g % 2, 1,
       'civilian', 'village', 'test',
       ST_SetSRID(ST_MakePoint(3.0 + (g % 141) * 0.0014, 0.4 + (g / 141) * 0.0014), 4326)
FROM generate_series(0, 19999) AS g
"""
        )
    )
    west, south, east, north = 3.0, 0.4, 3.0 + 141 * 0.0014, 0.4 + 142 * 0.0014
    whole = client.get("/tiles/WebMercatorQuad/tilejson.json").json()["vector_layers"]
    zoom = next(item["minzoom"] for item in whole if item["id"] == "incidents")
    largest = {}
    for z in range(17):
        places = [(t.x, t.y) for t in tiles.TMS.tiles(west, south, east, north, [z])]
        if len(places) > ALL_TILES_UP_TO:
            places = places[len(places) // 2 : len(places) // 2 + 4]  # uniform: any will do
        bodies = [get_tile(client, "incidents", z, x, y).content for x, y in places]
        largest[z] = max(len(body) for body in bodies)
        if z == zoom - 1:
            # A point in a tile's drawn buffer is its neighbour's: counted there.
            counted = sum(
                feature["properties"]["incidents"]
                for body in bodies
                for feature in decode(body)["incident_clusters"]["features"]
                if all(0 <= value < EXTENT for value in feature["geometry"]["coordinates"])
            )
            assert counted == 20_000
    assert max(largest.values()) < TILE_LIMIT, largest


# 10,000 tasks of about 100 m in Shusha, each with two approved land-release records (its
# halves): more tasks to a km² (28) than a real programme holds over a whole district.
DENSE_TASKS = 10_000
DENSE_OPERATIONS = (
    """
INSERT INTO tasks (code, organisation, methods, status, started_on, source, geom)
SELECT 'DENSE-T' || p.path[1], 'ANAMA', ARRAY['manual_clearance'], 'in_progress',
       date '2023-01-01', 'test', ST_Multi(ST_Expand(p.geom, 0.0005))
FROM districts AS d, ST_Dump(ST_GeneratePoints(d.geom, :n, 43)) AS p
WHERE d.name = :district
""",
    """
INSERT INTO land_release (code, task, kind, released_on, state, source, geom)
SELECT 'DENSE-LR' || t.id || '-' || half, t.code, 'cleared', date '2024-01-01', 'approved',
       'test', ST_Multi(ST_MakeEnvelope(
           ST_XMin(t.geom) + half * 0.0005, ST_YMin(t.geom),
           ST_XMin(t.geom) + (half + 1) * 0.0005, ST_YMax(t.geom), 4326))
FROM tasks AS t, generate_series(0, 1) AS half
WHERE t.code LIKE 'DENSE-T%'
""",
)


@pytest.mark.parametrize(
    ("collection", "clusters", "count", "total"),
    [
        ("tasks", "task_clusters", "tasks", DENSE_TASKS),
        ("land_release", "land_release_clusters", "records", 2 * DENSE_TASKS),
    ],
)
def test_no_tile_over_a_district_of_10000_tasks_exceeds_500_kb(
    client: TestClient, session: Session, collection: str, clusters: str, count: str, total: int
) -> None:
    """Every zoom 0-16 over the district, all tiles or the densest; below the zoom the
    TileJSON gives, the features are gathered on a grid and every one is counted once."""
    for statement in DENSE_OPERATIONS:
        session.execute(text(statement), {"n": DENSE_TASKS, "district": DENSE_DISTRICT})
    west, south, east, north, _ = _dense_district(session)
    centres = _centres(session, "tasks", "DENSE-T")
    every = session.execute(
        text(f"SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM {collection}")
    ).all()
    layers = client.get("/tiles/WebMercatorQuad/tilejson.json").json()["vector_layers"]
    whole = next(layer["minzoom"] for layer in layers if layer["id"] == collection)
    assert next(layer["maxzoom"] for layer in layers if layer["id"] == clusters) == whole - 1
    largest = {}
    for z in range(17):
        places = [(t.x, t.y) for t in tiles.TMS.tiles(west, south, east, north, [z])]
        if len(places) > ALL_TILES_UP_TO:
            places = _densest_tiles(centres, z, 4)
        bodies = [get_tile(client, collection, z, x, y).content for x, y in places]
        largest[z] = max(len(body) for body in bodies)
        if z == whole - 1:  # the tiles over the district: each feature counted in one cell
            layers_drawn = [decode(body) for body in bodies if body]
            assert all(collection not in layer for layer in layers_drawn)
            counted = sum(
                feature["properties"][count]
                for layer in layers_drawn
                for feature in layer[clusters]["features"]
                if all(0 <= value < EXTENT for value in feature["geometry"]["coordinates"])
            )
            assert counted == sum(tile_of(lon, lat, z) in places for lon, lat in every)
            assert counted >= total
        if z == whole:
            assert any(collection in decode(body) for body in bodies if body)
    assert max(largest.values()) < TILE_LIMIT, largest
