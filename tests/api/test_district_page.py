"""The district's HTML page: its table and its chart cover the same years, and its counts are
written as a reader expects ("1 settlement, 39,451 people", never "1, 39451 people")."""

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

AS_OF = "2025-06-30"


def _page(client: TestClient, name: str) -> tuple[str, dict[str, Any]]:
    found = client.get("/collections/districts/items", params={"name": name}).json()
    district_id = found["features"][0]["id"]
    params = {"as_of": AS_OF}
    page = client.get(
        f"/stats/districts/{district_id}", params=params, headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    return page.text, client.get(f"/stats/districts/{district_id}", params=params).json()


def test_the_table_and_the_chart_cover_the_same_years(client: TestClient) -> None:
    page, figures = _page(client, "Aghdam")
    chart = re.search(r'data-timeseries="([^"]+)"', page)
    assert chart is not None
    query = parse_qs(urlsplit(chart.group(1).replace("&amp;", "&")).query)
    table_years = [int(year) for year in re.findall(r"<tr><td>(\d{4})</td>", page)]
    # The chart's years: from 2020 (no release or incident before it here) to as_of's year.
    assert (query["from"], query["to"]) == (["2020"], ["2025"])
    assert table_years == list(range(2020, 2026))
    # The years the JSON lists keep their values; those before its first are zeros.
    listed = {row["year"]: row for row in figures["years"]}
    assert min(listed) > 2020  # the case the page used to get wrong: the JSON starts later
    for year in range(2020, min(listed)):
        assert f"<tr><td>{year}</td><td>0.0</td><td>0</td><td>0</td><td>0</td></tr>" in page


def test_settlements_and_people_are_written_as_numbers(client: TestClient) -> None:
    page, figures = _page(client, "Aghdam")
    settlements = figures["settlements_near_contamination"]
    people = figures["population_near_contamination"]
    assert isinstance(settlements, int) and isinstance(people, int) and people >= 1000
    noun = "settlement" if settlements == 1 else "settlements"
    assert people < 1_000_000
    thousands = f"{people // 1000},{people % 1000:03d}"
    assert f"{settlements} {noun}, {thousands} people" in page
    assert f"{settlements}, {people} people" not in page
