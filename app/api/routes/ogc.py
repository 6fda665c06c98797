"""The landing page, conformance and the OpenAPI 3.0 document."""

from fastapi import APIRouter, Request, Response

from app import formats
from app.api.deps import DocumentFormat, OpenApiFormat
from app.api.openapi import openapi_30
from app.api.render import base_url, respond
from app.core.responses import JSONResponse
from app.schemas.ogc import Conformance, LandingPage
from app.services import collections as service

router = APIRouter(tags=["OGC API - Features"])


@router.get("/", response_model=LandingPage)
def landing_page(request: Request, fmt: DocumentFormat) -> Response:
    """The landing page: links to the API definition, conformance and the collections."""
    return respond(request, service.landing(base_url(request)), fmt, "ogc/landing.html")


@router.get("/conformance", response_model=Conformance)
def conformance(request: Request, fmt: DocumentFormat) -> Response:
    """The conformance classes this service implements."""
    return respond(request, service.conformance(), fmt, "ogc/conformance.html")


@router.get(
    "/api",
    response_class=JSONResponse,
    responses=formats.responses(formats.OPENAPI_DOCUMENT),
)
def api_definition(request: Request, fmt: OpenApiFormat) -> Response:
    """The OpenAPI 3.0 definition of this service."""
    return JSONResponse(openapi_30(request.app), media_type=fmt.media_type)
