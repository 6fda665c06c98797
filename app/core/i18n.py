"""The one message catalogue (app/static/i18n/messages.json) and the choice of its language.

The web map reads the same file in the browser; the server-rendered pages and /stats/near read
it here. A person's choice (the map's switch, remembered in the ``contamap_lang`` cookie) wins
over the browser's Accept-Language; English is the fallback, and a key missing in a language
falls back to its English words.
"""

from functools import cache
from pathlib import Path

import orjson

MESSAGES = Path(__file__).resolve().parents[1] / "static" / "i18n" / "messages.json"
FALLBACK = "en"
COOKIE = "contamap_lang"  # set by the map's language switch (app/static/map/i18n.js)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every language's messages, each filled up with the English of the keys it lacks."""
    messages: dict[str, dict[str, str]] = orjson.loads(MESSAGES.read_bytes())
    english = messages[FALLBACK]
    return {lang: english | words for lang, words in messages.items()}


def languages() -> tuple[str, ...]:
    """The catalogue's languages, English first."""
    return tuple(catalogue())


def _accepted(header: str) -> list[str]:
    """The primary language tags of an Accept-Language header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.split("-")[0].strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def choose(accept_language: str | None, cookie: str | None) -> str:
    """The language of a page: the remembered choice, else the first the browser accepts."""
    known = languages()
    if cookie in known:
        return cookie
    for tag in _accepted(accept_language or ""):
        if tag in known:
            return tag
    return FALLBACK


def message(lang: str, key: str, **values: object) -> str:
    """A message with its {name} slots filled; the key itself when the catalogue lacks it."""
    words = catalogue().get(lang, catalogue()[FALLBACK]).get(key, key)
    for name, value in values.items():
        words = words.replace("{" + name + "}", str(value))
    return words
