"""Every link that names a media type is answered in that media type; negotiation and the
OpenAPI document name the same formats (app/formats.py)."""

from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.catalog import COLLECTIONS


def _path(href: str) -> str:
    parts = urlsplit(href)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _media(response: Any) -> str:
    return str(response.headers["content-type"]).split(";")[0].strip()


def _walk(client: TestClient, links: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(href, the link's type, the answer's type) of every typed link that goes somewhere."""
    seen = []
    for link in links:
        if "type" not in link or not link["href"].startswith("http://testserver"):
            continue
        response = client.get(_path(link["href"]))
        assert response.status_code == 200, (link, response.text[:200])
        seen.append((link["href"], link["type"], _media(response)))
    return seen


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_every_link_of_a_collection_answers_in_its_media_type(
    client: TestClient, collection_id: str
) -> None:
    collection = client.get(f"/collections/{collection_id}").json()
    seen = _walk(client, collection["links"])
    # The downloads are among them, FlatGeobuf's as its registered type.
    assert ("application/flatgeobuf", "application/flatgeobuf") in {(a, b) for _, a, b in seen}
    assert ("application/geopackage+sqlite3",) * 2 in {(a, b) for _, a, b in seen}
    for href, named, answered in seen:
        assert named == answered, href


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_every_link_of_a_page_and_a_feature_answers_in_its_media_type(
    client: TestClient, collection_id: str
) -> None:
    page = client.get(f"/collections/{collection_id}/items", params={"limit": 2}).json()
    seen = _walk(client, page["links"])
    assert {named for _, named, _ in seen} >= {"application/geo+json", "text/csv", "text/html"}
    feature_id = page["features"][0]["id"]
    feature = client.get(f"/collections/{collection_id}/items/{feature_id}").json()
    seen += _walk(client, feature["links"])
    for href, named, answered in seen:
        assert named == answered, href


def test_landing_page_links_answer_in_their_media_type(client: TestClient) -> None:
    for href, named, answered in _walk(client, client.get("/").json()["links"]):
        assert named == answered, href


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv", "text/csv"),
        ("application/geo+json", "application/geo+json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
    ],
)
def test_the_statistics_negotiate_by_accept_as_the_features_do(
    client: TestClient, accept: str, expected: str
) -> None:
    response = client.get("/stats/districts", headers={"Accept": accept})
    assert response.status_code == 200
    assert _media(response) == expected


def test_a_format_the_route_does_not_offer_is_refused_naming_the_offered_ones(
    client: TestClient,
) -> None:
    response = client.get("/stats/districts", params={"f": "gpkg"})
    assert response.status_code == 400
    assert "json" in response.text and "csv" in response.text


def test_the_openapi_document_lists_each_format_of_the_items(client: TestClient) -> None:
    document = client.get("/api").json()
    content = document["paths"]["/collections/{collectionId}/items"]["get"]["responses"]["200"][
        "content"
    ]
    assert set(content) == {
        "application/geo+json",
        "text/html",
        "text/csv",
        "application/geo+json-seq",
        "application/geopackage+sqlite3",
        "application/flatgeobuf",
    }
    f = next(
        p
        for p in document["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
        if p["name"] == "f"
    )
    assert set(f["schema"]["enum"]) == {"json", "html", "csv", "geojsonseq", "gpkg", "fgb"}
