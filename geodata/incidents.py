"""The three mine incidents of late May 2025 and their private victim details."""

# ruff: noqa: RUF001  # Azerbaijani spelling uses the dotless i (U+0131) on purpose.

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]
import shapely  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry import LineString, Point  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry.base import BaseGeometry  # type: ignore[import-untyped, unused-ignore]
from shapely.ops import nearest_points  # type: ignore[import-untyped, unused-ignore]

from geodata.geo import GRID_SIZE, to_metric, to_wgs84

NEWS = "News report of 31 May 2025 (the year is inferred from the national casualty totals)"
ISTISU = Point(45.96062, 39.94628)  # GeoNames 147969
OFFSET_M = 1_000.0  # how far from the former line the approximate points are put
STRETCH_M = 3_000.0  # the line's course "along" a district: the part within this distance

COLUMNS = [
    "code",
    "occurred_on",
    "place",
    "reported_district",
    "device",
    "activity",
    "killed",
    "injured",
    "victim_category",
    "location_accuracy",
    "location_note",
    "source",
    "geometry",
]

INCIDENTS: list[dict[str, object]] = [
    {
        "code": "2025-05-29-istisu",
        "occurred_on": "2025-05-29",
        "place": "near Istisu",
        "reported_district": "Kalbajar",
        "device": "anti_personnel_mine",
        "activity": "mine_clearance",
        "killed": 0,
        "injured": 1,
        "victim_category": "military",
        "location_accuracy": "village",
        "location_note": "At the GeoNames point of Istisu village; the report says 'near Istisu'.",
        "source": f"{NEWS}; coordinates GeoNames 147969 (Istisu)",
    },
    {
        "code": "2025-05-30-qirmizikend",
        "occurred_on": "2025-05-30",
        "place": "near Qırmızıkənd (Girmizikand)",
        "reported_district": "Aghdara",
        "device": "unknown_landmine",
        "activity": "grazing",
        "killed": 0,
        "injured": 1,
        "victim_category": "civilian",
        "location_accuracy": "district",
        "location_note": (
            "Approximate: no coordinates of Qırmızıkənd are published, and Aghdara has no "
            "polygon (its land lies in Tartar and Kalbajar). Placed in Tartar, 1 km inside the "
            "formerly occupied side of the former line, opposite the middle of its course "
            "through Tartar."
        ),
        "source": NEWS,
    },
    {
        "code": "2025-05-31-yenikend",
        "occurred_on": "2025-05-31",
        "place": "near Yenikənd (Yenikend), along the former line of contact",
        "reported_district": "Goranboy",
        "device": "unknown_landmine",
        "activity": "grazing",
        "killed": 0,
        "injured": 1,
        "victim_category": "civilian",
        "location_accuracy": "district",
        "location_note": (
            "Approximate: no coordinates of Yenikənd are published. Placed in Goranboy, 1 km "
            "from the former line on the Goranboy side, opposite the middle of the line's "
            "course along Goranboy."
        ),
        "source": NEWS,
    },
]

# Private: never published by the API. No names, by design.
VICTIMS: list[dict[str, object]] = [
    {
        "incident_code": "2025-05-29-istisu",
        "sex": "male",
        "age": None,
        "injury": "left leg injured",
        "residence": None,
    },
    {
        "incident_code": "2025-05-30-qirmizikend",
        "sex": "male",
        "age": 46,
        "injury": "traumatic amputation of the lower leg and a shrapnel wound; serious condition",
        "residence": "Yuxarı Qaradağlı village, Tartar district",
    },
    {
        "incident_code": "2025-05-31-yenikend",
        "sex": "male",
        "age": 45,
        "injury": "left leg amputated below the knee",
        "residence": "Qaraçinar village, Goranboy district",
    },
]


def point_near_line(
    area: BaseGeometry, line: LineString, offset_m: float = OFFSET_M
) -> BaseGeometry:
    """Return the point of an area offset_m from the line, opposite the middle of its stretch."""
    area_m, line_m = to_metric(area), to_metric(line)
    stretch = line_m.intersection(area_m.buffer(STRETCH_M))
    longest = max(shapely.get_parts(stretch), key=lambda part: (part.length, part.wkb))
    middle = longest.interpolate(0.5, normalized=True)
    candidates = area_m.difference(line_m.buffer(offset_m, quad_segs=32))
    return shapely.set_precision(to_wgs84(nearest_points(candidates, middle)[0]), GRID_SIZE)


def incident_points(
    districts: gpd.GeoDataFrame, zone: BaseGeometry, line: LineString
) -> gpd.GeoDataFrame:
    """Return the incidents as points: Istisu at its village, the others near the line."""
    by_name = dict(zip(districts["name"], districts.geometry, strict=True))
    points = [
        ISTISU,
        point_near_line(by_name["Tartar"].intersection(zone), line),
        point_near_line(by_name["Goranboy"].difference(zone), line),
    ]
    return gpd.GeoDataFrame(INCIDENTS, geometry=points, crs="EPSG:4326")[COLUMNS]
