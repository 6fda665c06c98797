"""No English left on the Azerbaijani map, its report form and the district page.

The rule (the test's, and the map's): every visible text, aria-label, title and placeholder
is made of the catalogue's Azerbaijani words (app/static/i18n/messages.json, its {slots}
filled), numbers, units and punctuation, codes (SHA, CHA, a zone's Z-0001: upper-case
letters and digits), units (km, km², m), and proper names: the words of the districts', regions' and
settlements' names in the database, the sources' names (conftest.NAMES); the language
switch names each language in its own words. A value the data gives as free text in English (a source, an accuracy note,
an incident's place) is marked translate="no" lang="en" where it is shown, and such a mark
must never hold the map's own words. Anything else is an untranslated string and fails.
Screenshots: artifacts/az-{map,panel,near,district-panel,report,district-page}.png."""

import re
from typing import Any

from sqlalchemy import Engine, text

from tests.browser.conftest import ARTIFACTS, MESSAGES, PHONE, open_map, poll

AZ, EN = MESSAGES["az"], MESSAGES["en"]
SLOT = re.compile(r"\{\w+\}")

# Every visible text node, and the words of the visible elements' attributes, with whether a
# translate="no" mark holds them.
VISIBLE_WORDS = """() => {
    const out = [];
    const shown = (element) => element && element.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
        && element.getClientRects().length > 0;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!node.data.trim() || ["SCRIPT", "STYLE"].includes(parent.tagName) || !shown(parent)) continue;
        out.push({ text: node.data.trim(), data: !!parent.closest("[translate=no]"), where: parent.id || parent.className,
                   language: parent.closest("#lang-switch [lang]")?.lang || null });
    }
    for (const element of document.body.querySelectorAll("[aria-label], [title], [placeholder]")) {
        if (!shown(element)) continue;
        for (const name of ["aria-label", "title", "placeholder"]) {
            const value = element.getAttribute(name);
            if (value && value.trim()) out.push({ text: value.trim(), data: false, where: `${element.id || element.className} @${name}`,
                                                  language: element.closest("#lang-switch [lang]")?.lang || null });
        }
    }
    return out;
}"""


def _fragments(words: dict[str, str]) -> re.Pattern[str]:
    """One pattern for every piece of the catalogue's words between its slots, longest first,
    matched as whole words."""
    pieces = {piece.strip() for value in words.values() for piece in SLOT.split(value)}
    alternatives = [
        (r"(?<!\w)" if piece[0].isalnum() else "")
        + re.escape(piece)
        + (r"(?!\w)" if piece[-1].isalnum() else "")
        for piece in sorted((piece for piece in pieces if piece), key=len, reverse=True)
    ]
    return re.compile("|".join(alternatives))


AZ_WORDS = _fragments(AZ)
# The switch names each language in itself: its name and code from that language's words.
SWITCH_WORDS = {
    lang: _fragments({key: words[key] for key in ("language_name", "language_code")})
    for lang, words in MESSAGES.items()
}
UNITS = {"km", "km²", "m"}
ENGLISH_ONLY = {value for key, value in EN.items() if value != AZ[key] and len(value) > 3}


def untranslated(found: list[dict[str, Any]], names: set[str]) -> list[str]:
    """The texts the rule does not explain, with where they are."""
    wrong = []
    for item in found:
        value = item["text"]
        if item["data"]:
            if value in ENGLISH_ONLY:
                wrong.append(f"map words marked as data: {value!r} ({item['where']})")
            continue
        words = SWITCH_WORDS[item["language"]] if item.get("language") else AZ_WORDS
        rest = words.sub(" ", value)
        for word in re.findall(r"[^\W\d_]+", rest):
            is_code = word.isupper() and len(word) <= 5
            if not is_code and word not in names and word not in UNITS:
                wrong.append(f"{word!r} in {value!r} ({item['where']})")
                break
    return wrong


def _check(page: Any, names: set[str], shot: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot))
    wrong = untranslated(page.evaluate(VISIBLE_WORDS), names)
    assert wrong == [], "\n".join(wrong)


def _zone_point(engine: Engine) -> tuple[float, float]:
    """A point inside the largest zone still contaminated today."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
                "FROM contaminated_zones WHERE released_on IS NULL AND recorded_on <= now() "
                "ORDER BY ST_Area(geom::geography) DESC, id LIMIT 1) AS z"
            )
        ).one()
    return row[0], row[1]


def test_the_rule_catches_english(proper_names: set[str]) -> None:
    """The checker itself: the map's words in English fail, in Azerbaijani they pass."""
    english = [{"text": EN[key], "data": False, "where": key} for key in ("legend", "risk_high")]
    assert len(untranslated(english, proper_names)) == 2
    filled = AZ["km_away"].replace("{km}", "1,5")
    azerbaijani = [
        {"text": AZ["legend"], "data": False, "where": ""},
        {
            "text": f"{filled} · {AZ['zone'].replace('{code}', 'Z-0042')} (SHA)",
            "data": False,
            "where": "",
        },
        {"text": "Ağdam", "data": False, "where": ""},
        {"text": "schematic scenario built from totals", "data": True, "where": ""},
    ]
    assert untranslated(azerbaijani, proper_names) == []
    assert untranslated([{"text": EN["legend"], "data": True, "where": ""}], proper_names)


def test_no_english_on_the_azerbaijani_map(
    server: str, browser: Any, engine: Engine, proper_names: set[str]
) -> None:
    page, errors = open_map(browser, server, PHONE, locale="az-AZ", has_touch=True)
    assert page.evaluate("document.documentElement.lang") == "az"
    _check(page, proper_names, "az-map.png")
    # The panel, its legend and the layers.
    page.locator("#panel-toggle").click()
    page.locator("#legend-toggle").click()
    page.locator("#legend .legend-row").first.wait_for()
    _check(page, proper_names, "az-panel.png")
    # The priorities.
    page.locator("#open-priorities").click()
    page.locator("#priority-rows li").first.wait_for(timeout=20_000)
    page.locator("#priorities summary").click()
    _check(page, proper_names, "az-priorities.png")
    page.locator("#priorities .close").click()
    page.locator("#panel-toggle").click()  # folded, so that the tap reaches the map
    # A tap inside a zone: the near answer and what the map shows there.
    lon, lat = _zone_point(engine)
    page.evaluate("([lon, lat]) => Contamap.map.jumpTo({center: [lon, lat], zoom: 13})", [lon, lat])
    poll(page, "Contamap.map.loaded() && !Contamap.map.isMoving()", "the map never settled", 100)
    page.touchscreen.tap(PHONE["width"] / 2, 300)
    page.locator("#near-panel .near-headline").wait_for(timeout=10_000)
    page.locator("#near-panel .contamap-popup").wait_for(timeout=10_000)
    _check(page, proper_names, "az-near.png")
    # The district panel, its figures and its chart.
    page.locator("#near-panel .open-district").click()
    page.locator("#district-figures table").wait_for(timeout=10_000)
    poll(page, "Contamap.districtChart !== null", "no chart")
    _check(page, proper_names, "az-district-panel.png")
    page.locator("#district-panel .close").click()
    page.locator("#near-panel .close").click()
    # The report form.
    page.locator("#report-open").click()
    page.locator("#report-panel").wait_for(state="visible")
    _check(page, proper_names, "az-report.png")
    assert errors == []
    page.close()


def test_no_english_on_the_azerbaijani_district_page(
    server: str, browser: Any, engine: Engine, proper_names: set[str]
) -> None:
    with engine.connect() as conn:
        district = conn.execute(text("SELECT id FROM districts WHERE name = 'Aghdam'")).scalar_one()
    page = browser.new_page(viewport=PHONE, locale="az-AZ")
    page.goto(f"{server}/stats/districts/{district}?f=html", wait_until="load")
    poll(page, "document.querySelectorAll('#district-items tr').length > 1", "no items table")
    poll(page, "window.districtChart !== undefined", "no chart")
    assert page.evaluate("document.documentElement.lang") == "az"
    _check(page, proper_names, "az-district-page.png")
    page.close()


def test_the_switch_is_remembered_by_the_map_and_the_pages(
    server: str, browser: Any, engine: Engine
) -> None:
    """A browser in English switched to Azerbaijani: the map changes at once, and the choice
    holds for the next visit (localStorage) and the server's pages (the cookie)."""
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.goto(f"{server}/map", wait_until="load")
    poll(page, "window.Contamap && Contamap.ready === true", "never ready")
    assert page.inner_text("#report-open") == EN["report_open"]
    page.locator("#lang-switch [lang=az]").click()
    assert page.inner_text("#report-open") == AZ["report_open"]
    assert page.locator("#legend h2").first.inner_text() == AZ["legend_share"]
    assert page.locator("#lang-switch [lang=az]").get_attribute("aria-pressed") == "true"
    page.reload(wait_until="load")
    poll(page, "window.Contamap && Contamap.ready === true", "never ready")
    assert page.inner_text("#report-open") == AZ["report_open"]
    with engine.connect() as conn:
        district = conn.execute(text("SELECT min(id) FROM districts")).scalar_one()
    page.goto(f"{server}/stats/districts/{district}?f=html", wait_until="load")
    assert page.evaluate("document.documentElement.lang") == "az"
    assert AZ["by_year"] in page.inner_text("main")
    context.close()
