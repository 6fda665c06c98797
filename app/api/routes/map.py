"""GET /map: the web map, a MapLibre page that reads the public API."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from app.api.deps import any_parameter
from app.api.render import base_url, templates

router = APIRouter(tags=["Map"])


@router.get("/map", response_class=HTMLResponse, dependencies=[Depends(any_parameter)])
def get_map(request: Request) -> HTMLResponse:
    """The web map: districts, contaminated zones, the former line of contact and incidents."""
    html = templates.get_template("map.html").render(request=request, base=base_url(request))
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})
