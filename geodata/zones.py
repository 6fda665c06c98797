"""Turn allocated zone pieces into the published contaminated-zone records and summarise them."""

from collections.abc import Sequence
from datetime import date

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]
import shapely  # type: ignore[import-untyped, unused-ignore]

from geodata.geo import clean_area, geodesic_km2
from geodata.scenario import BAND_BY_KEY, BANDS
from geodata.targets import RELEASE_PERIODS, TOTAL_DEVICES

SOURCE = "schematic"
ACCURACY = "schematic scenario built from published national totals; not surveyed polygons"
# Cluster munitions struck Khankendi, Shusha and their surroundings in the 2020 war.
CLUSTER_DISTRICTS = frozenset({"Khankendi", "Khojaly", "Shusha", "Shusha city"})
COLUMNS = [
    "code",
    "name",
    "hazard_class",
    "contamination",
    "risk_level",
    "status",
    "recorded_on",
    "released_on",
    "estimated_devices",
    "source",
    "accuracy",
    "geometry",
]


def apportion(weights: Sequence[float], total: int) -> list[int]:
    """Split an integer total in proportion to weights by the largest-remainder method."""
    scale = total / sum(weights)
    quotas = [weight * scale for weight in weights]
    shares = [int(quota) for quota in quotas]
    by_remainder = sorted(range(len(quotas)), key=lambda i: (shares[i] - quotas[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def release_day(value: object) -> date | None:
    """Read a release date that pandas may hold as a string, None or NaN."""
    return date.fromisoformat(value) if isinstance(value, str) else None


def _status(released_on: object, in_progress: bool, released_status: str) -> str:
    """Return the zone status from its release date and whether work is under way."""
    if release_day(released_on) is not None:
        return released_status
    return "in_progress" if in_progress else "active"


def zone_records(pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the zones with codes, hazard attributes and estimated devices, in code order."""
    zones = pieces.copy()
    zones["geometry"] = [clean_area(geom) for geom in zones.geometry]
    zones = zones[~zones.geometry.is_empty]
    order = ["row", "col", "band_order", "district", "name_suffix"]
    zones = zones.sort_values(order, ascending=[False, True, True, True, True], ignore_index=True)
    bands = [BAND_BY_KEY[key] for key in zones["band"]]
    zones["code"] = [f"SCH-{i:04d}" for i in range(1, len(zones) + 1)]
    zones["name"] = [
        f"{district}, {band.label}, cell {cell}{suffix}"
        for district, band, cell, suffix in zip(
            zones["district"], bands, zones["cell"], zones["name_suffix"], strict=True
        )
    ]
    zones["hazard_class"] = [band.hazard_class for band in bands]
    zones["risk_level"] = [band.risk_level for band in bands]
    zones["contamination"] = [
        [*band.contamination, *(["cluster"] if district in CLUSTER_DISTRICTS else [])]
        for band, district in zip(bands, zones["district"], strict=True)
    ]
    zones["status"] = [
        _status(released_on, bool(busy), band.released_status)
        for released_on, busy, band in zip(
            zones["released_on"], zones["in_progress"], bands, strict=True
        )
    ]
    zones["recorded_on"] = [band.recorded_on for band in bands]
    areas = [geodesic_km2(geom) for geom in zones.geometry]
    weights = [band.device_weight * area for band, area in zip(bands, areas, strict=True)]
    zones["estimated_devices"] = apportion(weights, TOTAL_DEVICES)
    zones["source"] = SOURCE
    zones["accuracy"] = ACCURACY
    return zones[COLUMNS]


def _area_where(zones: gpd.GeoDataFrame, mask: Sequence[bool]) -> float:
    """Return the geodesic area of the union of the selected zones, in km², to 0.01."""
    return round(geodesic_km2(shapely.union_all(list(zones.geometry[list(mask)]))), 2)


def summarise(zones: gpd.GeoDataFrame) -> dict[str, object]:
    """Measure the achieved totals of a zone layer: union, risk levels, releases, remaining."""
    released_on = [release_day(value) for value in zones["released_on"]]
    by_period = {
        period.last_day.isoformat(): _area_where(
            zones, [day is not None and day <= period.last_day for day in released_on]
        )
        for period in RELEASE_PERIODS
    }
    risk_levels = sorted({band.risk_level for band in BANDS})
    return {
        "zone_count": len(zones),
        "union_km2": _area_where(zones, [True] * len(zones)),
        "by_risk_level_km2": {
            level: _area_where(zones, list(zones["risk_level"] == level)) for level in risk_levels
        },
        "medium_low_km2": _area_where(zones, list(zones["risk_level"] != "high")),
        "belt_cha_km2": _area_where(zones, list(zones["hazard_class"] == "CHA")),
        "released_cumulative_km2": by_period,
        "contaminated_km2": _area_where(
            zones, list(zones["status"].isin(["active", "in_progress"]))
        ),
        "in_progress_km2": _area_where(zones, list(zones["status"] == "in_progress")),
        "by_status_count": {
            status: int(count) for status, count in sorted(zones["status"].value_counts().items())
        },
        "estimated_devices": int(zones["estimated_devices"].sum()),
    }
