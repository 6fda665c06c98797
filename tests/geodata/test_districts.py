"""The district layer: 78 valid MultiPolygons with the Natural Earth defects corrected."""

import pytest

from tests.geodata.layers import district, features, geometry, km2

# Geodesic areas published in DATA.md section 1 (km²).
PUBLISHED_KM2 = {
    "Kalbajar": 2771,
    "Lachin": 1764,
    "Gubadly": 741,
    "Zangilan": 747,
    "Jabrayil": 850,
    "Fuzuli": 1248,
    "Khojavend": 1521,
    "Khojaly": 901,
    "Shusha": 356,
    "Shusha city": 7,
    "Aghdam": 1068,
    "Tartar": 1261,
    "Goranboy": 1847,
    "Khankendi": 22.9,
}
PROPERTIES = {
    "name",
    "name_az",
    "hasc",
    "geonames_id",
    "region",
    "kind",
    "source",
    "accuracy",
    "name_note",
}


def test_every_feature_is_a_valid_multipolygon_with_the_contract_properties() -> None:
    layer = features("districts")
    assert len(layer) == 78
    for feature in layer:
        assert set(feature["properties"]) == PROPERTIES
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert geometry(feature).is_valid
        assert feature["properties"]["kind"] in {"district", "city"}
        assert isinstance(feature["properties"]["geonames_id"], int)
        assert feature["properties"]["source"].startswith("Natural Earth 10m admin-1")


def test_names_geonames_ids_and_codes_are_unique() -> None:
    layer = [feature["properties"] for feature in features("districts")]
    for key in ("name", "geonames_id", "hasc"):
        values = [props[key] for props in layer]
        assert len(values) == len(set(values)), key


def test_total_area_matches_natural_earth() -> None:
    total = sum(km2(geometry(feature)) for feature in features("districts"))
    assert total == pytest.approx(86_250, rel=0.005)


@pytest.mark.parametrize(("name", "published"), sorted(PUBLISHED_KM2.items()))
def test_area_matches_the_published_figure(name: str, published: float) -> None:
    assert km2(geometry(district(name))) == pytest.approx(published, rel=0.01, abs=0.5)


def test_lachin_polygon_is_named_lachin() -> None:
    props = district("Lachin")["properties"]
    assert props["geonames_id"] == 147626
    assert props["name_az"] == "Laçın"
    assert props["hasc"] != "AZ.SU"
    assert props["name_note"]
    lankaran = [f for f in features("districts") if f["properties"]["name"].startswith("Lankaran")]
    assert all(f["properties"]["geonames_id"] != 147626 for f in lankaran)


def test_khojaly_and_khankendi_geonames_ids_are_not_swapped() -> None:
    khojaly, khankendi = district("Khojaly")["properties"], district("Khankendi")["properties"]
    assert (khojaly["geonames_id"], khojaly["kind"]) == (148449, "district")
    assert (khankendi["geonames_id"], khankendi["kind"]) == (409421, "city")
    assert khojaly["hasc"] != khankendi["hasc"]


def test_old_names_are_replaced() -> None:
    names = {feature["properties"]["name"] for feature in features("districts")}
    names_az = {feature["properties"]["name_az"] for feature in features("districts")}
    assert {"Goygol", "Shabran"} <= names
    assert {"Göygöl", "Şabran"} <= names_az
    assert not {"Xanlar", "Dəvəçi", "Stepanakert"} & (names | names_az)
