"""The former line of contact: one merged line, 79 vertices, 202.6 km, Murovdag to the Araz."""

import pytest
from shapely.geometry import MultiLineString

from tests.geodata.layers import features, geometry, km


def test_one_feature_with_the_contract_properties() -> None:
    (feature,) = features("line_of_contact")
    props = feature["properties"]
    assert props["name"] == "Former line of contact (1994 ceasefire line)"
    assert (props["valid_from"], props["valid_to"]) == ("1994-05-12", "2020-11-10")
    assert "Ceasefire Line 1994" in props["source"]
    assert "qgis-common" in props["source"]
    assert props["accuracy"]


def test_merged_into_one_line_of_79_vertices_and_202_6_km() -> None:
    line = geometry(features("line_of_contact")[0])
    assert isinstance(line, MultiLineString)
    (part,) = line.geoms
    assert len(part.coords) == 79
    assert km(line) == pytest.approx(202.6, rel=0.01)


def test_runs_from_murovdag_to_the_araz() -> None:
    line = geometry(features("line_of_contact")[0])
    assert isinstance(line, MultiLineString)
    (part,) = line.geoms
    assert part.coords[0] == pytest.approx((45.979, 40.224), abs=1e-3)
    assert part.coords[-1] == pytest.approx((47.324, 39.406), abs=1e-3)
