"""The statistics answers; the field names are the contract of issue 4."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.catalog import ContaminationType, RiskLevel, ZoneStatus


class ZoneFilter(BaseModel):
    """Which zones count: every zone, or those with the given recorded attributes."""

    model_config = ConfigDict(frozen=True, use_enum_values=True)

    risk_level: RiskLevel | None = None
    contamination: ContaminationType | None = None
    status: ZoneStatus | None = None


class Freshness(BaseModel):
    """Which data the figures were built from.

    Writes refresh the statistics before they commit, so ``stale`` is true only inside a
    transaction that wrote and has not committed; a stale answer is still served. A write made
    with the database's triggers disabled is seen by nothing, ``stale`` included: run
    ``contamap refresh`` after one, which rebuilds everything under a new data version.
    """

    data_version: int
    stale: bool


class Source(BaseModel):
    """Where the features of one layer come from."""

    layer: str
    source: str
    features: int
    schematic: bool = Field(description="true for a schematic scenario, not surveyed data")


class Casualties(BaseModel):
    """Incidents and their casualties."""

    incidents: int = 0
    killed: int = 0
    injured: int = 0


class Breakdowns(BaseModel):
    """Contaminated km² per value of each zone attribute; overlapping values count in each."""

    by_risk_level: dict[str, float] = Field(description="keys in the vocabulary's order")
    by_status: dict[str, float] = Field(description="keys in the vocabulary's order")
    by_contamination: dict[str, float] = Field(description="keys in the vocabulary's order")
    released_by_kind: dict[str, float] = Field(description="keys in the vocabulary's order")


class NearContamination(BaseModel):
    """Settlements within ``near_km`` of a zone counted as contaminated, and their people."""

    near_km: float
    settlements_near_contamination: int = 0
    population_near_contamination: int = Field(
        default=0, description="population as recorded by GeoNames"
    )


class Summary(Casualties, Breakdowns, Freshness, NearContamination):
    """National figures at a date."""

    as_of: date
    filters: ZoneFilter
    territory_km2: float
    contaminated_km2: float
    contaminated_share: float = Field(ge=0, le=1)
    released_km2: float
    sources: list[Source] = Field(description="by layer in catalogue order, then by source")
    method: str


class DistrictStats(BaseModel):
    """One district's figures at a date (the columns of the CSV, in this order)."""

    id: int
    code: str
    name: str
    kind: str
    area_km2: float
    contaminated_km2: float
    contaminated_share: float = Field(ge=0, le=1)
    released_km2: float
    incidents: int = 0
    killed: int = 0
    injured: int = 0
    settlements_near_contamination: int = 0
    population_near_contamination: int = Field(
        default=0, description="population as recorded by GeoNames"
    )


class DistrictList(Freshness):
    """Every district's figures at a date."""

    as_of: date
    filters: ZoneFilter
    districts: list[DistrictStats] = Field(description="in sortby order, then by id")


class DistrictYear(Casualties):
    """One year of a district: incidents and casualties, area released during the year."""

    year: int
    released_km2: float
    released_by_kind: dict[str, float]


class DistrictDetail(DistrictStats, Breakdowns, Freshness):
    """One district's figures with breakdowns and a row per year."""

    as_of: date
    filters: ZoneFilter
    years: list[DistrictYear] = Field(description="by year")


class LineSide(Casualties):
    """Contaminated area and incidents within the distance, on one side of the line."""

    side: Literal["west", "east"]
    contaminated_km2: float


class LineOfContactStats(Freshness):
    """Contaminated area and incidents within a distance of the former line of contact."""

    as_of: date
    filters: ZoneFilter
    within_km: float
    line_length_km: float
    contaminated_km2: float
    incidents: int
    incidents_total: int
    incidents_share: float = Field(ge=0, le=1)
    sides: list[LineSide] = Field(description="west, then east")
    method: str


class TimeseriesYear(Casualties):
    """One year: contaminated area at its end and area released during it."""

    year: int
    contaminated_km2: float
    released_km2: float


class Timeseries(Freshness):
    """Figures per year, nationally or for one district."""

    district: int | None
    filters: ZoneFilter
    years: list[TimeseriesYear] = Field(description="by year")
