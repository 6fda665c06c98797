"""A place's answers: what is near it, and the places a search finds."""

from datetime import date

from pydantic import BaseModel, Field

from app.schemas.stats import DistrictStats


class ZoneNear(BaseModel):
    """A zone counted as contaminated, and how far it is (0 inside it)."""

    id: int
    code: str
    risk_level: str
    hazard_class: str
    status: str
    distance_km: float
    bearing_deg: float | None = Field(
        None, description="from the point towards the zone, clockwise from north; null inside it"
    )


class IncidentNear(BaseModel):
    """An incident, and how far it is."""

    id: int
    code: str
    occurred_on: date
    device: str
    activity: str
    killed: int
    injured: int
    distance_km: float


class Near(BaseModel):
    """What lies near a point: the nearest contaminated zone, zones and incidents within."""

    lon: float
    lat: float
    as_of: date
    within_km: float
    nearest_zone_km: float | None = Field(description="geodesic; null when there is no zone")
    nearest_zone: ZoneNear | None
    counts: dict[str, dict[str, int]] = Field(description="zones and incidents within 1, 2, 5 km")
    zones: list[ZoneNear] = Field(description="within within_km, nearest first")
    incidents: list[IncidentNear] = Field(description="within within_km, nearest first")
    district: DistrictStats | None
    advice: dict[str, dict[str, str]] = Field(
        description="the same words in English and Azerbaijani"
    )


class Place(BaseModel):
    """A district or settlement a search found."""

    kind: str
    id: int
    name: str
    name_az: str | None
    district: str | None
    population: int | None
    lon: float
    lat: float
    bbox: list[float] | None


class SearchResults(BaseModel):
    """The places whose names start with the query, best first."""

    query: str
    results: list[Place]
