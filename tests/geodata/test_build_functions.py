"""The build's pure functions on geometries small enough to check by hand."""

import math

import geopandas as gpd
import orjson
import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, box

from geodata.clearance import split_west
from geodata.districts import clean_districts
from geodata.frontline import NAKHCHIVAN_REGION, formerly_occupied_zone, merge_line
from geodata.geo import clean_area, geodesic_km2, metric_buffer, solve_increasing
from geodata.incidents import point_near_line
from geodata.output import feature_collection_bytes
from geodata.zones import apportion

GEOD = Geod(ellps="WGS84")


def test_one_degree_square_at_the_equator() -> None:
    # 111.32 km of longitude by 110.57 km of latitude.
    assert geodesic_km2(box(0, 0, 1, 1)) == pytest.approx(111.32 * 110.57, rel=0.001)


def test_metric_buffer_of_a_point_is_a_disc() -> None:
    assert geodesic_km2(metric_buffer(Point(46.5, 40.0), 1_000)) == pytest.approx(math.pi, rel=0.01)


def test_solve_increasing_finds_the_root() -> None:
    assert solve_increasing(lambda x: x**3, 8.0, 0.0, 10.0) == pytest.approx(2.0, abs=1e-5)
    with pytest.raises(ValueError, match="outside"):
        solve_increasing(lambda x: x, 20.0, 0.0, 10.0)


def test_split_west_cuts_a_two_degree_box_in_half() -> None:
    # Area between two meridians grows linearly with longitude, so half the area is x = 11.
    half = abs(GEOD.geometry_area_perimeter(box(10, 40, 11, 41))[0]) / 1e6
    west, east = split_west(box(10, 40, 12, 41), half)
    assert west.bounds[2] == pytest.approx(11.0, abs=1e-6)
    assert east.bounds[0] == pytest.approx(11.0, abs=1e-6)


def test_apportion_uses_largest_remainders() -> None:
    assert apportion([1, 1, 1], 10) == [4, 3, 3]
    assert apportion([2, 1, 1], 8) == [4, 2, 2]
    assert sum(apportion([0.3, 1.7, 5.0, 0.01], 1_000)) == 1_000


def test_clean_area_repairs_a_bow_tie() -> None:
    cleaned = clean_area(Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]))
    assert cleaned.geom_type == "MultiPolygon"
    assert cleaned.is_valid
    assert len(cleaned.geoms) == 2
    assert all(part.exterior.is_ccw for part in cleaned.geoms)


def test_clean_districts_fixes_stepanakert_and_lachin() -> None:
    raw = gpd.GeoDataFrame(
        {
            "adm1_code": ["AZE-4838", "AZE-1735"],
            "code_hasc": ["AZ.XC", "AZ.SU"],
            "gn_id": [148449, 147626],
            "type_en": ["District", "District"],
            "region": ["Yukhari Garabakh Economic Region", "Kalbajar-Lachin Economic Region"],
        },
        geometry=[box(46.7, 39.8, 46.8, 39.9), box(46.2, 39.5, 46.5, 39.8)],
        crs="EPSG:4326",
    )
    fixed = clean_districts(raw).set_index("name")
    assert fixed.loc["Khankendi", "geonames_id"] == 409421
    assert fixed.loc["Khankendi", "kind"] == "city"
    assert fixed.loc["Khankendi", "hasc"] == "AZ.XA"
    assert fixed.loc["Lachin", "geonames_id"] == 147626
    assert fixed.loc["Lachin", "name_az"] == "Laçın"


def test_merge_line_orders_from_the_north_west_end() -> None:
    segments = gpd.GeoDataFrame(
        geometry=[
            LineString([(46.5, 39.5), (46.2, 40.0)]),
            LineString([(46.2, 40.0), (45.979, 40.224)]),
        ],
        crs="EPSG:4326",
    )
    merged = merge_line(segments)
    assert merged.coords[0] == (45.979, 40.224)
    assert merged.coords[-1] == (46.5, 39.5)


def test_formerly_occupied_zone_is_the_side_holding_lachin() -> None:
    districts = gpd.GeoDataFrame(
        {
            "name": ["Lachin", "Tartar", "Babek"],
            "region": ["", "", NAKHCHIVAN_REGION],
        },
        geometry=[box(0, 0, 0.4, 1), box(0.4, 0, 1, 1), box(5, 5, 6, 6)],
        crs="EPSG:4326",
    )
    zone = formerly_occupied_zone(districts, LineString([(0.7, 1), (0.7, 0)]))
    assert zone.symmetric_difference(box(0, 0, 0.7, 1)).area < 1e-12


def test_point_near_line_is_one_km_off_the_middle_of_the_stretch() -> None:
    line = LineString([(45.0, 39.9), (45.0, 40.2)])
    point = point_near_line(box(45.0, 40.0, 45.1, 40.1), line)
    assert isinstance(point, Point)
    _, _, metres = GEOD.inv(45.0, point.y, point.x, point.y)
    assert metres == pytest.approx(1_000, rel=0.005)
    assert point.y == pytest.approx(40.05, abs=0.002)


def test_feature_collection_rounds_to_six_decimals_and_writes_null() -> None:
    frame = gpd.GeoDataFrame(
        {"value": [float("nan")]}, geometry=[Point(1.23456789, 2.0)], crs="EPSG:4326"
    )
    (feature,) = orjson.loads(feature_collection_bytes(frame))["features"]
    assert feature["geometry"]["coordinates"] == [1.234568, 2.0]
    assert feature["properties"] == {"value": None}
