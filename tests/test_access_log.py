"""The access log keeps no position and no key: tiles near someone, keys in a query string."""

import logging

import pytest

from app.core.logging import WithholdPositions

KEY = "cmk_12_" + "A" * 43


def logged(path: str) -> str:
    """The access-log line uvicorn writes for a GET of ``path``, after the filter."""
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", path, "1.1", 200), None,
    )  # fmt: skip
    assert WithholdPositions().filter(record)
    return record.getMessage()


@pytest.mark.parametrize(
    ("path", "kept", "gone"),
    [
        # z13 around a user at 46.75, 39.76: row 3108, column 5159 (worked out by hand:
        # x = (46.75 + 180) / 360 * 2**13, y from the Mercator formula).
        ("/tiles/WebMercatorQuad/13/3108/5159", "/tiles/WebMercatorQuad/13/…/…", "5159"),
        (
            "/collections/incidents/tiles/WebMercatorQuad/15/12265/20638?risk_level=high",
            "/collections/incidents/tiles/WebMercatorQuad/15/…/…?risk_level=high",
            "12265",
        ),
        ("/tiles/WebMercatorQuad/10/383/644", "/tiles/WebMercatorQuad/10/…/…", "383"),
    ],
)
def test_a_tile_at_high_zoom_loses_its_column_and_row(path: str, kept: str, gone: str) -> None:
    line = logged(path)
    assert kept in line and gone not in line


def test_a_tile_at_low_zoom_is_logged_whole() -> None:
    assert "/tiles/WebMercatorQuad/7/47/80 " in logged("/tiles/WebMercatorQuad/7/47/80")


@pytest.mark.parametrize(
    "path",
    [
        f"/collections/contaminated_zones/items?key={KEY}",
        f"/collections/contaminated_zones/items?f=json&api_key={KEY}&limit=2",
        "/collections/contaminated_zones/items?access_token=abcdef&limit=2",
        f"/collections/{KEY}/items",
    ],
)
def test_a_key_in_the_query_string_is_masked(path: str) -> None:
    line = logged(path)
    assert KEY not in line and "AAAA" not in line and "abcdef" not in line
    assert "/collections/" in line


def test_the_rest_of_the_query_string_is_kept() -> None:
    line = logged(f"/collections/zones/items?f=json&api_key={KEY}&limit=2")
    assert "/collections/zones/items?f=json&api_key=…&limit=2 " in line
