"""The CRS a client names for an uploaded file: an EPSG code PROJ knows, else a 400."""

import pytest
from pyproj import CRS

from app.crs import source_crs
from app.errors import InvalidParameterValue


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("EPSG:32638", "EPSG:32638"),
        ("epsg:4326", "EPSG:4326"),
        (" EPSG:3857 ", "EPSG:3857"),
        ("http://www.opengis.net/def/crs/EPSG/0/32639", "EPSG:32639"),
        ("<https://www.opengis.net/def/crs/EPSG/0/4326>", "EPSG:4326"),
        ("CRS84", "OGC:CRS84"),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "OGC:CRS84"),
        (None, None),
        ("", None),
    ],
)
def test_a_known_crs_is_given_as_an_epsg_code(given: str | None, expected: str | None) -> None:
    assert source_crs(given) == expected
    if expected is not None:
        assert CRS.from_user_input(expected).name  # what geopandas is handed, PROJ reads


@pytest.mark.parametrize(
    "given",
    [
        "EPSG:99999",
        "nonsense",
        "EPSG:",
        "EPSG:4326x",
        "+init=epsg:4326",
        "+proj=longlat",
        "/etc/passwd",
    ],
)
def test_an_unknown_crs_is_a_400_that_says_what_to_give(given: str) -> None:
    with pytest.raises(InvalidParameterValue, match="EPSG:32638"):
        source_crs(given)
