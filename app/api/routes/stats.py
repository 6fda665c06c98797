"""GET /stats/...: contamination statistics for planners."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from app.api import params
from app.api.deps import SessionDep
from app.schemas.stats import (
    Contamination,
    DistrictDetail,
    DistrictList,
    LineOfContactStats,
    RiskLevel,
    Summary,
    Timeseries,
    ZoneFilter,
    ZoneStatus,
)
from app.services import stats, stats_line, stats_output

router = APIRouter(prefix="/stats", tags=["Statistics"])

FILTERS = frozenset({"as_of", "risk_level", "contamination", "status"})


def reject_unknown(allowed: frozenset[str]) -> Callable[[Request], None]:
    """A dependency that refuses query parameters the endpoint does not know."""

    def check(request: Request) -> None:
        params.reject_unknown(request, set(allowed))

    return check


def zone_filter(
    risk_level: Annotated[RiskLevel | None, Query(description="only zones of this risk")] = None,
    contamination: Annotated[
        Contamination | None, Query(description="only zones with this contamination type")
    ] = None,
    status: Annotated[ZoneStatus | None, Query(description="only zones with this status")] = None,
) -> ZoneFilter:
    """The zone filter shared by every statistics endpoint."""
    return ZoneFilter(risk_level=risk_level, contamination=contamination, status=status)


def as_of_date(
    as_of: Annotated[
        str | None, Query(description="the date of the figures, YYYY-MM-DD; today by default")
    ] = None,
) -> date:
    """The date the figures are computed for."""
    return params.parse_date(as_of, "as_of") if as_of is not None else date.today()


FilterDep = Annotated[ZoneFilter, Depends(zone_filter)]
AsOfDep = Annotated[date, Depends(as_of_date)]


@router.get("/summary", response_model=Summary, dependencies=[Depends(reject_unknown(FILTERS))])
def get_summary(session: SessionDep, as_of: AsOfDep, filters: FilterDep) -> Summary:
    """National figures: territory, contaminated and released area, casualties, sources."""
    return stats.summary(session, as_of, filters)


@router.get(
    "/districts",
    response_model=DistrictList,
    responses={200: {"content": {"text/csv": {}, "application/geo+json": {}}}},
    dependencies=[Depends(reject_unknown(FILTERS | {"sortby", "f"}))],
)
def get_districts(
    session: SessionDep,
    as_of: AsOfDep,
    filters: FilterDep,
    sortby: Annotated[
        str | None, Query(description="a field, '-' first for descending: -contaminated_share")
    ] = None,
    f: Annotated[Literal["json", "csv", "geojson"], Query(description="output format")] = "json",
) -> DistrictList | Response:
    """One row per district; as JSON, CSV or a GeoJSON FeatureCollection for a choropleth."""
    result = stats_output.districts_in_format(session, as_of, filters, sortby, f)
    if isinstance(result, stats_output.Rendered):
        disposition = f'inline; filename="{result.filename}"'
        return Response(
            result.body,
            media_type=result.media_type,
            headers={"Content-Disposition": disposition},
        )
    return result


@router.get(
    "/districts/{district_id}",
    response_model=DistrictDetail,
    dependencies=[Depends(reject_unknown(FILTERS))],
)
def get_district(
    session: SessionDep, district_id: Annotated[int, Path()], as_of: AsOfDep, filters: FilterDep
) -> DistrictDetail:
    """One district's row with breakdowns, incidents and released area per year."""
    return stats.district_detail(session, district_id, as_of, filters)


@router.get(
    "/line-of-contact",
    response_model=LineOfContactStats,
    dependencies=[Depends(reject_unknown(FILTERS | {"within_km"}))],
)
def get_line_of_contact(
    session: SessionDep,
    as_of: AsOfDep,
    filters: FilterDep,
    within_km: Annotated[float, Query(description="distance from the line, (0, 100] km")] = 2.0,
) -> LineOfContactStats:
    """Contaminated area and incidents within a distance of the former line, on each side."""
    return stats_line.line_of_contact(session, within_km, as_of, filters)


@router.get(
    "/timeseries",
    response_model=Timeseries,
    dependencies=[
        Depends(reject_unknown(frozenset({"from", "to", "district", *FILTERS} - {"as_of"})))
    ],
)
def get_timeseries(
    session: SessionDep,
    filters: FilterDep,
    first: Annotated[int, Query(alias="from", ge=1990, le=2100, description="first year")] = 2020,
    last: Annotated[
        int | None, Query(alias="to", ge=1990, le=2100, description="last year")
    ] = None,
    district: Annotated[int | None, Query(description="narrow to one district id")] = None,
) -> Timeseries:
    """Per year: contaminated area at year end, area released, incidents and casualties."""
    return stats.timeseries(session, first, last or date.today().year, district, filters)
