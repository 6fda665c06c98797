"""The background countries: Natural Earth outlines around Azerbaijan, clipped to the map frame."""

import itertools
from functools import cache
from typing import Any

import pytest
from shapely import union_all
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from tests.geodata.layers import DATA_DIR, features, geometry, km2

FRAME = box(38, 35, 54, 45)
# ISO 3166-1 numeric codes, which world-atlas uses as TopoJSON ids.
NEIGHBOURS = {"Azerbaijan": "031", "Armenia": "051", "Georgia": "268", "Iran": "364"}
ALSO_IN_FRAME = {"Russia", "Turkey", "Turkmenistan", "Kazakhstan", "Iraq", "Syria"}
NEFT_DASLARI = 585369  # the oil-platform town at sea, 19 km from the nearest district


@cache
def countries() -> dict[str, dict[str, Any]]:
    """Return the country features by name, read once."""
    return {f["properties"]["name"]: f for f in features("countries")}


def shapes() -> dict[str, BaseGeometry]:
    """Return the country geometries by name."""
    return {name: geometry(feature) for name, feature in countries().items()}


def test_properties_and_valid_multipolygons() -> None:
    for feature in countries().values():
        props = feature["properties"]
        assert set(props) == {"name", "iso_n3", "source", "accuracy"}
        assert "Natural Earth" in props["source"]
        assert "world-atlas@2.0.2" in props["source"]
        assert props["accuracy"]
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert geometry(feature).is_valid
        assert not geometry(feature).is_empty


def test_azerbaijan_and_its_neighbours_with_their_iso_codes() -> None:
    for name, iso_n3 in NEIGHBOURS.items():
        assert countries()[name]["properties"]["iso_n3"] == iso_n3
    assert set(countries()) == set(NEIGHBOURS) | ALSO_IN_FRAME


def test_all_within_the_frame() -> None:
    for name, shape in shapes().items():
        assert FRAME.buffer(1e-6).contains(shape), name


def test_neighbours_share_borders_without_overlap() -> None:
    # The arcs were simplified once, before the rings were built, so shared borders match.
    for (a, one), (b, other) in itertools.combinations(sorted(shapes().items()), 2):
        assert km2(one.intersection(other)) < 0.5, (a, b)


def test_azerbaijan_matches_the_district_layer() -> None:
    # Both are Natural Earth 10m; the outline is simplified to about 1 km.
    districts = union_all([geometry(f) for f in features("districts")])
    azerbaijan = shapes()["Azerbaijan"]
    assert km2(azerbaijan) == pytest.approx(km2(districts), rel=0.01)
    assert km2(azerbaijan.symmetric_difference(districts)) < 0.015 * km2(districts)


def test_settlements_lie_in_azerbaijan() -> None:
    azerbaijan = shapes()["Azerbaijan"]
    for feature in features("settlements"):
        if feature["properties"]["geonames_id"] != NEFT_DASLARI:
            # 0.05 degree: the simplified outline and GeoNames points on the Araz border.
            assert azerbaijan.distance(geometry(feature)) < 0.05, feature["properties"]["name"]


def test_file_stays_small() -> None:
    assert (DATA_DIR / "countries.geojson").stat().st_size < 200 * 1024
