"""sources.json records each source's checksum, a fixed build date and the scenario totals."""

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
    for source in sources:
        assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
        assert "public domain" in source["licence"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record()["build_date"])


def test_achieved_totals_are_recorded_beside_the_published_targets() -> None:
    scenario = record()["scenario"]
    assert scenario["source"] == "schematic"
    achieved, targets = scenario["achieved"], scenario["published_targets"]
    assert targets["union_km2"] == 11_667.02
    assert achieved["union_km2"] == pytest.approx(targets["union_km2"], rel=0.005)
    assert achieved["by_risk_level_km2"]["high"] == pytest.approx(2_118, rel=0.005)
    for day, published in targets["released_cumulative_km2"].items():
        assert achieved["released_cumulative_km2"][day] == pytest.approx(published, rel=0.005)
