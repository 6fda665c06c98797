"""Cut the formerly occupied zone into risk bands along the former line and grid cells."""

import math
from dataclasses import dataclass
from itertools import pairwise

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]
import shapely  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry import LineString, box  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry.base import BaseGeometry  # type: ignore[import-untyped, unused-ignore]

from geodata.geo import geodesic_km2, metric_buffer, solve_increasing
from geodata.targets import BELT_DEPTH_M, HIGH_RISK_KM2, TOTAL_KM2

CELL_DEG = 0.05  # about 4.3 km east-west by 5.6 km north-south at 40 N
# No published split between medium and low risk: medium is taken as the first 30 km.
MEDIUM_LIMIT_M = 30_000.0
FARTHEST_M = 200_000.0  # more than any point of the zone lies from the line
# Slivers where district borders graze a cell join a neighbouring piece of the same band.
SLIVER_KM2 = 0.05


@dataclass(frozen=True, slots=True)
class Band:
    """A distance band from the former line and the hazard attributes it implies.

    The device weight is the relative mine density used to share out the national estimate.
    """

    key: str
    label: str
    hazard_class: str
    risk_level: str
    contamination: tuple[str, ...]
    recorded_on: str
    released_status: str
    device_weight: float


BANDS = (
    Band(
        key="belt",
        label="mined belt",
        hazard_class="CHA",
        risk_level="high",
        contamination=("anti_personnel", "anti_tank"),
        recorded_on="2020-11-10",
        released_status="cleared",
        device_weight=20.0,
    ),
    Band(
        key="high",
        label="high-risk area",
        hazard_class="SHA",
        risk_level="high",
        contamination=("anti_personnel", "anti_tank", "uxo"),
        recorded_on="2021-03-31",
        released_status="reduced",
        device_weight=10.0,
    ),
    Band(
        key="medium",
        label="medium-risk area",
        hazard_class="SHA",
        risk_level="medium",
        contamination=("anti_tank", "uxo"),
        recorded_on="2021-06-30",
        released_status="reduced",
        device_weight=2.0,
    ),
    Band(
        key="low",
        label="low-risk area",
        hazard_class="SHA",
        risk_level="low",
        contamination=("uxo",),
        recorded_on="2021-09-30",
        released_status="cancelled",
        device_weight=1.0,
    ),
)
BAND_BY_KEY = {band.key: band for band in BANDS}


@dataclass(frozen=True, slots=True)
class Radii:
    """Outer distances (m) from the line of the belt, high, medium and low bands."""

    belt_m: float
    high_m: float
    medium_m: float
    low_m: float

    def as_dict(self) -> dict[str, int]:
        """Return the radii keyed by band, rounded to the metre."""
        values = (self.belt_m, self.high_m, self.medium_m, self.low_m)
        return {band.key: round(value) for band, value in zip(BANDS, values, strict=True)}


def solve_radii(zone: BaseGeometry, line: LineString) -> Radii:
    """Find the band radii that give the published high-risk and total areas."""

    def area_within(metres: float) -> float:
        return geodesic_km2(zone.intersection(metric_buffer(line, metres)))

    high = solve_increasing(area_within, HIGH_RISK_KM2, BELT_DEPTH_M, MEDIUM_LIMIT_M)
    low = solve_increasing(area_within, TOTAL_KM2, MEDIUM_LIMIT_M, FARTHEST_M)
    return Radii(BELT_DEPTH_M, high, MEDIUM_LIMIT_M, low)


def band_regions(zone: BaseGeometry, line: LineString, radii: Radii) -> gpd.GeoDataFrame:
    """Return the zone split into the four bands, nearest the line first."""
    outer = [radii.belt_m, radii.high_m, radii.medium_m, radii.low_m]
    within = [zone.intersection(metric_buffer(line, metres)) for metres in outer]
    rings = [within[0], *(shapely.difference(far, near) for near, far in pairwise(within))]
    return gpd.GeoDataFrame({"band": [band.key for band in BANDS]}, geometry=rings, crs="EPSG:4326")


def grid_cells(area: BaseGeometry) -> gpd.GeoDataFrame:
    """Return the CELL_DEG grid cells that intersect an area, labelled by south-west corner."""
    min_x, min_y, max_x, max_y = area.bounds
    cols = range(math.floor(min_x / CELL_DEG), math.ceil(max_x / CELL_DEG))
    rows = range(math.floor(min_y / CELL_DEG), math.ceil(max_y / CELL_DEG))
    records = [
        (col, row, box(col * CELL_DEG, row * CELL_DEG, (col + 1) * CELL_DEG, (row + 1) * CELL_DEG))
        for row in rows
        for col in cols
    ]
    cells = gpd.GeoDataFrame(
        {
            "col": [col for col, _, _ in records],
            "row": [row for _, row, _ in records],
            "cell": [f"{row * CELL_DEG:.2f}N {col * CELL_DEG:.2f}E" for col, row, _ in records],
        },
        geometry=[cell for _, _, cell in records],
        crs="EPSG:4326",
    )
    return cells[cells.intersects(area)].reset_index(drop=True)


def zone_pieces(
    bands: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Intersect bands, districts and cells into pieces, ordered north to south, west to east."""
    by_district = gpd.overlay(bands, districts[["name", "geometry"]], keep_geom_type=True)
    pieces = gpd.overlay(
        by_district.rename(columns={"name": "district"}), cells, keep_geom_type=True
    )
    pieces = _absorb_slivers(pieces[~pieces.geometry.is_empty])
    pieces["band_order"] = pieces["band"].map({band.key: i for i, band in enumerate(BANDS)})
    order = ["row", "col", "band_order", "district"]
    return pieces.sort_values(order, ascending=[False, True, True, True], ignore_index=True)


def _absorb_slivers(pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge each piece under SLIVER_KM2 into the same-band neighbour it shares most border with."""
    pieces = pieces.assign(area_km2=[geodesic_km2(geom) for geom in pieces.geometry])
    pieces = pieces.sort_values(["area_km2", "cell", "district"], ignore_index=True)
    geoms = list(pieces.geometry)
    absorbed: set[int] = set()
    for i in pieces.index[pieces["area_km2"] < SLIVER_KM2]:
        hosts = pieces.index[(pieces["band"] == pieces.at[i, "band"]) & (pieces.index > i)]
        hosts = [j for j in hosts if j not in absorbed]
        shared = shapely.length(
            shapely.intersection(geoms[i].boundary, [geoms[j].boundary for j in hosts])
        )
        if hosts and shared.max() > 0:
            host = hosts[int(shared.argmax())]
            geoms[host] = shapely.union(geoms[host], geoms[i])
            absorbed.add(i)
    pieces["geometry"] = geoms
    pieces = pieces.drop(index=sorted(absorbed))
    return pieces.assign(area_km2=[geodesic_km2(geom) for geom in pieces.geometry])
