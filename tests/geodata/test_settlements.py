"""The settlements layer: every GeoNames cities500 place in Azerbaijan (DATA.md section 6)."""

# ruff: noqa: RUF003  # Azerbaijani spelling uses the dotless i (U+0131) on purpose.

import csv
from collections import Counter
from functools import cache
from typing import Any

import pytest
from shapely.geometry import Point, box

from geodata.sources import GEONAMES_CITIES500
from tests.geodata.layers import DATA_DIR, features, geometry

PROPERTIES = {
    "code",
    "name",
    "name_az",
    "alternate_names",
    "geonames_id",
    "feature_code",
    "population",
    "source",
    "accuracy",
}
# DATA.md section 6: 187 rows with country code AZ, by feature code.
FEATURE_CODES = {"PPL": 112, "PPLA": 65, "PPLA2": 7, "PPLC": 1, "PPLQ": 1, "PPLX": 1}
AZERBAIJAN_BOX = box(44.7, 38.3, 50.7, 41.95)
NEFT_DASLARI = 585369  # Neft Daşları, the oil-platform town in the Caspian at 50.84 E
# DATA.md section 6: populations as GeoNames records them, by GeoNames id.
POPULATIONS = {
    146970: 53_100,  # Xankandi
    148619: 39_451,  # Ağdam
    148106: 26_765,  # Fizuli
    147105: 18_662,  # Şuşa
    146901: 7_483,  # Zangilan
    147305: 6_890,  # Qubadlı
    147774: 5_810,  # Xocalı
    147625: 2_300,  # Laçın
    147969: 929,  # İstisu
}
# GeoNames ids looked up in cities500.txt; the coordinates are the encyclopaedia's town centres
# (degrees and minutes), independent of GeoNames.
WELL_KNOWN = {
    147105: ("Şuşa", "Şuşa", (46.75, 39.75)),  # Shusha, 39°45'N 46°45'E
    147625: ("Laçın", "Laçın", (46.55, 39.633)),  # Lachin, 39°38'N 46°33'E
    148106: ("Fizuli", "Füzuli", (47.15, 39.6)),  # Fuzuli, 39°36'N 47°09'E
    148619: ("Ağdam", "Ağdam", (46.933, 39.983)),  # Aghdam, 39°59'N 46°56'E
    587084: ("Baku", "Bakı", (49.8822, 40.3953)),  # Baku, 40°23'43"N 49°52'56"E
}
# GeoNames records 0 for these: unknown, published as null.
UNKNOWN_POPULATION = {8326746, 147637, 148413}  # Heydarabad, Qıvraq, Tazakend (Babək)
# The two Azerbaijani names that are in none of GeoNames' names for the place.
NAMES_FROM_ELSEWHERE = {586763: "Şabran", 585915: "Xırdalan"}
# Spellings that pass for Azerbaijani in transliterations but are not (U+01DD, a-umlaut, w).
NOT_AZERBAIJANI = set("ǝäwW")


@cache
def settlements() -> tuple[dict[str, Any], ...]:
    """Return the settlement features, read once."""
    return tuple(features("settlements"))


def by_id(geonames_id: int) -> dict[str, Any]:
    """Return the settlement with this GeoNames id."""
    (match,) = [f for f in settlements() if f["properties"]["geonames_id"] == geonames_id]
    return match


def test_every_az_row_once_with_the_contract_properties() -> None:
    assert len(settlements()) == 187
    assert Counter(f["properties"]["feature_code"] for f in settlements()) == FEATURE_CODES
    codes = [f["properties"]["code"] for f in settlements()]
    assert len(set(codes)) == len(codes)
    for feature in settlements():
        props = feature["properties"]
        assert set(props) == PROPERTIES
        assert isinstance(props["geonames_id"], int)
        assert props["code"] == f"geonames:{props['geonames_id']}"
        assert props["population"] is None or (
            isinstance(props["population"], int) and props["population"] > 0
        )
        assert "GeoNames" in props["source"]
        assert "CC BY 4.0" in props["source"]
        assert "population as recorded by GeoNames" in props["accuracy"]


def test_points_are_valid_and_in_azerbaijan() -> None:
    for feature in settlements():
        assert feature["geometry"]["type"] == "Point"
        point = geometry(feature)
        assert point.is_valid
        if feature["properties"]["geonames_id"] != NEFT_DASLARI:
            assert AZERBAIJAN_BOX.contains(point), feature["properties"]["name"]
    assert geometry(by_id(NEFT_DASLARI)).x == pytest.approx(50.84, abs=0.01)


def test_sorted_by_geonames_id() -> None:
    ids = [f["properties"]["geonames_id"] for f in settlements()]
    assert ids == sorted(ids)


@pytest.mark.parametrize(("geonames_id", "expected"), sorted(WELL_KNOWN.items()))
def test_well_known_towns(geonames_id: int, expected: tuple[str, str, tuple[float, float]]) -> None:
    name, name_az, (lon, lat) = expected
    feature = by_id(geonames_id)
    assert feature["properties"]["name"] == name
    assert feature["properties"]["name_az"] == name_az
    assert geometry(feature).distance(Point(lon, lat)) < 0.05


def test_populations_as_recorded_by_geonames() -> None:
    for geonames_id, population in POPULATIONS.items():
        assert by_id(geonames_id)["properties"]["population"] == population
    unknown = {
        f["properties"]["geonames_id"] for f in settlements() if not f["properties"]["population"]
    }
    assert unknown == UNKNOWN_POPULATION


def test_33_in_the_karabakh_box_of_data_md() -> None:
    karabakh = box(45.5, 38.8, 47.5, 40.5)
    assert sum(karabakh.contains(geometry(f)) for f in settlements()) == 33


def test_azerbaijani_names_are_azerbaijani_and_come_from_geonames() -> None:
    for feature in settlements():
        props = feature["properties"]
        assert props["name_az"], props["name"]
        assert not NOT_AZERBAIJANI & set(props["name_az"]), props["name_az"]
        geonames = {props["name"], *props["alternate_names"]}
        assert props["name_az"] in geonames or (
            NAMES_FROM_ELSEWHERE.get(props["geonames_id"]) == props["name_az"]
        ), props["name"]


@pytest.mark.parametrize(
    ("geonames_id", "name_az"),
    [
        (584871, "Tərtər"),  # not Mirbəşir, its Soviet name
        (586430, "Goranboy"),  # not Qasım İsmayılov, its Soviet name
        (585570, "Qobustan"),  # not Mərəzə, its name until 2008
        (148413, "Babək"),  # not Təzəkənd, its name until 1978
        (586523, "Gəncə"),  # not Gǝncǝ (U+01DD) nor Gäncä
        (585152, "Şəmkir"),  # not Şamxor
        (146901, "Zəngilan"),  # not İçəri
        (147429, "Naxçıvan"),  # not Naxçıvan Şəhəri, "Nakhchivan city"
    ],
)
def test_name_az_picks_the_current_azerbaijani_name(geonames_id: int, name_az: str) -> None:
    assert by_id(geonames_id)["properties"]["name_az"] == name_az


def test_alternate_names_are_distinct_strings() -> None:
    for feature in settlements():
        names = feature["properties"]["alternate_names"]
        assert all(isinstance(name, str) and name for name in names)
        assert len(set(names)) == len(names)


@pytest.mark.skipif(
    not GEONAMES_CITIES500.path.exists(),
    reason="source cache absent: run `python -m geodata.build` once to fetch it",
)
def test_matches_every_az_row_of_the_source() -> None:
    with GEONAMES_CITIES500.path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        # geonameid, name, ..., latitude (4), longitude (5), ..., country code (8), population (14)
        source = {
            int(r[0]): (r[1], float(r[5]), float(r[4]), int(r[14])) for r in rows if r[8] == "AZ"
        }
    assert len(source) == 187
    published = {
        f["properties"]["geonames_id"]: (
            f["properties"]["name"],
            *f["geometry"]["coordinates"],
            f["properties"]["population"] or 0,
        )
        for f in settlements()
    }
    assert published == source


def test_readme_credits_geonames_under_cc_by() -> None:
    readme = (DATA_DIR.parent / "README.md").read_text("utf-8")
    assert "GeoNames" in readme
    assert "CC BY 4.0" in readme
