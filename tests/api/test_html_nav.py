"""Every link of the HTML pages' header leads to a page a browser shows, not to raw JSON."""

import re

from fastapi.testclient import TestClient

BROWSER = {"Accept": "text/html,application/xhtml+xml"}


def test_every_header_link_opens_an_html_page(client: TestClient) -> None:
    landing = client.get("/", headers=BROWSER)
    header = re.search(r"<header>(.*?)</header>", landing.text, re.S)
    assert header is not None
    links = {title: href for href, title in re.findall(r'<a href="([^"]+)">([^<]+)</a>', header[1])}
    assert "Statistics" in links
    for title, href in links.items():
        answer = client.get(href.split("#")[0], headers=BROWSER)
        assert answer.status_code == 200, title
        assert answer.headers["content-type"].startswith("text/html"), title
