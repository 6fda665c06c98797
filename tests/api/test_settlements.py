"""The settlements collection: every place of the bundled file, with its district computed."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

DATA = Path(__file__).resolve().parents[2] / "geodata" / "data" / "settlements.geojson"


def _served(client: TestClient) -> dict[int, dict[str, object]]:
    body = client.get("/collections/settlements/items", params={"limit": 1000}).json()
    return {
        feature["properties"]["geonames_id"]: feature["properties"] for feature in body["features"]
    }


def test_every_place_of_the_file_is_served_with_its_id_and_population(client: TestClient) -> None:
    places = {
        feature["properties"]["geonames_id"]: feature["properties"]
        for feature in json.loads(DATA.read_text())["features"]
    }
    served = _served(client)
    assert len(places) == 187 and served.keys() == places.keys()
    for geonames_id, place in places.items():
        assert served[geonames_id]["population"] == place["population"]
        assert served[geonames_id]["name"] == place["name"]


@pytest.mark.parametrize(
    ("name_az", "districts"),
    [
        ("Şuşa", {"Shusha", "Shusha city"}),
        ("Laçın", {"Lachin"}),
        ("Füzuli", {"Fuzuli"}),
        ("Ağdam", {"Aghdam"}),
        ("Bakı", {"Baku"}),
    ],
)
def test_well_known_towns_are_in_their_district(
    client: TestClient, name_az: str, districts: set[str]
) -> None:
    response = client.get("/collections/settlements/items", params={"name_az": name_az})
    (feature,) = response.json()["features"]
    assert feature["properties"]["district"] in districts


def test_settlements_are_in_the_tiles_and_the_catalogue(client: TestClient) -> None:
    tilejson = client.get("/tiles/WebMercatorQuad/tilejson.json").json()
    fields = next(layer for layer in tilejson["vector_layers"] if layer["id"] == "settlements")
    assert fields["fields"]["population"] == "Number"
    queryables = client.get("/collections/settlements/queryables").json()["properties"]
    assert queryables["alternate_names"] == {
        "title": "alternate_names",
        "description": "other names and spellings, for search",
        "type": "array",
        "items": {"type": "string"},
    }
