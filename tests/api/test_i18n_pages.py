"""The server-rendered pages speak the reader's language, from the one message catalogue: the
remembered choice (the map's cookie) first, then Accept-Language, then English."""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.i18n import COOKIE, choose

MESSAGES = json.loads(
    (Path(__file__).resolve().parents[2] / "app/static/i18n/messages.json").read_text("utf-8")
)
AZ, EN = MESSAGES["az"], MESSAGES["en"]


@pytest.mark.parametrize(
    ("header", "cookie", "lang"),
    [
        ("az-AZ,az;q=0.9,en;q=0.8", None, "az"),
        ("en-GB,en;q=0.9,az;q=0.8", None, "en"),
        ("ru-RU,ru;q=0.9,az;q=0.5", None, "az"),  # no Russian: the next one the browser takes
        ("en;q=0.2,az;q=0.9", None, "az"),  # by quality, not by order
        ("az;q=0", None, "en"),  # q=0 means "not this one"
        ("fr", None, "en"),
        (None, None, "en"),
        ("en", "az", "az"),  # the switch wins over the browser
        ("az", "xx", "az"),  # an unknown cookie is ignored
        ("az;q=nonsense,en", None, "en"),
    ],
)
def test_the_language_of_a_page(header: str | None, cookie: str | None, lang: str) -> None:
    assert choose(header, cookie) == lang


class _Text(HTMLParser):
    """The page's text outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip += tag in ("script", "style", "title")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style", "title")

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def _district_page(client: TestClient, **headers: str) -> str:
    found = client.get("/collections/districts/items", params={"name": "Aghdam"}).json()
    district_id = found["features"][0]["id"]
    page = client.get(
        f"/stats/districts/{district_id}",
        params={"as_of": "2025-06-30"},
        headers={"Accept": "text/html", **headers},
    )
    assert page.status_code == 200
    assert "Accept-Language" in page.headers["Vary"]
    return page.text


def test_the_district_page_in_azerbaijani(client: TestClient) -> None:
    page = _district_page(client, **{"Accept-Language": "az-AZ,az;q=0.9"})
    assert '<html lang="az">' in page
    for key in ("area", "by_year", "operations_title", "released_by_kind", "items_found"):
        assert AZ[key] in page, key
    assert f">{AZ['download_package_link']}</a>" in page  # the link inside its sentence
    parser = _Text()
    parser.feed(page)
    text = " ".join(parser.parts)
    english_only = {
        key: words
        for key, words in EN.items()
        if words != AZ[key] and len(words) > 3 and not key.startswith(("country_", "language"))
    }
    leftover = [words for words in english_only.values() if f" {words} " in f" {text} "]
    assert leftover == []


def test_the_cookie_of_the_switch_beats_accept_language(client: TestClient) -> None:
    client.cookies.set(COOKIE, "az")
    try:
        page = _district_page(client, **{"Accept-Language": "en"})
    finally:
        client.cookies.clear()
    assert '<html lang="az">' in page and AZ["by_year"] in page


def test_the_monthly_report_and_the_collections_in_azerbaijani(client: TestClient) -> None:
    headers = {"Accept": "text/html", "Accept-Language": "az"}
    report = client.get("/reports/monthly/2024-05", headers=headers)
    assert report.status_code == 200
    for key in ("national", "land_released", "per_district", "method"):
        assert f">{AZ[key]}<" in report.text, key
    assert "Mine action: monthly report" not in report.text
    collections = client.get("/collections", headers=headers).text
    assert f"<h1>{AZ['nav_collections']}</h1>" in collections
    assert f">{AZ['map_label']}</a>" in collections  # the chrome's menu
    english = client.get("/collections", headers={"Accept": "text/html"}).text
    assert f"<h1>{EN['nav_collections']}</h1>" in english


def test_words_and_markup_stay_apart(client: TestClient) -> None:
    """A message's slot holds the link the template built; the message's words are escaped."""
    page = _district_page(client)
    assert "See also the <a href=" in page and ">forecast</a> (an extrapolation" in page
