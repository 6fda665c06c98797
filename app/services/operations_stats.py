"""Operations' figures: approved land released and items found by group, productivity, and the
forecast of when each district would be clear at its recent rate."""

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

from app.catalog import ItemAction, ItemCategory, Method, ReleaseKind
from app.core.db import Session
from app.errors import InvalidParameterValue, NotFound
from app.repositories import operations_stats as repo
from app.repositories import stats as stats_repo
from app.repositories.stats import AnyRow
from app.schemas.operations import (
    Forecast,
    ForecastEntry,
    ItemsGroup,
    ItemsGroupBy,
    ItemsStats,
    Productivity,
    ProductivityRow,
    QuarterRelease,
    ReleaseGroup,
    ReleaseGroupBy,
    ReleaseStats,
)
from app.schemas.stats import Source, ZoneFilter
from app.services import stats
from app.services.features import MAX_ID

SCHEMATIC = "schematic"
RECORD_LAYERS = ("land_release", "items_found", "incidents")  # counted by their dates
KINDS = tuple(ReleaseKind)
CATEGORIES = tuple(ItemCategory)
ACTIONS = tuple(ItemAction)
VOCABULARIES: dict[str, tuple[StrEnum, ...]] = {
    "kind": KINDS,
    "method": tuple(Method),
    "category": CATEGORIES,
    "action": ACTIONS,
}
RELEASE_METHOD = (
    "Only land-release records in the state 'approved' count. A record's area is the geodesic "
    "area of its polygon as approved (PostGIS geography, WGS 84 ellipsoid): approval cuts the "
    "polygon to the contaminated zones it released, so land that held no zone, or was "
    "released already, is not counted; per district, the polygon "
    "clipped to the district, so land outside every district counts in no district. Records "
    "count by their release date. Grouped by method, a record counts under each method of its "
    "task: a task with several methods counts in full under each, so the groups add up to more "
    "than the total, which counts every record once."
)
ITEMS_METHOD = (
    "Only item reports in the state 'approved' count, by the date found. An item's district is "
    "the one holding its point, or its task's point on surface when the report has none. Items "
    "removed are destroyed later at a demolition site; by_action tells them from those "
    "destroyed in situ. Grouped by method, a report counts under each method of its task, so "
    "the groups add up to more than the total, which counts every item once."
)
PRODUCTIVITY_METHOD = (
    "Square metres of approved land release per working day, per organisation and method. A "
    "working day is a weekday (Monday to Friday) on which at least one of the organisation's "
    "tasks using the method was under way: from the task's started_on to its ended_on (or to "
    "the period's end while it has none), within the period; a day counts once however many "
    "tasks ran on it. Tasks not started have no working day. A record counts under each method "
    "of its task (see /stats/release)."
)
FORECAST_STATEMENT = (
    "An extrapolation of recent release rates, not a plan: the year the area contaminated on "
    "as_of would be released if land kept being released at the rate of the last 12 months, "
    "and at the fastest and slowest rate of the last four quarters."
)
FORECAST_METHOD = (
    "remaining_km2 is the contaminated area on as_of (the statistics of /stats/districts). "
    "rate_km2_per_year is the approved land released in the 12 months up to as_of (after "
    "as_of minus 12 months, up to and including as_of), clipped to each district; nationally, "
    "the records' own areas. The four quarters are the consecutive 3-month periods ending on "
    "as_of; the range is [min, max] of each quarter's km² times 4. clear_by_year is as_of's year "
    "plus remaining / rate, rounded up; null, with a note, when nothing was released in the "
    "period. clear_by_year_range comes from the fastest and the slowest quarter; its end is "
    "null when a quarter released nothing. " + RELEASE_METHOD
)


def km2(m2: float) -> float:
    """Square metres as km², to the square metre."""
    return round(max(float(m2), 0.0) / 1e6, 6)


FIRST_YEAR, LAST_YEAR = 1990, 2100  # the years a figure may be asked for, as /stats/timeseries


def check_day(day: date | None, name: str) -> None:
    """A date outside FIRST_YEAR..LAST_YEAR is refused: nothing was released then, and a
    period of millennia would keep a connection for the statement timeout."""
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidParameterValue(f"{name}: {day} is outside the years {FIRST_YEAR}-{LAST_YEAR}")


def check_period(first: date | None, last: date | None) -> None:
    """A period within the years figures are kept for, its start not after its end."""
    check_day(first, "from")
    check_day(last, "to")
    if first is not None and last is not None and first > last:
        raise InvalidParameterValue(f"from ({first}) is after to ({last})")


def check_district(district_id: int | None) -> None:
    """An id out of range names no district."""
    if district_id is not None and not 0 < district_id <= MAX_ID:
        raise NotFound(f"no district with id {district_id}")


def sources(
    session: Session, layers: Iterable[str], first: date | None, last: date | None
) -> list[Source]:
    """The sources of the records of ``layers`` counted in the period; of every feature for
    another layer (the contaminated zones); by layer as asked, then source."""
    found: dict[str, list[AnyRow]] = defaultdict(list)
    for row in repo.record_sources(session, first, last):
        found[row.layer].append(row)
    for row in stats_repo.sources(session):
        if row.layer not in RECORD_LAYERS:
            found[row.layer].append(row)
    return [
        Source(
            layer=row.layer,
            source=row.source,
            features=row.features,
            schematic=row.source == SCHEMATIC,
        )
        for layer in layers
        for row in found[layer]
    ]


def _ordered_keys(group_by: str, rows: list[AnyRow]) -> list[tuple[str, str | None]]:
    """Every value of a vocabulary in its order, else the keys found, in the rows' order."""
    if group_by in VOCABULARIES:
        return [(str(value), None) for value in VOCABULARIES[group_by]]
    found: dict[str, str | None] = {}
    for row in rows:
        found.setdefault(str(getattr(row, group_by)), row.label)
    return list(found.items())


def release(
    session: Session,
    group_by: ReleaseGroupBy,
    first: date | None,
    last: date | None,
    district_id: int | None,
) -> ReleaseStats:
    """Approved released km² per group, each with its kind breakdown."""
    check_period(first, last)
    check_district(district_id)
    groups = (group_by.value, "kind") if group_by != ReleaseGroupBy.kind else ("kind",)
    rows = repo.released(session, groups, first, last, district_id)
    m2: dict[tuple[str, str], float] = defaultdict(float)
    records: dict[str, int] = defaultdict(int)
    for row in rows:
        key = str(getattr(row, group_by.value))
        m2[(key, row.kind)] += row.m2
        records[key] += row.records
    totals = {row.kind: row for row in repo.released(session, ("kind",), first, last, district_id)}
    found = sources(session, ["land_release"], first, last)
    return ReleaseStats(
        group_by=group_by,
        start=first,
        end=last,
        district=district_id,
        total_km2=km2(sum(row.m2 for row in totals.values())),
        total_by_kind={kind: km2(totals[kind].m2 if kind in totals else 0) for kind in KINDS},
        groups=[
            ReleaseGroup(
                key=key,
                label=label,
                released_km2=km2(sum(m2[(key, kind)] for kind in KINDS)),
                by_kind={kind: km2(m2[(key, kind)]) for kind in KINDS},
                records=records[key],
            )
            for key, label in _ordered_keys(group_by.value, rows)
        ],
        sources=found,
        schematic=any(source.schematic for source in found),
        method=RELEASE_METHOD,
    )


def items(
    session: Session,
    group_by: ItemsGroupBy,
    first: date | None,
    last: date | None,
    district_id: int | None,
) -> ItemsStats:
    """Approved items found per group, by category and by action."""
    check_period(first, last)
    check_district(district_id)
    groups = tuple(dict.fromkeys((group_by.value, "category", "action")))
    rows = repo.items(session, groups, first, last, district_id)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    records: dict[str, int] = defaultdict(int)
    for row in rows:
        key = str(getattr(row, group_by.value))
        counts[(key, row.category)] += row.items
        counts[(key, row.action)] += row.items
        records[key] += row.records
    keyed = [
        ItemsGroup(
            key=key,
            label=label,
            items=sum(counts[(key, category)] for category in CATEGORIES),
            by_category={category: counts[(key, category)] for category in CATEGORIES},
            by_action={action: counts[(key, action)] for action in ACTIONS},
            records=records[key],
        )
        for key, label in _ordered_keys(group_by.value, rows)
    ]
    totals = repo.items(session, ("category",), first, last, district_id)
    by_category = dict.fromkeys(CATEGORIES, 0)
    by_category.update({row.category: row.items for row in totals})
    found = sources(session, ["items_found"], first, last)
    return ItemsStats(
        group_by=group_by,
        start=first,
        end=last,
        district=district_id,
        total=sum(by_category.values()),
        total_by_category=by_category,
        groups=keyed,
        sources=found,
        schematic=any(source.schematic for source in found),
        method=ITEMS_METHOD,
    )


def productivity(session: Session, first: date | None, last: date | None) -> Productivity:
    """m² released per working day per organisation and method; by default the 12 months up
    to today."""
    check_period(first, last)
    last = last or date.today()
    first = first or shift_months(last, -12) + timedelta(days=1)
    check_period(first, last)
    rows = [
        ProductivityRow(
            organisation=row.organisation,
            method=row.method,
            released_m2=round(float(row.m2), 1),
            records=row.records,
            working_days=row.days,
            m2_per_working_day=round(float(row.m2) / row.days, 1) if row.days else None,
        )
        for row in repo.productivity(session, first, last)
    ]
    found = sources(session, ["land_release"], first, last)
    return Productivity(
        start=first,
        end=last,
        rows=rows,
        sources=found,
        schematic=any(source.schematic for source in found),
        method=PRODUCTIVITY_METHOD,
    )


def shift_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier when negative), on the month's last day when
    the month is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _month_length(year, month + 1)))


def _month_length(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, _month_length(year, month))


def quarters(as_of: date) -> list[tuple[date, date]]:
    """The four consecutive 3-month periods ending on ``as_of``, oldest first: (first day,
    last day)."""
    ends = [shift_months(as_of, -3 * back) for back in (4, 3, 2, 1, 0)]
    return [(low + timedelta(days=1), high) for low, high in pairwise(ends)]


def _clear_by(year: int, remaining: float, rate: float) -> int | None:
    return year + math.ceil(remaining / rate) if rate > 0 else None


def _entry(
    as_of: date,
    place: tuple[int | None, str, str],
    remaining: float,
    periods: list[tuple[date, date]],
    released_m2: list[float],
) -> ForecastEntry:
    """One district's (or the country's) forecast from its remaining km² and its release in
    each quarter."""
    per_quarter = [km2(m2) for m2 in released_m2]
    rate = round(sum(per_quarter), 6)
    rates = [round(value * 4, 6) for value in per_quarter]
    low, high = min(rates), max(rates)
    notes = []
    if remaining == 0:
        notes.append("nothing remains contaminated on as_of")
    if rate == 0:
        notes.append(
            "no approved land release in the 12 months before as_of: the recent rate gives no "
            "year to extrapolate to"
        )
    elif low == 0:
        notes.append("a quarter released nothing: at its rate the area would never be released")
    note = "; ".join(notes) or None
    district_id, code, name = place
    return ForecastEntry(
        district_id=district_id,
        code=code,
        name=name,
        remaining_km2=remaining,
        released_12_months_km2=rate,
        rate_km2_per_year=rate,
        rate_range_km2_per_year=(low, high),
        quarters=[
            QuarterRelease(start=start, end=end, released_km2=value)
            for (start, end), value in zip(periods, per_quarter, strict=True)
        ],
        clear_by_year=_clear_by(as_of.year, remaining, rate),
        clear_by_year_range=(
            _clear_by(as_of.year, remaining, high),
            _clear_by(as_of.year, remaining, low),
        ),
        note=note,
    )


def forecast(session: Session, as_of: date) -> Forecast:
    """Per district and nationally: remaining km², the recent release rate and its range, and
    the year the remaining area would be released at it."""
    check_day(as_of, "as_of")
    periods = quarters(as_of)
    national_m2: list[float] = []
    district_m2: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(periods))
    for index, (first, last) in enumerate(periods):
        national_m2.append(sum(row.m2 for row in repo.released(session, ("kind",), first, last)))
        for row in repo.released(session, ("district",), first, last):
            district_m2[row.district][index] = row.m2
    rows = stats.district_rows(session, as_of, ZoneFilter())
    remaining = round(sum(row.contaminated_km2 for row in rows), 3)
    found = sources(session, ["contaminated_zones", "land_release"], periods[0][0], as_of)
    return Forecast(
        as_of=as_of,
        statement=FORECAST_STATEMENT,
        national=_entry(as_of, (None, "national", "Azerbaijan"), remaining, periods, national_m2),
        districts=[
            _entry(
                as_of,
                (row.id, row.code, row.name),
                row.contaminated_km2,
                periods,
                district_m2[row.code],
            )
            for row in rows
        ],
        sources=found,
        schematic=any(source.schematic for source in found),
        method=FORECAST_METHOD,
    )
