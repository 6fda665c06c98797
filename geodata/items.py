"""Items found in the schematic operations scenario, shared out to reproduce ANAMA's counts."""

from datetime import date
from typing import Any

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]

from geodata.targets import ITEMS_BY, ITEMS_DESTROYED, RELEASE_PERIODS
from geodata.zones import SOURCE, apportion

CATEGORIES = (
    "anti_personnel_mine",
    "anti_tank_mine",
    "uxo",
    "cluster_submunition",
    "ied",
    "other",
)
# The zone contamination each published category is found in. ANAMA's figures have three
# categories, so the scenario uses those three: submunitions count as UXO there.
FOUND_IN = {"anti_personnel_mine": "anti_personnel", "anti_tank_mine": "anti_tank", "uxo": "uxo"}
ACTION = {"anti_personnel_mine": "destroyed_in_situ", "anti_tank_mine": "destroyed_in_situ"}
REMOVED = "removed"  # UXO is mostly carried to a demolition site
CONDITION = "unknown"  # a count per task and day does not say in what state the items were
COLUMNS = [
    "code", "task", "found_on", "category", "model", "condition", "action", "count", "state",
    "reason", "source", "geometry",
]  # fmt: skip


def _weights(releases: list[dict[str, Any]], zones: dict[str, Any], category: str) -> list[int]:
    """Weight each release by its zone's estimated devices if items of a category lie there.

    Cancelled land is released because survey found no evidence of hazard, so nothing is
    found there.
    """
    return [
        int(zones[release["zone"]]["estimated_devices"])
        if release["kind"] != "cancelled"
        and FOUND_IN[category] in zones[release["zone"]]["contamination"]
        else 0
        for release in releases
    ]


def later_count(published: int) -> int:
    """Return the items of a category found after ITEMS_BY, up to the scenario's last day.

    No count is published after ITEMS_BY: the later releases are taken to find items at the
    published rate per km² released up to ITEMS_BY.
    """
    released = {period.last_day: period.cumulative_km2 for period in RELEASE_PERIODS}
    later_km2 = RELEASE_PERIODS[-1].cumulative_km2 - released[ITEMS_BY]
    return round(published * later_km2 / released[ITEMS_BY])


def _counts(weights: list[int], days: list[date], published: int) -> list[int]:
    """Share a published count over the releases up to ITEMS_BY and its extrapolation after."""
    before = [weight if day <= ITEMS_BY else 0 for weight, day in zip(weights, days, strict=True)]
    after = [weight if day > ITEMS_BY else 0 for weight, day in zip(weights, days, strict=True)]
    later_total = later_count(published)
    shares_before = apportion(before, published)
    shares_after = apportion(after, later_total) if sum(after) else [0] * len(after)
    return [a + b for a, b in zip(shares_before, shares_after, strict=True)]


def item_records(releases: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return counts of items per task and day, without a location, in date order.

    Each release names in `zone` the zone whose polygon it released.
    """
    by_code = {zone["code"]: zone for zone in zones.to_dict("records")}
    rows = releases.to_dict("records")
    days = [date.fromisoformat(row["released_on"]) for row in rows]
    found = []
    for category, published in ITEMS_DESTROYED.items():
        counts = _counts(_weights(rows, by_code, category), days, published)
        found += [(row, category, count) for row, count in zip(rows, counts, strict=True) if count]
    found.sort(key=lambda item: (item[0]["released_on"], item[0]["code"], item[1]))
    records = [
        {
            "code": f"SCH-IF-{i:04d}",
            "task": row["task"],
            "found_on": row["released_on"],
            "category": category,
            "model": None,
            "condition": CONDITION,
            "action": ACTION.get(category, REMOVED),
            "count": count,
            "state": "approved",  # bundled reports count, as the land released does
            "reason": None,
            "source": SOURCE,
            "geometry": None,
        }
        for i, (row, category, count) in enumerate(found, start=1)
    ]
    return gpd.GeoDataFrame(records, columns=COLUMNS, geometry="geometry", crs="EPSG:4326")
