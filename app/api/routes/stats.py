"""GET /stats/...: contamination statistics for planners (reads only: writes refresh them)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from app import formats
from app.api.caching import figures
from app.api.deps import (
    AsOfDep,
    FiguresFormat,
    FiguresPageFormat,
    SessionDep,
    SortbyQuery,
    ZoneFilterDep,
    in_session,
    one_statement,
    parse_sortby,
)
from app.api.render import base_url, respond
from app.catalog import HazardClass, RiskLevel
from app.formats import Format
from app.schemas.places import Near
from app.schemas.planning import Priorities, Weights
from app.schemas.stats import (
    DistrictDetail,
    DistrictList,
    DistrictStats,
    LineOfContactStats,
    Summary,
    Timeseries,
)
from app.services import exports, places, planning, stats, stats_line, stats_output

router = APIRouter(prefix="/stats", tags=["Statistics"])
SORTABLE = tuple(name for name in DistrictStats.model_fields if name not in ("code", "kind"))


NearKm = Annotated[
    float,
    Query(
        gt=0,
        le=50,
        description="settlements within this many km of a contaminated zone count as near it",
    ),
]


@router.get("/summary", response_model=Summary)
@one_statement
async def get_summary(
    request: Request,
    session: SessionDep,
    as_of: AsOfDep,
    filters: ZoneFilterDep,
    near_km: NearKm = stats.NEAR_KM,
) -> Response:
    """National figures: territory, contaminated and released area, casualties, settlements
    and people near contamination, sources."""
    return await figures(request, session, lambda: stats.summary(session, as_of, filters, near_km))


@router.get(
    "/districts",
    response_model=DistrictList,
    responses=formats.responses(formats.FIGURES),
)
@one_statement
async def get_districts(
    request: Request,
    session: SessionDep,
    as_of: AsOfDep,
    filters: ZoneFilterDep,
    fmt: FiguresFormat,
    sortby: SortbyQuery = None,
    near_km: NearKm = stats.NEAR_KM,
) -> Response:
    """One row per district; as JSON, CSV or a GeoJSON FeatureCollection for a choropleth."""
    keys = parse_sortby(sortby, SORTABLE)
    return await figures(
        request,
        session,
        lambda: _districts(
            stats_output.districts_in_format(session, as_of, filters, keys, fmt, near_km)
        ),
    )


def _districts(result: DistrictList | stats_output.Rendered) -> DistrictList | Response:
    """The district table as JSON, or as the file it was rendered to, its version in headers."""
    if isinstance(result, stats_output.Rendered):
        headers = {
            "Content-Disposition": f'inline; filename="{result.filename}"',
            # The body has no place for them: the data version and freshness go in headers.
            "X-Data-Version": str(result.freshness.data_version),
            "X-Stale": "true" if result.freshness.stale else "false",
        }
        return Response(result.body, media_type=result.media_type, headers=headers)
    return result


@router.get(
    "/districts/{district_id}",
    response_model=DistrictDetail,
    responses=formats.responses(formats.FIGURES_PAGE),
)
@in_session
def get_district(
    request: Request,
    session: SessionDep,
    district_id: Annotated[int, Path()],
    as_of: AsOfDep,
    filters: ZoneFilterDep,
    fmt: FiguresPageFormat,
    near_km: NearKm = stats.NEAR_KM,
) -> Response:
    """One district's row with breakdowns, incidents and released area per year; as HTML, its
    figures, a chart by year and the GeoPackage to download."""
    detail = stats.district_detail(session, district_id, as_of, filters, near_km)
    return respond(request, detail, fmt, "stats/district.html")


@router.get(
    "/districts/{district_id}/package",
    response_class=FileResponse,
    responses=formats.responses((formats.GPKG,)),
)
@in_session
def get_district_package(
    request: Request, session: SessionDep, district_id: Annotated[int, Path()], as_of: AsOfDep
) -> FileResponse:
    """One district for offline work (QGIS, QField): a GeoPackage with its boundary, zones,
    incidents, settlements and the former line of contact within it, its figures and sources."""
    written = exports.district_package(session, district_id, as_of, base_url(request))
    return FileResponse(
        written.path,
        media_type=written.media_type,
        filename=written.filename,
        background=BackgroundTask(written.folder.cleanup),
    )


@router.get("/line-of-contact", response_model=LineOfContactStats)
@one_statement
async def get_line_of_contact(
    request: Request,
    session: SessionDep,
    as_of: AsOfDep,
    filters: ZoneFilterDep,
    within_km: Annotated[
        float, Query(gt=0, le=100, description="distance from the line, (0, 100] km")
    ] = 2.0,
) -> Response:
    """Contaminated area and incidents within a distance of the former line, on each side."""
    return await figures(
        request,
        session,
        lambda: stats_line.line_of_contact(session, within_km, as_of, filters),
    )


@router.get("/timeseries", response_model=Timeseries)
@one_statement
async def get_timeseries(
    request: Request,
    session: SessionDep,
    filters: ZoneFilterDep,
    first: Annotated[int, Query(alias="from", ge=1990, le=2100, description="first year")] = 2020,
    last: Annotated[
        int | None, Query(alias="to", ge=1990, le=2100, description="last year")
    ] = None,
    district: Annotated[int | None, Query(description="narrow to one district id")] = None,
) -> Response:
    """Per year: contaminated area at year end, area released, incidents and casualties."""
    return await figures(
        request,
        session,
        lambda: stats.timeseries(session, first, last or date.today().year, district, filters),
    )


@router.get(
    "/priorities",
    response_model=Priorities,
    responses=formats.responses(formats.FIGURES),
)
@one_statement
async def get_priorities(
    request: Request,
    session: SessionDep,
    as_of: AsOfDep,
    weights_: Annotated[Weights, Query()],
    fmt: FiguresFormat,
    near_km: NearKm = stats.NEAR_KM,
    incident_years: Annotated[
        int, Query(ge=1, le=50, description="incidents of this many years before as_of count")
    ] = 5,
    district: Annotated[int | None, Query(description="only zones in this district id")] = None,
    risk_level: Annotated[RiskLevel | None, Query(description="only zones of this risk")] = None,
    hazard_class: Annotated[HazardClass | None, Query(description="SHA or CHA only")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="zones per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="zones to skip")] = 0,
) -> Response:
    """Zones counted as contaminated on as_of, ranked by a documented, re-weightable score:
    people and settlements near, recent incidents, closeness, risk, smallness. A decision aid."""
    filters = {
        "district": district,
        "risk_level": risk_level,
        "hazard_class": hazard_class,
    }

    def ranked() -> Priorities | Response:
        result = planning.priorities(
            session, as_of, near_km, incident_years, weights_, filters, limit, offset
        )
        return _priorities(session, result, fmt)

    return await figures(request, session, ranked)


def _priorities(session: Session, result: Priorities, fmt: Format) -> Priorities | Response:
    """The ranked zones as JSON, CSV or GeoJSON."""
    if fmt == formats.CSV:
        return Response(
            planning.as_csv(result),
            media_type=fmt.media_type,
            headers={"Content-Disposition": f'inline; filename="priorities.{fmt.extension}"'},
        )
    if fmt == formats.FIGURES_GEOJSON:
        return Response(planning.as_geojson(session, result), media_type=fmt.media_type)
    return result


@router.get("/near", response_model=Near)
@in_session
def get_near(
    session: SessionDep,
    as_of: AsOfDep,
    filters: ZoneFilterDep,
    lon: Annotated[float, Query(ge=-180, le=180, description="longitude, WGS 84")],
    lat: Annotated[float, Query(ge=-90, le=90, description="latitude, WGS 84")],
    within_km: Annotated[
        float, Query(gt=0, le=50, description="list the zones and incidents this near")
    ] = 5.0,
) -> Near:
    """How close is the danger to this place: the nearest zone counted as contaminated and its
    distance (geodesic), the zones and incidents within 1, 2 and 5 km, the district's figures,
    and what to do. The map is not a guarantee of safety; the answer says so."""
    return places.near(session, lon, lat, within_km, as_of, filters)
