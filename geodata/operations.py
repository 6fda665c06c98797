"""The schematic operations scenario over the bundled zones: tasks and land-release records."""

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]
import shapely  # type: ignore[import-untyped, unused-ignore]

from geodata.geo import clean_area, geodesic_km2
from geodata.items import item_records
from geodata.organisations import choose_organisation, organisations
from geodata.scenario import BANDS
from geodata.targets import ITEMS_BY, ITEMS_DESTROYED, RELEASE_PERIODS
from geodata.zones import SOURCE, release_day

METHODS = (
    "non_technical_survey",
    "technical_survey",
    "manual_clearance",
    "mechanical",
    "mine_detection_dogs",
    "battle_area_clearance",
)
# What a task does to release land of each kind (IMAS 07.11): every task starts with
# non-technical survey, reduction needs technical survey, clearance needs clearance assets.
KIND_METHODS = {
    "cancelled": ("non_technical_survey",),
    "reduced": ("non_technical_survey", "technical_survey"),
    "cleared": ("non_technical_survey", "technical_survey", "manual_clearance", "mechanical"),
}
# Contamination that brings more assets where land is reduced or cleared, not cancelled.
CONTAMINATION_METHODS = {
    "anti_personnel": "mine_detection_dogs",
    "uxo": "battle_area_clearance",
    "cluster": "battle_area_clearance",
}
TASK_COLUMNS = [
    "code", "organisation", "zones", "methods", "status", "planned_start", "planned_end",
    "started_on", "ended_on", "source", "geometry",
]  # fmt: skip
RELEASE_COLUMNS = ["code", "task", "released_on", "kind", "state", "reason", "source", "geometry"]
# The scenario stands on the last day of the last published period.
AS_OF = RELEASE_PERIODS[-1].last_day
# Planned work: up to this many active zones per district, next to land already worked.
PLANNED_ZONES_PER_DISTRICT = 2
# One of the planned groups is started and then suspended, so that every status appears.
SUSPENDED_DISTRICT = "Kalbajar"
# Zones sharing a border are this close (degrees), whatever the rounding of their vertices.
TOUCHING_DEG = 1e-5
ONE_DAY = timedelta(days=1)
RELEASED_KIND = {(band.hazard_class, band.risk_level): band.released_status for band in BANDS}


@dataclass(frozen=True, slots=True)
class TaskPlan:
    """A group of zones worked as one task, with its status and dates."""

    district: str
    zones: tuple[dict[str, Any], ...]
    status: str
    planned_start: date
    planned_end: date
    started_on: date | None
    ended_on: date | None

    @property
    def start(self) -> date:
        """Return the day work began, or is planned to begin."""
        return self.started_on or self.planned_start

    @property
    def end(self) -> date:
        """Return the day work ended, or is planned to end."""
        return self.ended_on or self.planned_end


def jitter(key: str, low: int, high: int) -> int:
    """Return a whole number in [low, high] fixed by a key: the scenario's only 'randomness'."""
    return low + zlib.crc32(key.encode()) % (high - low + 1)


def district_of(zone: dict[str, Any]) -> str:
    """Return a zone's district, the first part of its schematic name."""
    return str(zone["name"]).split(", ", 1)[0]


def release_kind(zone: dict[str, Any]) -> str:
    """Return how a zone's band is released: its status once released."""
    return RELEASED_KIND[(zone["hazard_class"], zone["risk_level"])]


def _period_of(released_on: str) -> int:
    """Return the index of the published period an ISO release day falls in."""
    return next(
        i for i, period in enumerate(RELEASE_PERIODS) if released_on <= period.last_day.isoformat()
    )


def _days(day: date, count: int) -> date:
    """Return the day a number of days after another (before, if negative)."""
    return day + timedelta(days=count)


def _recorded(zones: Iterable[dict[str, Any]]) -> date:
    """Return the day the last of some zones was recorded: no task starts before it."""
    return max(date.fromisoformat(str(zone["recorded_on"])) for zone in zones)


def _completed(district: str, zones: list[dict[str, Any]]) -> TaskPlan:
    """Plan a completed task that ended on the last release of its zones."""
    key = zones[0]["code"]
    days = sorted(release_day(zone["released_on"]) or AS_OF for zone in zones)
    earliest = _days(_recorded(zones), 1)
    started = max(_days(days[0], -jitter(key + "lead", 30, 120)), earliest)
    planned_start = max(_days(started, -jitter(key + "plan", 0, 45)), earliest)
    planned_end = max(_days(days[-1], jitter(key + "end", -30, 60)), _days(planned_start, 30))
    return TaskPlan(
        district, tuple(zones), "completed", planned_start, planned_end, started, days[-1]
    )


def _in_progress(district: str, zones: list[dict[str, Any]]) -> TaskPlan:
    """Plan a task under way on the scenario's last day."""
    key = zones[0]["code"]
    started = _days(AS_OF, -jitter(key + "lead", 60, 200))
    planned_start = _days(started, -jitter(key + "plan", 0, 30))
    planned_end = _days(AS_OF, jitter(key + "end", 90, 270))
    return TaskPlan(
        district, tuple(zones), "in_progress", planned_start, planned_end, started, None
    )


def _planned(district: str, zones: list[dict[str, Any]]) -> TaskPlan:
    """Plan a task not started by the scenario's last day (or started and suspended)."""
    key = zones[0]["code"]
    if district == SUSPENDED_DISTRICT:
        started = _days(AS_OF, -jitter(key + "lead", 150, 250))
        end = _days(started, 180)
        return TaskPlan(district, tuple(zones), "suspended", started, end, started, None)
    planned_start = _days(AS_OF, jitter(key + "plan", 30, 240))
    planned_end = _days(planned_start, jitter(key + "end", 90, 270))
    return TaskPlan(district, tuple(zones), "planned", planned_start, planned_end, None, None)


def _grouped(zones: Iterable[dict[str, Any]], key: Any) -> dict[Any, list[dict[str, Any]]]:
    """Group zones by a key function, keeping each group in code order."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for zone in sorted(zones, key=lambda zone: str(zone["code"])):
        groups.setdefault(key(zone), []).append(zone)
    return groups


def _next_zones(zones: gpd.GeoDataFrame) -> dict[str, list[dict[str, Any]]]:
    """Return, per district, the first active zones in code order that touch worked land."""
    worked = shapely.union_all(list(zones.geometry[zones["status"] != "active"]))
    near = shapely.dwithin(list(zones.geometry), worked, TOUCHING_DEG)
    candidates = zones[(zones["status"] == "active") & near]
    groups = _grouped(candidates.to_dict("records"), district_of)
    return {district: group[:PLANNED_ZONES_PER_DISTRICT] for district, group in groups.items()}


def plan_tasks(zones: gpd.GeoDataFrame) -> list[TaskPlan]:
    """Group the zones into tasks: released ones by district and period, then work ahead."""
    records = zones.to_dict("records")
    released = [zone for zone in records if release_day(zone["released_on"]) is not None]
    by_period = _grouped(
        released, lambda zone: (district_of(zone), _period_of(zone["released_on"]))
    )
    busy = _grouped([zone for zone in records if zone["status"] == "in_progress"], district_of)
    plans = [
        *(_completed(district, group) for (district, _), group in by_period.items()),
        *(_in_progress(district, group) for district, group in busy.items()),
        *(_planned(district, group) for district, group in _next_zones(zones).items()),
    ]
    return sorted(plans, key=lambda plan: (plan.start, plan.district, plan.zones[0]["code"]))


def _methods(zones: Iterable[dict[str, Any]]) -> list[str]:
    """Return the methods a task needs for its zones, in the vocabulary's order."""
    needed: set[str] = set()
    for zone in zones:
        kind = release_kind(zone)
        needed.update(KIND_METHODS[kind])
        if kind != "cancelled":
            needed.update(CONTAMINATION_METHODS.get(item, "") for item in zone["contamination"])
    return [method for method in METHODS if method in needed]


def _iso(day: date | None) -> str | None:
    """Return a day as ISO text, or None."""
    return day.isoformat() if day else None


def _outline(geoms: Iterable[Any]) -> Any:
    """Return the union of zones as a clean MultiPolygon in a canonical vertex order.

    Without the normal form, a ring's first vertex would depend on the last bits of the
    coordinates, which differ between the zones built in memory and those read back.
    """
    return shapely.orient_polygons(shapely.normalize(clean_area(shapely.union_all(list(geoms)))))


def task_records(plans: list[TaskPlan]) -> gpd.GeoDataFrame:
    """Return the tasks, coded in the order they start, each the union of its zones."""
    rows = []
    workload: dict[str, int] = {}
    for turn, plan in enumerate(plans):
        clears_belt = any(release_kind(zone) == "cleared" for zone in plan.zones)
        org = choose_organisation(workload, plan.district, plan.start, plan.end, clears_belt)
        workload[org.code] = workload.get(org.code, 0) + 1
        rows.append(
            {
                "code": f"SCH-T-{turn + 1:03d}",
                "organisation": org.code,
                "zones": [zone["code"] for zone in plan.zones],
                "methods": _methods(plan.zones),
                "status": plan.status,
                "planned_start": plan.planned_start.isoformat(),
                "planned_end": plan.planned_end.isoformat(),
                "started_on": _iso(plan.started_on),
                "ended_on": _iso(plan.ended_on),
                "source": SOURCE,
                "geometry": _outline(zone["geometry"] for zone in plan.zones),
            }
        )
    return gpd.GeoDataFrame(rows, columns=TASK_COLUMNS, geometry="geometry", crs="EPSG:4326")


def release_records(zones: gpd.GeoDataFrame, tasks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one approved land-release record per released zone, with the zone's polygon.

    The extra column `zone` names the zone; the published layer leaves it out.
    """
    task_of = {
        zone: task
        for task, codes in zip(tasks["code"], tasks["zones"], strict=True)
        for zone in codes
    }
    released = zones[[release_day(value) is not None for value in zones["released_on"]]]
    released = released.sort_values(["released_on", "code"], ignore_index=True)
    rows = [
        {
            "code": f"SCH-LR-{i:04d}",
            "task": task_of[zone["code"]],
            "released_on": zone["released_on"],
            "kind": zone["status"],
            "state": "approved",
            "reason": None,
            "source": SOURCE,
            "geometry": zone["geometry"],
            "zone": zone["code"],
        }
        for i, zone in enumerate(released.to_dict("records"), start=1)
    ]
    columns = [*RELEASE_COLUMNS, "zone"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")


def operations_layers(zones: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Build the organisations, tasks, land-release and items-found layers over the zones."""
    tasks = task_records(plan_tasks(zones))
    releases = release_records(zones, tasks)
    return {
        "organisations": organisations(),
        "tasks": tasks,
        "land_release": releases[RELEASE_COLUMNS],
        "items_found": item_records(releases, zones),
    }


def _union_km2(geoms: Iterable[Any]) -> float:
    """Return the geodesic area of the union of some polygons, in km², to 0.01."""
    return round(geodesic_km2(shapely.union_all(list(geoms))), 2)


def summarise_operations(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, object]:
    """Measure the scenario: tasks by status, released km² by kind and by date, items found."""
    releases, items = layers["land_release"], layers["items_found"]
    released = list(zip(releases["kind"], releases["released_on"], releases.geometry, strict=True))
    statuses = layers["tasks"]["status"].value_counts()
    return {
        "tasks_by_status": {status: int(count) for status, count in sorted(statuses.items())},
        "released_by_kind_km2": {
            kind: _union_km2(geom for each, _, geom in released if each == kind)
            for kind in sorted(set(releases["kind"]))
        },
        "released_cumulative_km2": {
            period.last_day.isoformat(): _union_km2(
                geom for _, day, geom in released if day <= period.last_day.isoformat()
            )
            for period in RELEASE_PERIODS
        },
        "items_by_category": {
            f"to {day}": {
                category: int(items["count"][(items["category"] == category) & upto].sum())
                for category in ITEMS_DESTROYED
            }
            for day in (ITEMS_BY.isoformat(), AS_OF.isoformat())
            for upto in [items["found_on"] <= day]
        },
    }
