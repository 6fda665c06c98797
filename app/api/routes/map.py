"""GET /map: the web map, a MapLibre page that reads the public API."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

router = APIRouter(tags=["Map"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")


@router.get("/map", response_class=HTMLResponse)
def get_map(request: Request) -> HTMLResponse:
    """The web map: districts, contaminated zones, the former line of contact and incidents."""
    # Rendered here rather than by TemplateResponse, whose debug message upsets body middleware.
    html = templates.get_template("map.html").render(request=request)
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})
