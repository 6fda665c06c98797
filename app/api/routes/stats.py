"""GET /stats/...: contamination statistics for planners (reads only: writes refresh them)."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from app.api.deps import AsOfDep, SessionDep, SortbyQuery, ZoneFilterDep, parse_sortby
from app.schemas.stats import (
    DistrictDetail,
    DistrictList,
    DistrictStats,
    LineOfContactStats,
    Summary,
    Timeseries,
)
from app.services import stats, stats_line, stats_output

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
def get_summary(
    session: SessionDep, as_of: AsOfDep, filters: ZoneFilterDep, near_km: NearKm = stats.NEAR_KM
) -> Summary:
    """National figures: territory, contaminated and released area, casualties, settlements
    and people near contamination, sources."""
    return stats.summary(session, as_of, filters, near_km)


@router.get(
    "/districts",
    response_model=DistrictList,
    responses={200: {"content": {"text/csv": {}, "application/geo+json": {}}}},
)
def get_districts(
    session: SessionDep,
    as_of: AsOfDep,
    filters: ZoneFilterDep,
    sortby: SortbyQuery = None,
    f: Annotated[Literal["json", "csv", "geojson"], Query(description="output format")] = "json",
    near_km: NearKm = stats.NEAR_KM,
) -> DistrictList | Response:
    """One row per district; as JSON, CSV or a GeoJSON FeatureCollection for a choropleth."""
    keys = parse_sortby(sortby, SORTABLE)
    result = stats_output.districts_in_format(session, as_of, filters, keys, f, near_km)
    if isinstance(result, stats_output.Rendered):
        headers = {
            "Content-Disposition": f'inline; filename="{result.filename}"',
            # The body has no place for them: the data version and freshness go in headers.
            "X-Data-Version": str(result.freshness.data_version),
            "X-Stale": "true" if result.freshness.stale else "false",
        }
        return Response(result.body, media_type=result.media_type, headers=headers)
    return result


@router.get("/districts/{district_id}", response_model=DistrictDetail)
def get_district(
    session: SessionDep,
    district_id: Annotated[int, Path()],
    as_of: AsOfDep,
    filters: ZoneFilterDep,
    near_km: NearKm = stats.NEAR_KM,
) -> DistrictDetail:
    """One district's row with breakdowns, incidents and released area per year."""
    return stats.district_detail(session, district_id, as_of, filters, near_km)


@router.get("/line-of-contact", response_model=LineOfContactStats)
def get_line_of_contact(
    session: SessionDep,
    as_of: AsOfDep,
    filters: ZoneFilterDep,
    within_km: Annotated[
        float, Query(gt=0, le=100, description="distance from the line, (0, 100] km")
    ] = 2.0,
) -> LineOfContactStats:
    """Contaminated area and incidents within a distance of the former line, on each side."""
    return stats_line.line_of_contact(session, within_km, as_of, filters)


@router.get("/timeseries", response_model=Timeseries)
def get_timeseries(
    session: SessionDep,
    filters: ZoneFilterDep,
    first: Annotated[int, Query(alias="from", ge=1990, le=2100, description="first year")] = 2020,
    last: Annotated[
        int | None, Query(alias="to", ge=1990, le=2100, description="last year")
    ] = None,
    district: Annotated[int | None, Query(description="narrow to one district id")] = None,
) -> Timeseries:
    """Per year: contaminated area at year end, area released, incidents and casualties."""
    return stats.timeseries(session, first, last or date.today().year, district, filters)
