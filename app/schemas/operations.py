"""The operations' figures: land released, items found, productivity, the forecast and the
monthly report. Each answer says which records it counts (``counts: "approved"``), where its
data come from and whether they are schematic."""

from datetime import date
from enum import StrEnum
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field

from app.schemas.stats import Casualties, Source


class ReleaseGroupBy(StrEnum):
    """How released land is grouped."""

    kind = "kind"
    organisation = "organisation"
    method = "method"
    district = "district"
    year = "year"
    month = "month"


class ItemsGroupBy(StrEnum):
    """How items found are grouped."""

    category = "category"
    organisation = "organisation"
    method = "method"
    district = "district"
    year = "year"
    month = "month"
    action = "action"


Counted = Literal["approved"]


class Provenance(BaseModel):
    """Which records count, where they come from, and whether they are schematic."""

    counts: Counted = Field(
        default="approved", description="the state of the records counted: approved only"
    )
    sources: list[Source] = Field(description="by layer, then source")
    schematic: bool = Field(description="true when any counted record is schematic")
    method: str


class ReleaseGroup(BaseModel):
    """Approved released area of one group, with its kind breakdown."""

    key: str
    label: str | None = Field(default=None, description="a district's name")
    released_km2: float
    by_kind: dict[str, float] = Field(description="cancelled, reduced, cleared km²")
    records: int


class ReleaseStats(Provenance):
    """Approved released area per group."""

    group_by: ReleaseGroupBy
    start: date | None = Field(default=None, description="from: first day counted")
    end: date | None = Field(default=None, description="to: last day counted")
    district: int | None = None
    total_km2: float = Field(description="the records' own areas (a method: each record once)")
    total_by_kind: dict[str, float]
    groups: list[ReleaseGroup] = Field(
        description="every value of a vocabulary in its order; otherwise the groups with "
        "records, by key"
    )


class ItemsGroup(BaseModel):
    """Approved items found in one group, by category and by action."""

    key: str
    label: str | None = Field(default=None, description="a district's name")
    items: int
    by_category: dict[str, int]
    by_action: dict[str, int]
    records: int


class ItemsStats(Provenance):
    """Approved items found per group."""

    group_by: ItemsGroupBy
    start: date | None = Field(default=None, description="from: first day counted")
    end: date | None = Field(default=None, description="to: last day counted")
    district: int | None = None
    total: int
    total_by_category: dict[str, int]
    groups: list[ItemsGroup]


class ProductivityRow(BaseModel):
    """One organisation's release by one method over the period."""

    organisation: str
    method: str
    released_m2: float
    records: int
    working_days: int
    m2_per_working_day: float | None = Field(description="null when it has no working day")


class Productivity(Provenance):
    """Square metres released per working day, per organisation and method."""

    start: date = Field(description="from: first day counted")
    end: date = Field(description="to: last day counted")
    rows: list[ProductivityRow] = Field(description="by organisation, then method")


class QuarterRelease(BaseModel):
    """Approved released km² in one quarter before as_of."""

    start: date = Field(description="first day")
    end: date = Field(description="last day")
    released_km2: float


class ForecastEntry(BaseModel):
    """When would the remaining area be released at the recent rate: one district, or the
    whole country (``district_id`` null)."""

    district_id: int | None
    code: str
    name: str
    remaining_km2: float
    released_12_months_km2: float
    rate_km2_per_year: float
    rate_range_km2_per_year: tuple[float, float] = Field(
        description="[min, max] of the last four quarters' released km² times 4"
    )
    quarters: list[QuarterRelease] = Field(description="the last four quarters, oldest first")
    clear_by_year: int | None = Field(description="null when nothing was released in the period")
    clear_by_year_range: tuple[int | None, int | None] = Field(
        description="[at the fastest quarter's rate, at the slowest's]; null when that rate is 0"
    )
    note: str | None = None


class Forecast(Provenance):
    """An extrapolation of recent release rates, per district and nationally; not a plan."""

    as_of: date
    statement: str
    national: ForecastEntry
    districts: list[ForecastEntry] = Field(description="by district id")


class MonthFigures(Casualties):
    """One month's figures, nationally or in one district."""

    released_km2: float
    released_by_kind: dict[str, float]
    released_by_organisation: dict[str, float]
    items: int
    items_by_category: dict[str, int]
    tasks_started: int
    tasks_completed: int
    contaminated_km2_start: float
    contaminated_km2_end: float
    contaminated_share_start: float
    contaminated_share_end: float
    contaminated_share_change: float


class DistrictMonth(MonthFigures):
    """One district's month."""

    id: int
    code: str
    name: str


class FigureSource(BaseModel):
    """Where one figure of the report comes from."""

    figure: str
    layer: str
    sources: list[str]
    schematic: bool


class MonthlyReport(BaseModel):
    """One month of operations, nationally and per district."""

    month: str
    first_day: date
    last_day: date
    counts: Counted = "approved"
    schematic: bool
    figure_sources: list[FigureSource]
    method: str
    national: MonthFigures
    districts: list[DistrictMonth] = Field(description="by district id")


class Period(NamedTuple):
    """The days counted: from ``first`` to ``last``, both included; None leaves it open."""

    first: date | None
    last: date | None
