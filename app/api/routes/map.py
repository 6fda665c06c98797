"""GET /map: the web map, a MapLibre page that reads the public API; and its background."""

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from app.api.deps import ANY_PARAMETER
from app.api.render import base_url, templates
from app.services import basemap

router = APIRouter(tags=["Map"])


@router.get("/map", response_class=HTMLResponse, dependencies=[Depends(ANY_PARAMETER)])
def get_map(request: Request) -> HTMLResponse:
    """The web map: districts, contaminated zones, the former line of contact, incidents and
    settlements over the neighbouring countries."""
    html = templates.get_template("map.html").render(request=request, base=base_url(request))
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/map/countries.geojson", response_class=Response)
def get_countries() -> Response:
    """The neighbouring countries (Natural Earth, public domain), drawn under the districts."""
    return Response(basemap.countries(), media_type="application/geo+json")
