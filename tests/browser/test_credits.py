"""The map credits its sources where a reader sees them: GeoNames (whose CC BY 4.0 licence
asks for it) and Natural Earth, on a phone's first screen and still after the map is dragged,
and on a desktop. Screenshot: artifacts/phone-credits.png."""

from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE, open_map

# The credit's box and text, and the link to the licence.
CREDIT = """() => {
    const credit = document.querySelector(".maplibregl-ctrl-attrib");
    const box = credit.getBoundingClientRect();
    const licence = [...credit.querySelectorAll("a")]
        .some((a) => a.href === "https://creativecommons.org/licenses/by/4.0/");
    return { text: credit.innerText, top: box.top, bottom: box.bottom, left: box.left,
             right: box.right, licence, visible: credit.checkVisibility() };
}"""


def _assert_credited(page: Any, viewport: dict[str, int]) -> None:
    credit = page.evaluate(CREDIT)
    assert "GeoNames" in credit["text"] and "Natural Earth" in credit["text"], credit
    assert credit["licence"] and credit["visible"]
    # Inside the first screen, not folded to a button or pushed below it.
    assert 0 <= credit["top"] < credit["bottom"] <= viewport["height"]
    assert 0 <= credit["left"] < credit["right"] <= viewport["width"]
    assert credit["bottom"] - credit["top"] > 10  # at least a line of text, not a bare icon


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_first_screen_credits_geonames(
    server: str, browser: Any, viewport: dict[str, int]
) -> None:
    touch = {"has_touch": True, "is_mobile": True} if viewport is PHONE else {}
    page, errors = open_map(browser, server, viewport, **touch)
    _assert_credited(page, viewport)
    if viewport is PHONE:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phone-credits.png"))
    # MapLibre folds a compact credit once the map is dragged: this one stays.
    page.mouse.move(200, 400)
    page.mouse.down()
    page.mouse.move(120, 300, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    _assert_credited(page, viewport)
    assert not errors
    page.close()
