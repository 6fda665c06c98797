"""The API documentation, served from assets installed with the project: nothing off-site."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from app.api.openapi import openapi_30
from app.api.render import base_url, templates
from app.core.responses import JSONResponse

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> Response:
    """Swagger UI on /api."""
    return templates.TemplateResponse(request, "docs.html", {"base": base_url(request)})


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> Response:
    """Redoc on /api."""
    return templates.TemplateResponse(request, "redoc.html", {"base": base_url(request)})


@router.get("/openapi.json")
def openapi_json(request: Request) -> Response:
    """The same OpenAPI 3.0 document as /api, under the name FastAPI clients expect."""
    return JSONResponse(openapi_30(request.app))
