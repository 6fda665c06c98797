"""The clearance priorities: a ranked list of zones with every part of each score."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from app.catalog import HazardClass, RiskLevel


class Weights(BaseModel):
    """The weight of each part of the score (query parameters w_<part>; at least one > 0)."""

    model_config = ConfigDict(populate_by_name=True)

    population: float = Field(
        default=0.35,
        ge=0,
        alias="w_population",
        serialization_alias="population",
        description="weight of people of settlements near",
    )
    settlements: float = Field(
        default=0.15,
        ge=0,
        alias="w_settlements",
        serialization_alias="settlements",
        description="weight of settlements near",
    )
    incidents: float = Field(
        default=0.20,
        ge=0,
        alias="w_incidents",
        serialization_alias="incidents",
        description="weight of recent incidents near, by toll",
    )
    distance: float = Field(
        default=0.10,
        ge=0,
        alias="w_distance",
        serialization_alias="distance",
        description="weight of closeness of the nearest settlement",
    )
    risk: float = Field(
        default=0.15,
        ge=0,
        alias="w_risk",
        serialization_alias="risk",
        description="weight of the zone's risk level",
    )
    area: float = Field(
        default=0.05,
        ge=0,
        alias="w_area",
        serialization_alias="area",
        description="weight of smallness: people back sooner",
    )


class Part(BaseModel):
    """One part of a zone's score: its raw value, normalised to 0..1, weighted."""

    raw: int | float | str | None
    normalised: float
    weight: float
    contribution: float


class NearestSettlement(BaseModel):
    """The settlement nearest the zone (geodesic)."""

    name: str
    name_az: str | None = None
    distance_km: float


class PriorityZone(BaseModel):
    """One zone's place in the ranking and why it is there."""

    rank: int
    zone_id: int
    code: str
    district_id: int | None
    district: str | None
    risk_level: RiskLevel
    hazard_class: HazardClass
    area_km2: float
    score: float
    parts: dict[str, Part] = Field(description="population, settlements, incidents, ...")
    nearest_settlement: NearestSettlement | None
    bbox: list[float]


class Priorities(BaseModel):
    """Zones counted as contaminated on as_of, ranked by the weighted score, best first."""

    as_of: date
    near_km: float
    incident_years: int
    weights: Weights
    method: str
    note: str
    total: int = Field(description="zones ranked, before limit and offset")
    zones: list[PriorityZone] = Field(description="by rank (score, then zone id)")
