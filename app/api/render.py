"""Responses in the negotiated format: JSON, or an HTML page of the same resource."""

from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from app.core.responses import JSONResponse

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")


def base_url(request: Request) -> str:
    """The service's public root URL, honouring X-Forwarded-Proto/-Host/-Prefix from a proxy."""
    headers = request.headers
    proto = headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    host = headers.get("x-forwarded-host", headers.get("host", request.url.netloc))
    prefix = headers.get("x-forwarded-prefix", "").rstrip("/")
    return f"{proto}://{host.split(',')[0].strip()}{prefix}{request.scope.get('root_path', '')}"


def own_url(request: Request) -> str:
    """This request's public URL without its query string."""
    return f"{base_url(request)}{request.url.path}"


def respond(
    request: Request,
    resource: BaseModel | dict[str, Any],
    fmt: str,
    template: str,
    media_type: str = "application/json",
    **context: Any,
) -> Response:
    """The resource as JSON, or rendered with ``template`` for a browser."""
    data = (
        resource.model_dump(mode="json", by_alias=True, exclude_none=True)
        if isinstance(resource, BaseModel)
        else resource
    )
    if fmt == "html":
        return templates.TemplateResponse(
            request, template, {"data": data, "base": base_url(request), **context}
        )
    return JSONResponse(data, media_type=media_type)
