"""The landing page, conformance and the OpenAPI 3.0 document."""

from fastapi import APIRouter, Request, Response

from app.api.openapi import openapi_30
from app.api.params import negotiate_format, reject_unknown
from app.api.render import base_url, respond
from app.core.responses import JSONResponse
from app.schemas.ogc import Conformance, LandingPage
from app.services import collections as service

router = APIRouter(tags=["OGC API - Features"])
JSON_OR_HTML = ("json", "html")


@router.get("/", response_model=LandingPage)
def landing_page(request: Request) -> Response:
    """The landing page: links to the API definition, conformance and the collections."""
    reject_unknown(request, {"f"})
    fmt = negotiate_format(request, JSON_OR_HTML)
    return respond(request, service.landing(base_url(request)), fmt, "ogc/landing.html")


@router.get("/conformance", response_model=Conformance)
def conformance(request: Request) -> Response:
    """The conformance classes this service implements."""
    reject_unknown(request, {"f"})
    fmt = negotiate_format(request, JSON_OR_HTML)
    return respond(request, service.conformance(), fmt, "ogc/conformance.html")


@router.get("/api", response_class=JSONResponse)
def api_definition(request: Request) -> Response:
    """The OpenAPI 3.0 definition of this service."""
    reject_unknown(request, {"f"})
    negotiate_format(request, ("json",))
    return JSONResponse(
        openapi_30(request.app), media_type="application/vnd.oai.openapi+json;version=3.0"
    )
