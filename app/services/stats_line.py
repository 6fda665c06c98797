"""Contaminated area and incidents near the former line of contact."""

from datetime import date

from app.core.db import Session
from app.errors import InvalidParameterValue, NotFound
from app.repositories import stats_geo
from app.schemas.stats import LineOfContactStats, LineSide, ZoneFilter
from app.services.stats import freshness

MAX_WITHIN_KM = 100.0
METHOD = (
    "Geodesic buffers (PostGIS geography) of the merged former line of contact: around it, and "
    "one-sided to its left and right, named west and east by where each side lies. The total "
    "includes the rounded ends beyond the line's end points, the sides do not. Areas sum the "
    "precomputed disjoint pieces of the contaminated zones (clipped to the districts) that fall "
    "in each buffer; incidents count up to the date."
)


def line_of_contact(
    session: Session, within_km: float, as_of: date, filters: ZoneFilter
) -> LineOfContactStats:
    """Contaminated km² and incidents within ``within_km`` of the line, in all and per side."""
    if not 0 < within_km <= MAX_WITHIN_KM:
        raise InvalidParameterValue(
            f"within_km must be greater than 0 and at most {MAX_WITHIN_KM:g}, not {within_km:g}"
        )
    row = stats_geo.line_statistics(session, within_km * 1000, as_of, filters.model_dump())
    if row is None:
        raise NotFound("no former line of contact is loaded")
    left = LineSide(
        side="west" if row.left_is_west else "east",
        contaminated_km2=round(row.left_km2, 3),
        **dict(zip(("incidents", "killed", "injured"), row.left_incidents, strict=True)),
    )
    right = LineSide(
        side="east" if row.left_is_west else "west",
        contaminated_km2=round(row.right_km2, 3),
        **dict(zip(("incidents", "killed", "injured"), row.right_incidents, strict=True)),
    )
    incidents = int(row.around[0])
    return LineOfContactStats(
        as_of=as_of,
        filters=filters,
        within_km=within_km,
        line_length_km=round(row.length_km, 3),
        contaminated_km2=round(row.contaminated_km2, 3),
        incidents=incidents,
        incidents_total=row.incidents_total,
        incidents_share=round(incidents / row.incidents_total, 6) if row.incidents_total else 0.0,
        sides=sorted((left, right), key=lambda side: side.side != "west"),
        method=METHOD,
        **freshness(session).model_dump(),
    )
