"""Where clearing gives back the most to the most people: an explainable, re-weightable rank.

Each zone counted as contaminated on the date gets six parts, each normalised to 0..1 over
the zones being ranked (min-max; a part equal for every zone is 0 for all), weighted, and
summed into a score divided by the sum of the weights, so a score is between 0 and 1.
"""

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.catalog import COLLECTIONS
from app.core.db import Session
from app.core.i18n import FALLBACK, message
from app.core.spreadsheet import CsvWriter
from app.errors import InvalidParameterValue
from app.repositories import planning as repo
from app.repositories import stats_geo
from app.repositories.stats import AnyRow
from app.schemas.planning import NearestSettlement, Part, Priorities, PriorityZone, Weights

RISK_VALUES = {"high": 3.0, "medium": 2.0, "low": 1.0}
# The words are in the one message catalogue, which the map shows in the reader's language.
METHOD = message(FALLBACK, "priorities_method")
NOTE = message(FALLBACK, "priorities_note")


@dataclass(frozen=True)
class PartRule:
    """How a part's raw value becomes comparable: a value to normalise, and which way is better."""

    value: Callable[[AnyRow], float]
    higher_is_better: bool = True


RULES: dict[str, PartRule] = {
    "population": PartRule(lambda row: math.log1p(row.population)),
    "settlements": PartRule(lambda row: float(row.settlements)),
    "incidents": PartRule(lambda row: float(row.incidents)),
    "distance": PartRule(
        lambda row: row.distance_km if row.distance_km is not None else math.inf,
        higher_is_better=False,
    ),
    "risk": PartRule(lambda row: RISK_VALUES[row.risk_level]),
    "area": PartRule(lambda row: row.area_km2, higher_is_better=False),
}
RAW: dict[str, Callable[[AnyRow], float | str | None]] = {
    "population": lambda row: row.population,
    "settlements": lambda row: row.settlements,
    "incidents": lambda row: row.incidents,
    "distance": lambda row: None if row.distance_km is None else round(row.distance_km, 3),
    "risk": lambda row: row.risk_level,
    "area": lambda row: round(row.area_km2, 4),
}


def _normalised(values: list[float], higher_is_better: bool) -> list[float]:
    finite = [value for value in values if math.isfinite(value)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 0.0)
    if high == low:
        return [0.0] * len(values)
    scaled = [(min(value, high) - low) / (high - low) for value in values]
    return scaled if higher_is_better else [1.0 - value for value in scaled]


def rank(rows: list[AnyRow], weights: Weights) -> list[PriorityZone]:
    """Score and rank the zones; ties go to the lower zone id."""
    given = weights.model_dump()
    total = sum(given.values())
    if total <= 0:
        raise InvalidParameterValue("at least one weight must be greater than 0")
    normalised = {
        name: _normalised([rule.value(row) for row in rows], rule.higher_is_better)
        for name, rule in RULES.items()
    }
    scored = []
    for index, row in enumerate(rows):
        parts = {
            name: Part(
                raw=RAW[name](row),
                normalised=round(normalised[name][index], 6),
                weight=given[name],
                contribution=round(given[name] * normalised[name][index] / total, 6),
            )
            for name in RULES
        }
        score = sum(given[name] * normalised[name][index] for name in RULES) / total
        scored.append((round(score, 6), row, parts))
    scored.sort(key=lambda item: (-item[0], item[1].id))
    return [
        PriorityZone(
            rank=position,
            zone_id=row.id,
            code=row.code,
            district_id=row.district_id,
            district=row.district,
            risk_level=row.risk_level,
            hazard_class=row.hazard_class,
            area_km2=round(row.area_km2, 4),
            score=score,
            parts=parts,
            nearest_settlement=None
            if row.nearest_name is None
            else NearestSettlement(
                name=row.nearest_name,
                name_az=row.nearest_name_az,
                distance_km=round(row.distance_km, 3),
            ),
            bbox=[float(value) for value in row.bbox],
        )
        for position, (score, row, parts) in enumerate(scored, start=1)
    ]


def _since(as_of: date, years: int) -> date:
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - years, day=28)


def priorities(
    session: Session,
    as_of: date,
    near_km: float,
    incident_years: int,
    weights: Weights,
    filters: dict[str, Any],
    limit: int,
    offset: int,
) -> Priorities:
    """The ranked zones, a page of them, with the method and its limits in words."""
    since = _since(as_of, incident_years)
    rows = repo.parts(session, as_of, since, near_km * 1000, filters)
    ranked = rank(rows, weights)
    return Priorities(
        as_of=as_of,
        near_km=near_km,
        incident_years=incident_years,
        weights=weights,
        method=METHOD,
        note=NOTE,
        total=len(ranked),
        zones=ranked[offset : offset + limit],
    )


def _raw_and_contribution(zone: PriorityZone, name: str) -> tuple[Any, float]:
    return zone.parts[name].raw, zone.parts[name].contribution


def as_csv(result: Priorities) -> str:
    """One row per zone: its rank, score and each part's raw value and contribution."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    parts = list(RULES)
    writer.writerow(
        ["rank", "zone_id", "code", "district", "risk_level", "hazard_class", "area_km2", "score"]
        + [f"{name}_{field}" for name in parts for field in ("raw", "contribution")]
        + ["nearest_settlement", "nearest_settlement_km"]
    )
    for zone in result.zones:
        nearest = zone.nearest_settlement
        writer.writerow(
            [
                zone.rank,
                zone.zone_id,
                zone.code,
                zone.district,
                zone.risk_level,
                zone.hazard_class,
                zone.area_km2,
                zone.score,
            ]
            + [
                value
                for name in parts
                for value in (zone.parts[name].raw, zone.parts[name].contribution)
            ]
            + [nearest.name if nearest else None, nearest.distance_km if nearest else None]
        )
    return buffer.getvalue()


def as_geojson(session: Session, result: Priorities) -> str:
    """The ranked zones as a FeatureCollection, in rank order, for a GIS."""
    rows = [
        zone.model_dump(mode="json", exclude={"parts", "bbox"})
        | {f"{name}_contribution": part.contribution for name, part in zone.parts.items()}
        | {f"{name}_raw": part.raw for name, part in zone.parts.items()}
        | {"nearest_settlement": zone.nearest_settlement.name if zone.nearest_settlement else None}
        for zone in result.zones
    ]
    return stats_geo.feature_collection(session, COLLECTIONS["contaminated_zones"], "zone_id", rows)
