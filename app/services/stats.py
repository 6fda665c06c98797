"""Contamination statistics: national, per district and per year, from the precomputed deltas."""

from collections import defaultdict
from datetime import date
from typing import Any

from app.catalog import RELEASED_STATUSES, ContaminationType, RiskLevel, ZoneStatus
from app.core.db import Session
from app.errors import InvalidParameterValue, NotFound
from app.repositories import stats as repo
from app.repositories import stats_geo
from app.repositories.stats import AnyRow, Key
from app.schemas.query import SortKey
from app.schemas.stats import (
    Casualties,
    DistrictDetail,
    DistrictList,
    DistrictStats,
    DistrictYear,
    Freshness,
    Source,
    Summary,
    Timeseries,
    TimeseriesYear,
    ZoneFilter,
)
from app.services.features import MAX_ID

ANY = "*"
DIMENSIONS = {
    "risk_level": tuple(RiskLevel),
    "status": tuple(ZoneStatus),
    "contamination": tuple(ContaminationType),
}
SCHEMATIC = "schematic"
METHOD = (
    "Contaminated area is the geodesic area (PostGIS geography, WGS 84 ellipsoid) of the union "
    "of the zones counted as contaminated on the date (recorded on or before it and not "
    "released by then), clipped to the districts: overlapping zones count once, a zone crossing "
    "a border is split, land outside every district counts nowhere. Released area is the union "
    "of zones cancelled, reduced or cleared on or before the date. Filters select zones by their "
    "attributes; the status is the one the zone had on the date, from its history (before its "
    "history begins, the first status it recorded). Breakdowns overlap where zones of different "
    "values overlap. Shares "
    "divide by the geodesic area of the district, or of the union of districts (territory). "
    "Settlements near contamination: the GeoNames places within near_km of a zone counted as "
    "contaminated on the date (geodesic distance, PostGIS geography), and the sum of their "
    "population as recorded by GeoNames (many Karabakh figures predate 1994); a settlement "
    "counts in the district computed from its point."
)
NEAR_KM = 2.0


def freshness(session: Session) -> Freshness:
    """The data version and whether the figures lag behind it; a read never refreshes."""
    state = repo.versions(session)
    return Freshness(data_version=state.data, stale=state.stale)


def figures_version(session: Session) -> tuple[int, ...] | None:
    """What every figure is computed from: the statistics' data version and each layer's
    version, all bumped by any committed write; None while the figures lag behind the data."""
    return _figures_version(repo.versions(session))


def _figures_version(state: repo.Versions) -> tuple[int, ...] | None:
    return None if state.stale else (state.data, *state.layers)


def _key(filters: ZoneFilter, **override: str) -> Key:
    values = filters.model_dump() | override
    return (
        values["risk_level"] or ANY,
        values["status"] or ANY,
        values["contamination"] or ANY,
    )


def _breakdown_keys(filters: ZoneFilter) -> dict[tuple[str, str], Key]:
    """For each attribute and value, the key with that value and the other filters kept."""
    return {
        (dimension, value): _key(filters, **{dimension: value})
        for dimension, values in DIMENSIONS.items()
        for value in values
    }


def _km2(value: float) -> float:
    return round(max(value, 0.0), 3)


def _share(part: float, whole: float) -> float:
    return round(min(max(part / whole, 0.0), 1.0), 6) if whole > 0 else 0.0


def _by_key(rows: list[AnyRow]) -> dict[tuple[Any, ...], float]:
    """Index delta sums by (measure, key[, district])."""
    return {(row[0], tuple(row[1:4]), *row[4:-1]): row[-1] for row in rows}


def _breakdowns(totals: dict[tuple[Any, ...], float], filters: ZoneFilter) -> dict[str, Any]:
    keys = _breakdown_keys(filters)
    result: dict[str, dict[str, float]] = {
        "by_risk_level": {},
        "by_status": {},
        "by_contamination": {},
        "released_by_kind": {},
    }
    for (dimension, value), key in keys.items():
        result[f"by_{dimension}"][value] = _km2(totals.get(("contaminated", key), 0.0))
        if dimension == "status" and value in RELEASED_STATUSES:
            result["released_by_kind"][value] = _km2(totals.get(("released", key), 0.0))
    return result


def _casualties(rows: list[AnyRow]) -> Casualties:
    row = rows[0] if rows else None
    return Casualties.model_validate(row._mapping) if row else Casualties()


def _near(session: Session, near_km: float, as_of: date, filters: ZoneFilter) -> dict[Any, Any]:
    """Per district id (None: outside every district): settlements near contamination."""
    rows = stats_geo.settlements_near(session, near_km * 1000, as_of, filters.model_dump())
    return {row.district_id: row for row in rows}


def summary(
    session: Session, as_of: date, filters: ZoneFilter, near_km: float = NEAR_KM
) -> Summary:
    """National figures on ``as_of``."""
    near = _near(session, near_km, as_of, filters).values()
    state = repo.versions(session)
    key = _key(filters)
    totals = _by_key(repo.delta_totals(session, [key, *_breakdown_keys(filters).values()], as_of))
    contaminated = totals.get(("contaminated", key), 0.0)
    return Summary(
        as_of=as_of,
        filters=filters,
        territory_km2=_km2(state.territory_km2),
        contaminated_km2=_km2(contaminated),
        contaminated_share=_share(contaminated, state.territory_km2),
        released_km2=_km2(totals.get(("released", key), 0.0)),
        **_casualties(repo.incident_totals(session, as_of)).model_dump(),
        **_breakdowns(totals, filters),
        sources=[
            Source(
                layer=row.layer,
                source=row.source,
                features=row.features,
                schematic=row.source == SCHEMATIC,
            )
            for row in repo.sources(session)
        ],
        method=METHOD,
        data_version=state.data,
        stale=state.stale,
        near_km=near_km,
        settlements_near_contamination=sum(row.settlements for row in near),
        population_near_contamination=sum(row.population for row in near),
    )


def district_rows(
    session: Session,
    as_of: date,
    filters: ZoneFilter,
    district_id: int | None = None,
    near_km: float = NEAR_KM,
) -> list[DistrictStats]:
    """Each district's figures on ``as_of`` (one district when ``district_id`` is given)."""
    if district_id is not None and not 0 < district_id <= MAX_ID:
        raise NotFound(f"no district with id {district_id}")
    key = _key(filters)
    totals = _by_key(
        repo.delta_totals(session, [key], as_of, district_id=district_id, by_district=True)
    )
    incidents = {
        row.district_id: row
        for row in repo.incident_totals(session, as_of, district_id=district_id, by_district=True)
    }
    near = _near(session, near_km, as_of, filters)
    rows = []
    for district in repo.districts(session, district_id):
        contaminated = totals.get(("contaminated", key, district.id), 0.0)
        casualties = incidents.get(district.id)
        people = near.get(district.id)
        rows.append(
            DistrictStats(
                id=district.id,
                code=district.code,
                name=district.name,
                kind=district.kind,
                area_km2=_km2(district.area_km2),
                contaminated_km2=_km2(contaminated),
                contaminated_share=_share(contaminated, district.area_km2),
                released_km2=_km2(totals.get(("released", key, district.id), 0.0)),
                **_casualties([casualties] if casualties else []).model_dump(),
                settlements_near_contamination=people.settlements if people else 0,
                population_near_contamination=people.population if people else 0,
            )
        )
    if district_id is not None and not rows:
        raise NotFound(f"no district with id {district_id}")
    return rows


def sort_rows(rows: list[DistrictStats], sortby: tuple[SortKey, ...]) -> list[DistrictStats]:
    """Sort by the keys in turn; rows equal on every key keep their order (by id)."""
    for key in reversed(sortby):  # a stable sort per key, the last key first
        rows = sorted(rows, key=lambda row: getattr(row, key.name), reverse=not key.ascending)
    return rows


def district_list(
    session: Session,
    as_of: date,
    filters: ZoneFilter,
    sortby: tuple[SortKey, ...],
    near_km: float = NEAR_KM,
) -> DistrictList:
    """Every district's figures on ``as_of``, sorted as asked."""
    rows = sort_rows(district_rows(session, as_of, filters, near_km=near_km), sortby)
    return DistrictList(
        as_of=as_of, filters=filters, districts=rows, **freshness(session).model_dump()
    )


def _year_range(first: int, last: int) -> range:
    return range(first, last + 1)


def _series(
    session: Session, filters: ZoneFilter, until: date, district_id: int | None
) -> tuple[dict[int, float], dict[int, float], dict[tuple[str, int], float]]:
    """Per year: contaminated km² at its end, km² released in it, and released by kind."""
    status = filters.status or ANY
    changes: dict[int, float] = defaultdict(float)
    released: dict[int, float] = defaultdict(float)
    by_kind: dict[tuple[str, int], float] = defaultdict(float)
    for row in repo.delta_years(session, _key(filters), until, district_id):
        measure, row_status, year, km2 = row[0], row[1], int(row[2]), row[3]
        if measure == "contaminated" and row_status == status:
            changes[year] += km2
        elif measure == "released" and row_status == status:
            released[year] += km2
        elif measure == "released" and status in (ANY, row_status):
            by_kind[(row_status, year)] += km2
    level, at_year_end = 0.0, {}
    for year in sorted(changes):
        level += changes[year]
        at_year_end[year] = level
    return at_year_end, released, by_kind


def _level_at(at_year_end: dict[int, float], year: int) -> float:
    earlier = [known for known in at_year_end if known <= year]
    return at_year_end[max(earlier)] if earlier else 0.0


def district_detail(
    session: Session,
    district_id: int,
    as_of: date,
    filters: ZoneFilter,
    near_km: float = NEAR_KM,
) -> DistrictDetail:
    """One district's figures with breakdowns and one row per year up to ``as_of``."""
    (row,) = district_rows(session, as_of, filters, district_id, near_km)
    keys = list(_breakdown_keys(filters).values())
    totals = _by_key(repo.delta_totals(session, keys, as_of, district_id=district_id))
    _, released, by_kind = _series(session, filters, as_of, district_id)
    incidents = {
        int(item.year): item for item in repo.incident_years(session, date.min, as_of, district_id)
    }
    first = min([*released, *incidents, *(year for _, year in by_kind), as_of.year])
    years = [
        DistrictYear(
            year=year,
            released_km2=_km2(released.get(year, 0.0)),
            released_by_kind={
                kind: _km2(by_kind.get((kind, year), 0.0)) for kind in RELEASED_STATUSES
            },
            **_casualties([incidents[year]] if year in incidents else []).model_dump(),
        )
        for year in _year_range(first, as_of.year)
    ]
    return DistrictDetail(
        **row.model_dump(),
        **_breakdowns(totals, filters),
        as_of=as_of,
        filters=filters,
        years=years,
        **freshness(session).model_dump(),
    )


def timeseries(
    session: Session, first: int, last: int, district_id: int | None, filters: ZoneFilter
) -> Timeseries:
    """Per year from ``first`` to ``last``: contaminated at year end, released, incidents."""
    if first > last:
        raise InvalidParameterValue(f"from ({first}) is after to ({last})")
    if district_id is not None:
        district_rows(session, date(last, 12, 31), filters, district_id)  # 404 if unknown
    until = date(last, 12, 31)
    at_year_end, released, _ = _series(session, filters, until, district_id)
    incidents = {
        int(item.year): item
        for item in repo.incident_years(session, date(first, 1, 1), until, district_id)
    }
    years = [
        TimeseriesYear(
            year=year,
            contaminated_km2=_km2(_level_at(at_year_end, year)),
            released_km2=_km2(released.get(year, 0.0)),
            **_casualties([incidents[year]] if year in incidents else []).model_dump(),
        )
        for year in _year_range(first, last)
    ]
    return Timeseries(
        district=district_id, filters=filters, years=years, **freshness(session).model_dump()
    )
