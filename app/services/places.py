"""For people going home: what is near a place, and finding a place by its name."""

from datetime import date
from typing import Any

from app.core.db import Session
from app.core.i18n import catalogue
from app.errors import InvalidParameterValue
from app.repositories import places as repo
from app.schemas.places import IncidentNear, Near, Place, SearchResults, ZoneNear
from app.schemas.stats import ZoneFilter
from app.services.stats import district_rows

RADII_KM = (1, 2, 5)
ADVICE = ("not_a_guarantee", "schematic", "what_to_do")  # the words every answer carries


def advice() -> dict[str, dict[str, str]]:
    """The honest words, in every language of the one catalogue the web map reads too."""
    return {lang: {key: words[key] for key in ADVICE} for lang, words in catalogue().items()}


def near(
    session: Session, lon: float, lat: float, within_km: float, as_of: date, filters: ZoneFilter
) -> Near:
    """The nearest contaminated zone, the zones and incidents within the distance, the district."""
    metres = max(within_km, max(RADII_KM)) * 1000
    zones = [
        ZoneNear(**row._mapping, distance_km=round(row.metres / 1000, 4))
        for row in repo.zones_near(session, lon, lat, metres, as_of, filters.model_dump())
    ]
    incidents = [
        IncidentNear(**row._mapping, distance_km=round(row.metres / 1000, 4))
        for row in repo.incidents_near(session, lon, lat, metres, as_of)
    ]
    district_id = repo.district_at(session, lon, lat)
    district = (
        district_rows(session, as_of, filters, district_id)[0] if district_id is not None else None
    )
    nearest = zones[0] if zones else None
    return Near(
        lon=lon,
        lat=lat,
        as_of=as_of,
        within_km=within_km,
        nearest_zone_km=nearest.distance_km if nearest else None,
        nearest_zone=nearest,
        counts={
            f"{radius}": {
                "zones": sum(zone.distance_km <= radius for zone in zones),
                "incidents": sum(incident.distance_km <= radius for incident in incidents),
            }
            for radius in RADII_KM
        },
        zones=[zone for zone in zones if zone.distance_km <= within_km],
        incidents=[incident for incident in incidents if incident.distance_km <= within_km],
        district=district,
        advice=advice(),
    )


def search(session: Session, query: str, limit: int) -> SearchResults:
    """Districts and settlements by name (English or Azerbaijani, with or without diacritics)."""
    cleaned = " ".join(query.split())
    if not cleaned:
        raise InvalidParameterValue("q is empty: give the start of a place's name")
    rows: list[Any] = repo.search(session, cleaned, limit)
    return SearchResults(
        query=cleaned,
        results=[Place(**row._mapping) for row in rows],
    )
