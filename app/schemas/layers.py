"""What a feature of each layer must hold when it is written (loaded or imported)."""

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models import vocabulary as v


class _Properties(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    source: str = Field(min_length=1)


class DistrictCreate(_Properties):
    """A district's properties."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    name_az: str | None = None
    hasc: str | None = None
    geonames_id: int | None = None
    region: str | None = None
    kind: Literal["district", "city"]
    accuracy: str | None = None
    name_note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _code_from_geonames(cls, data: Any) -> Any:
        """Without a code, a district is keyed by its GeoNames id."""
        if isinstance(data, dict) and not data.get("code") and data.get("geonames_id"):
            return {**data, "code": f"geonames:{data['geonames_id']}"}
        return data


class ContaminatedZoneCreate(_Properties):
    """A hazardous area's properties."""

    code: str = Field(min_length=1)
    name: str | None = None
    hazard_class: Literal["SHA", "CHA"]
    contamination: list[Literal["anti_personnel", "anti_tank", "uxo", "cluster"]] = Field(
        min_length=1
    )
    risk_level: Literal["high", "medium", "low"]
    status: Literal["active", "in_progress", "cancelled", "reduced", "cleared"]
    recorded_on: date
    released_on: date | None = None
    estimated_devices: int | None = Field(default=None, ge=0)
    accuracy: str | None = None

    @model_validator(mode="after")
    def _release_matches_status(self) -> "ContaminatedZoneCreate":
        """A released zone has a release date, a contaminated one has none."""
        released = self.status in v.RELEASED_STATUSES
        if released != (self.released_on is not None):
            raise ValueError(
                "released_on is required exactly when status is cancelled, reduced or cleared"
            )
        if self.released_on is not None and self.released_on < self.recorded_on:
            raise ValueError("released_on is before recorded_on")
        return self


class IncidentCreate(_Properties):
    """An incident's public properties."""

    code: str = Field(min_length=1)
    occurred_on: date
    place: str | None = None
    reported_district: str | None = None
    device: Literal[
        "anti_personnel_mine", "anti_tank_mine", "uxo", "cluster_munition", "unknown_landmine"
    ]
    activity: Literal["mine_clearance", "grazing", "farming", "travel", "other"]
    killed: int = Field(ge=0)
    injured: int = Field(ge=0)
    victim_category: Literal["civilian", "military", "deminer"]
    location_accuracy: Literal["surveyed", "village", "district"]
    location_note: str | None = None


class VictimCreate(BaseModel):
    """Private details of one victim: never served publicly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incident_code: str
    sex: Literal["male", "female"] | None = None
    age: int | None = Field(default=None, ge=0, le=120)
    injury: str | None = None
    residence: str | None = None


class LineOfContactCreate(_Properties):
    """The former line of contact's properties."""

    code: str = Field(default="LOC-1994", min_length=1)
    name: str = Field(min_length=1)
    valid_from: date
    valid_to: date | None = None
    accuracy: str | None = None
