"""GET /map: the web map, a MapLibre page that reads the public API; and its background."""

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from app.api.deps import ANY_PARAMETER
from app.api.render import base_url, templates
from app.services import basemap
from app.services.accounts import SESSION_COOKIE

router = APIRouter(tags=["Map"])


@router.get("/map", response_class=HTMLResponse, dependencies=[Depends(ANY_PARAMETER)])
def get_map(request: Request) -> HTMLResponse:
    """The web map: districts, contaminated zones, the former line of contact, incidents and
    settlements over the neighbouring countries."""
    # Whether to ask /auth/me who is signed in: a signed-out page asks nothing (no 401 logged).
    session = SESSION_COOKIE in request.cookies
    html = templates.get_template("map.html").render(
        request=request,
        base=base_url(request),
        session=session,
        sso=request.app.state.oidc is not None,  # single sign-on is configured
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/map/countries.geojson", response_class=Response)
def get_countries() -> Response:
    """The neighbouring countries (Natural Earth, public domain), drawn under the districts."""
    return Response(basemap.countries(), media_type="application/geo+json")
