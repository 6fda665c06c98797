"""The monthly report: one month of operations, nationally and per district."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.core.db import Session
from app.errors import InvalidParameterValue
from app.repositories import operations_stats as repo
from app.repositories import stats as stats_repo
from app.repositories.stats import AnyRow
from app.schemas.operations import DistrictMonth, FigureSource, MonthFigures, MonthlyReport
from app.schemas.stats import ZoneFilter
from app.services import stats
from app.services.operations_stats import (
    CATEGORIES,
    ITEMS_METHOD,
    KINDS,
    RELEASE_METHOD,
    SCHEMATIC,
    km2,
    month_end,
)

MONTH = re.compile(r"(\d{4})-(\d{2})")
METHOD = (
    "Released area and items: approved records dated in the month (see /stats/release and "
    "/stats/items). Tasks started: started_on in the month; completed: status completed and "
    "ended_on in the month; a task is in the district of its point on surface. Incidents: "
    "those that occurred in the month, by their district. The contaminated share is the "
    "contaminated area (the statistics of /stats/districts) over the district's area, or over "
    "the territory nationally, on the day before the month and on its last day. National "
    "figures count what lies in no district too; released area nationally is the records' own "
    "areas, per district the polygons clipped to it. " + RELEASE_METHOD + " " + ITEMS_METHOD
)
FIGURES = (
    ("released_km2", "land_release"),
    ("items", "items_found"),
    ("tasks_started, tasks_completed", "tasks"),
    ("incidents", "incidents"),
    ("contaminated_share", "contaminated_zones"),
)


def parse_month(text: str) -> tuple[date, date]:
    """``YYYY-MM`` as the month's first and last days; a 400 for anything else."""
    match = MONTH.fullmatch(text)
    if match is None or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2100:
        raise InvalidParameterValue(f"month: {text!r} is not a month written YYYY-MM")
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), month_end(year, month)


def _figure_sources(session: Session, first: date, last: date) -> list[FigureSource]:
    """Each figure's layer and the sources of the rows that count in it."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in repo.record_sources(session, first, last):
        found[row.layer].add(row.source)
    for row in repo.task_sources(session, first, last):
        found["tasks"].add(row.source)
    for row in stats_repo.sources(session):
        if row.layer == "contaminated_zones":
            found["contaminated_zones"].add(row.source)
    return [
        FigureSource(
            figure=figure,
            layer=layer,
            sources=sorted(found[layer]),
            schematic=SCHEMATIC in found[layer],
        )
        for figure, layer in FIGURES
    ]


@dataclass
class _Tally:
    """What one place (a district, or the country) gathers over the month."""

    kinds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    organisations: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    categories: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add_counts(self, row: AnyRow | None, names: tuple[str, ...]) -> None:
        """Add a row's counts (tasks, incidents)."""
        for name in names:
            self.counts[name] += getattr(row, name) if row is not None else 0

    def figures(self, start_km2: float, end_km2: float, area_km2: float) -> MonthFigures:
        """The month's figures of this place."""
        start_share, end_share = _share(start_km2, area_km2), _share(end_km2, area_km2)
        return MonthFigures(
            released_km2=km2(sum(self.kinds.values())),
            released_by_kind={kind: km2(self.kinds[kind]) for kind in KINDS},
            released_by_organisation={
                code: km2(m2) for code, m2 in sorted(self.organisations.items())
            },
            items=sum(self.categories.values()),
            items_by_category={category: self.categories[category] for category in CATEGORIES},
            tasks_started=self.counts["started"],
            tasks_completed=self.counts["completed"],
            incidents=self.counts["incidents"],
            killed=self.counts["killed"],
            injured=self.counts["injured"],
            contaminated_km2_start=start_km2,
            contaminated_km2_end=end_km2,
            contaminated_share_start=start_share,
            contaminated_share_end=end_share,
            contaminated_share_change=round(end_share - start_share, 6),
        )


TASKS = ("started", "completed")
CASUALTIES = ("incidents", "killed", "injured")


def _share(part: float, whole: float) -> float:
    return round(part / whole, 6) if whole > 0 else 0.0


def _tallies(session: Session, first: date, last: date) -> tuple[_Tally, dict[str, _Tally]]:
    """The country's tally, and each district's by code."""
    country = _Tally()
    districts: dict[str, _Tally] = defaultdict(_Tally)
    for row in repo.released(session, ("kind",), first, last):
        country.kinds[row.kind] += row.m2
    for row in repo.released(session, ("organisation",), first, last):
        country.organisations[row.organisation] += row.m2
    for row in repo.released(session, ("district", "kind"), first, last):
        districts[row.district].kinds[row.kind] += row.m2
    for row in repo.released(session, ("district", "organisation"), first, last):
        districts[row.district].organisations[row.organisation] += row.m2
    for row in repo.items(session, ("category",), first, last):
        country.categories[row.category] += row.items
    for row in repo.items(session, ("district", "category"), first, last):
        districts[row.district].categories[row.category] += row.items
    return country, districts


def monthly(session: Session, month: str) -> MonthlyReport:
    """The month's released area by kind and organisation, items by category, tasks started
    and completed, incidents and the change in the contaminated share."""
    first, last = parse_month(month)
    country, tallies = _tallies(session, first, last)
    tasks = {row.district_id: row for row in repo.tasks_started_and_completed(session, first, last)}
    incidents = {row.district_id: row for row in repo.incidents(session, first, last)}
    for row in tasks.values():
        country.add_counts(row, TASKS)
    for row in incidents.values():
        country.add_counts(row, CASUALTIES)
    before = {
        row.id: row.contaminated_km2
        for row in stats.district_rows(session, first - timedelta(days=1), ZoneFilter())
    }
    districts = []
    for place in stats.district_rows(session, last, ZoneFilter()):
        tally = tallies[place.code]
        tally.add_counts(tasks.get(place.id), TASKS)
        tally.add_counts(incidents.get(place.id), CASUALTIES)
        figures = tally.figures(before[place.id], place.contaminated_km2, place.area_km2)
        districts.append(
            DistrictMonth(id=place.id, code=place.code, name=place.name, **figures.model_dump())
        )
    national = country.figures(
        round(sum(before.values()), 3),
        round(sum(row.contaminated_km2_end for row in districts), 3),
        stats_repo.versions(session).territory_km2,
    )
    sources = _figure_sources(session, first, last)
    return MonthlyReport(
        month=month,
        first_day=first,
        last_day=last,
        schematic=any(source.schematic for source in sources),
        figure_sources=sources,
        method=METHOD,
        national=national,
        districts=districts,
    )
