"""Responses in the negotiated format: JSON, or an HTML page of the same resource."""

import re
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from app.api import i18n
from app.api.security import host_allowed
from app.core.responses import JSONResponse
from app.formats import Format

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
i18n.install(templates)
# An HTML page is in the language of the cookie or of Accept-Language.
HTML_VARY = {"Vary": "Accept, Accept-Language, Cookie"}


HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")


def _trusted(request: Request) -> bool:
    allowed = request.app.state.settings.forwarded_allow_ips
    client = request.client.host if request.client else ""
    return allowed == "*" or client in {ip.strip() for ip in allowed.split(",")}


def base_url(request: Request) -> str:
    """The public root URL: CONTAMAP_PUBLIC_URL when set; else from the request's Host, which
    the security middleware allowed, and X-Forwarded-Proto/-Host/-Prefix from trusted proxies
    only, the forwarded host only when it is allowed too.

    Every part is checked against a strict pattern, so a header cannot inject a scheme or
    markup into the links of a cached page.
    """
    settings = request.app.state.settings
    if settings.public_url is not None:
        return str(settings.public_url).rstrip("/") + str(request.scope.get("root_path", ""))
    headers = request.headers
    proto, host, prefix = request.url.scheme, headers.get("host", ""), ""
    if _trusted(request):
        proto = headers.get("x-forwarded-proto", proto).split(",")[0].strip().lower()
        forwarded = headers.get("x-forwarded-host", host).split(",")[0].strip()
        host = forwarded if host_allowed(forwarded, settings.allowed_hosts) else host
        prefix = headers.get("x-forwarded-prefix", "").rstrip("/")
    if proto not in ("http", "https"):
        proto = request.url.scheme
    if not HOST.fullmatch(host):
        host = request.url.netloc if HOST.fullmatch(request.url.netloc) else "localhost"
    if not PREFIX.fullmatch(prefix):
        prefix = ""
    return f"{proto}://{host}{prefix}{request.scope.get('root_path', '')}"


def own_url(request: Request) -> str:
    """This request's public URL without its query string."""
    return f"{base_url(request)}{request.url.path}"


def respond(
    request: Request,
    resource: BaseModel | dict[str, Any],
    fmt: Format,
    template: str,
    **context: Any,
) -> Response:
    """The resource as JSON, or rendered with ``template`` for a browser."""
    data = (
        resource.model_dump(mode="json", by_alias=True, exclude_none=True)
        if isinstance(resource, BaseModel)
        else resource
    )
    if fmt.kind == "html":
        return templates.TemplateResponse(
            request,
            template,
            {"data": data, "base": base_url(request), **context},
            headers=HTML_VARY,
        )
    return JSONResponse(data, media_type=fmt.media_type)
