"""The message catalogue in the server-rendered pages: ``t(key, **values)`` and ``lang``.

Templates call ``{{ t("area") }}``; the language is the request's (the map's remembered
switch, else Accept-Language), worked out once per request and kept on its state.
"""

import re
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app.core import i18n

SLOT = re.compile(r"\{(\w+)\}")


def language(request: Request) -> str:
    """The request's language, chosen once."""
    lang: str | None = getattr(request.state, "lang", None)
    if lang is None:
        lang = i18n.choose(request.headers.get("accept-language"), request.cookies.get(i18n.COOKIE))
        request.state.lang = lang
    return lang


@pass_context
def _translate(context: Context, key: str, **values: Any) -> Markup:
    """The message escaped, its slots filled with the values escaped (markup, such as a link
    built in the template, goes in as it is)."""
    words = i18n.message(language(context["request"]), key)
    parts = SLOT.split(words)  # text, name, text, name, ..., text
    return Markup("").join(
        escape(values.get(part, "{" + part + "}")) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


@pass_context
def _lang(context: Context) -> str:
    return language(context["request"])


def install(templates: Jinja2Templates) -> None:
    """Give every template ``t(key, **values)`` and ``page_lang()``."""
    templates.env.globals["t"] = _translate
    templates.env.globals["page_lang"] = _lang
