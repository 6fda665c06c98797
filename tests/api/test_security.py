"""Hostile or careless requests: a forged Host, headers on every page, 405, odd parameters."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

HTML_PAGES = [
    "/",
    "/collections",
    "/collections/districts",
    "/collections/districts/queryables",
    "/collections/districts/items?limit=2",
    "/collections/districts/items/1",
    "/conformance",
    "/map",
    "/docs",
    "/redoc",
]


def _counts(client: TestClient) -> dict[str, int]:
    layers: dict[str, int] = client.get("/health").json()["layers"]
    return layers


def test_a_forged_host_is_refused_and_never_reaches_a_link(client: TestClient) -> None:
    for path in ("/map", "/collections", "/tiles/WebMercatorQuad/tilejson.json"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400
        assert response.json()["code"] == "InvalidHost"
        assert "evil.example" not in response.headers.get("location", "")


def test_the_public_url_decides_every_link(database_url: str, engine: Any) -> None:
    settings = Settings(  # type: ignore[call-arg]
        environment="test",
        database_url=database_url,
        public_url="https://mines.example.az/contamap",
        forwarded_allow_ips="*",
    )
    with TestClient(create_app(settings)) as client:
        headers = {"X-Forwarded-Host": "localhost", "X-Forwarded-Proto": "http"}
        body = client.get("/collections", headers=headers).json()
        page = client.get("/map").text
    assert body["links"][0]["href"] == "https://mines.example.az/contamap/collections"
    assert 'src="https://mines.example.az/contamap/static/map/map.js"' in page


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_page_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self' 'nonce-" in policy and "unsafe-eval" not in policy
    assert "worker-src 'self' blob:" in policy  # MapLibre's workers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    for inline in re.findall(r"<(?:script|style)(?![^>]*\bsrc=)[^>]*>", response.text):
        assert f'nonce="{nonce.group(1)}"' in inline, inline  # every inline block is allowed
    assert "cdn." not in response.text and "unpkg" not in response.text


def test_json_and_errors_are_nosniff_too(client: TestClient) -> None:
    for path in ("/collections", "/collections/nosuch", "/stats/summary?as_of=nope"):
        assert client.get(path).headers["x-content-type-options"] == "nosniff"


def test_a_wrong_method_is_a_405_that_says_what_is_allowed(client: TestClient) -> None:
    response = client.delete("/collections")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    items = client.put("/collections/districts/items", json={})
    assert items.status_code == 405
    assert items.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.json()["code"] == "HTTPError"


def test_hostile_parameters_get_a_4xx_and_change_nothing(client: TestClient) -> None:
    before = _counts(client)
    many = ",".join(["name"] * 60 + ["code"] * 60)  # PostgreSQL takes 100 arguments at most
    response = client.get("/collections/districts/items", params={"properties": many})
    assert response.status_code == 200
    assert set(response.json()["features"][0]["properties"]) == {"name", "code"}
    bad = [
        "/collections/districts/items?limit=1&limit=2",
        "/collections/districts/items?bbox=40,30,10,50,40,0",  # min z above max z
        "/collections/districts/items?offset=1000000001",
        "/collections/districts/items?properties=name,nosuch",
        "/collections/districts/items?datetime=2024-02-30",
    ]
    for url in bad:
        answer = client.get(url)
        assert answer.status_code == 400, url
        assert answer.json()["description"], url
    assert _counts(client) == before


def test_openapi_json_is_the_same_3_0_document_as_api(client: TestClient) -> None:
    api, plain = client.get("/api").json(), client.get("/openapi.json").json()
    assert api == plain and api["openapi"] == "3.0.3"
