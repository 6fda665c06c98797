"""Mark zone pieces released in each published period, splitting pieces to hit the totals."""

from collections import deque
from datetime import timedelta
from typing import Any

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]
import shapely  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry import LineString, Point, box  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry.base import BaseGeometry  # type: ignore[import-untyped, unused-ignore]

from geodata.geo import geodesic_km2, solve_increasing, to_metric
from geodata.targets import RELEASE_PERIODS, ReleasePeriod

# Clearance spreads out from one point in each district of the zone (its representative
# point), so released land forms patches across the zone rather than one blob, and from
# Horadiz, the line's south-east end, so that some of the mined belt is cleared too.
SEED_DISTRICTS = (
    "Aghdam", "Fuzuli", "Gubadly", "Jabrayil", "Kalbajar", "Khojaly",
    "Khojavend", "Lachin", "Shusha", "Tartar", "Zangilan",
)  # fmt: skip
# Work under way at the end of October 2024: the next pieces in line, up to this area.
IN_PROGRESS_KM2 = 200.0
TOLERANCE_KM2 = 1e-6


def seed_points(
    districts: gpd.GeoDataFrame, zone: BaseGeometry, line: LineString
) -> list[BaseGeometry]:
    """Return the metric start points of clearance: seed districts' zone parts and Horadiz."""
    chosen = districts[districts["name"].isin(SEED_DISTRICTS)].sort_values("name")
    starts = [geom.intersection(zone).representative_point() for geom in chosen.geometry]
    return [to_metric(point) for point in [*starts, Point(line.coords[-1])]]


def clearance_order(pieces: gpd.GeoDataFrame, seeds: list[BaseGeometry]) -> gpd.GeoDataFrame:
    """Sort pieces by the distance from their representative point to the nearest seed."""
    seed_set = shapely.union_all(seeds)
    points = [to_metric(geom.representative_point()) for geom in pieces.geometry]
    ordered = pieces.assign(seed_distance=[round(seed_set.distance(p), 3) for p in points])
    return ordered.sort_values("seed_distance", kind="stable", ignore_index=True)


def split_west(geom: BaseGeometry, km2: float) -> tuple[BaseGeometry, BaseGeometry]:
    """Cut a polygon along a meridian into a west part of the given area and the rest."""
    min_x, min_y, max_x, max_y = geom.bounds

    def west_of(x: float) -> BaseGeometry:
        return geom.intersection(box(min_x - 1, min_y - 1, x, max_y + 1))

    def west_area(x: float) -> float:
        return geodesic_km2(west_of(x))

    cut = solve_increasing(west_area, km2, min_x, max_x, tol=1e-12)
    return west_of(cut), geom.intersection(box(cut, min_y - 1, max_x + 1, max_y + 1))


def _part(piece: dict[str, Any], geom: BaseGeometry, side: str) -> dict[str, Any]:
    """Return a copy of a piece reduced to one side of a split."""
    suffix = f"{piece['name_suffix']} ({side} part)"
    return {**piece, "geometry": geom, "area_km2": geodesic_km2(geom), "name_suffix": suffix}


def _release_date(period: ReleasePeriod, done_km2: float, period_km2: float) -> str:
    """Spread release dates over a period in proportion to the area released so far."""
    days = (period.last_day - period.first_day).days
    offset = round(days * min(done_km2 / period_km2, 1.0))
    return (period.first_day + timedelta(days=offset)).isoformat()


def allocate_releases(ordered: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give pieces a status and release date so the cumulative releases match each period."""
    fresh = {"name_suffix": "", "released_on": None, "in_progress": False}
    queue = deque({**record, **fresh} for record in ordered.to_dict("records"))
    out: list[dict[str, object]] = []
    released = previous_total = 0.0
    for period in RELEASE_PERIODS:
        period_km2 = period.cumulative_km2 - previous_total
        while queue and released < period.cumulative_km2 - TOLERANCE_KM2:
            piece = queue.popleft()
            need = period.cumulative_km2 - released
            if piece["area_km2"] > need + TOLERANCE_KM2:
                west, east = split_west(piece["geometry"], need)
                queue.appendleft(_part(piece, east, "east"))
                piece = _part(piece, west, "west")
            released += piece["area_km2"]
            date_on = _release_date(period, released - previous_total, period_km2)
            out.append({**piece, "released_on": date_on})
        previous_total = period.cumulative_km2
    in_progress = 0.0
    for piece in queue:
        busy = in_progress < IN_PROGRESS_KM2
        in_progress += piece["area_km2"] if busy else 0.0
        out.append({**piece, "in_progress": busy})
    return gpd.GeoDataFrame(out, geometry="geometry", crs=ordered.crs)
