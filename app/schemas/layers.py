"""What a feature of each layer must hold when it is written: derived from the catalogue.

Each collection's stored properties become one pydantic model (``CREATE[collection id]``)
with their types, allowed values, required flags and minimums; the few rules that tie two
properties together are written here, once per layer.
"""

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from app.catalog import COLLECTIONS, RELEASED_STATUSES, Collection, Property, RecordState

PYTHON_TYPES: dict[str, type] = {"string": str, "integer": int, "date": date, "boolean": bool}


class _Properties(BaseModel):
    """Unknown properties are ignored; enumerated values are kept as their text."""

    model_config = ConfigDict(extra="ignore", frozen=True, use_enum_values=True)


class _DistrictRules(_Properties):
    @model_validator(mode="before")
    @classmethod
    def _code_from_geonames(cls, data: Any) -> Any:
        """Without a code, a district is keyed by its GeoNames id."""
        if isinstance(data, dict) and not data.get("code") and data.get("geonames_id"):
            return {**data, "code": f"geonames:{data['geonames_id']}"}
        return data


class _ZoneRules(_Properties):
    @model_validator(mode="after")
    def _release_matches_status(self) -> "_ZoneRules":
        """A released zone has a release date on or after it was recorded; others have none."""
        status, recorded_on, released_on = (
            getattr(self, name) for name in ("status", "recorded_on", "released_on")
        )
        if (status in RELEASED_STATUSES) != (released_on is not None):
            raise ValueError(
                "released_on is required exactly when status is cancelled, reduced or cleared"
            )
        if released_on is not None and released_on < recorded_on:
            raise ValueError("released_on is before recorded_on")
        return self


class _LineRules(_Properties):
    @model_validator(mode="before")
    @classmethod
    def _default_code(cls, data: Any) -> Any:
        """The bundled line has one code, whatever file it comes from."""
        if isinstance(data, dict) and not data.get("code"):
            return {**data, "code": "LOC-1994"}
        return data


REPORTED_ON = ("released_on", "found_on")  # the day a report tells of


class _ReportRules(_Properties):
    @model_validator(mode="before")
    @classmethod
    def _submitted_by_default(cls, data: Any) -> Any:
        """A report without a state is submitted; one submitted (again) has no reason."""
        if isinstance(data, dict) and data.get("state") in (None, "", RecordState.submitted):
            return {**data, "state": RecordState.submitted.value, "reason": None}
        return data

    @model_validator(mode="after")
    def _reason_when_rejected(self) -> "_ReportRules":
        """A rejected report says why; another has no reason."""
        rejected = getattr(self, "state", None) == RecordState.rejected
        if rejected != bool(getattr(self, "reason", None)):
            raise ValueError("reason is required exactly when state is rejected")
        for name in REPORTED_ON:
            day = getattr(self, name, None)
            if day is not None and day > date.today():
                raise ValueError(f"{name} is in the future: a report tells what was done")
        return self


class _TaskRules(_Properties):
    @model_validator(mode="after")
    def _dates_in_order(self) -> "_TaskRules":
        """The planned and the worked periods each end on or after they start."""
        for start, end in (("planned_start", "planned_end"), ("started_on", "ended_on")):
            first, last = getattr(self, start), getattr(self, end)
            if first is not None and last is not None and last < first:
                raise ValueError(f"{end} is before {start}")
        return self


RULES: dict[str, type[_Properties]] = {
    "districts": _DistrictRules,
    "contaminated_zones": _ZoneRules,
    "line_of_contact": _LineRules,
    "tasks": _TaskRules,
}


def _field(prop: Property) -> tuple[Any, Any]:
    """The pydantic annotation and field of one property."""
    kind: Any = prop.enum or PYTHON_TYPES.get(prop.type)
    if prop.type == "array":
        kind = list[prop.enum] if prop.enum else list[str]  # type: ignore[name-defined]
    constraints: dict[str, Any] = {"ge": prop.minimum}
    if prop.required and (prop.type == "array" or (prop.type == "string" and not prop.enum)):
        constraints["min_length"] = 1  # a required text is not empty, a required list neither
    if prop.required:
        return kind, Field(..., description=prop.description, **constraints)
    return kind | None, Field(None, description=prop.description, **constraints)


def _create_model(collection: Collection) -> type[BaseModel]:
    fields: dict[str, Any] = {prop.name: _field(prop) for prop in collection.stored_properties}
    name = "".join(part.title() for part in collection.id.split("_")) + "Create"
    base = RULES.get(collection.id, _ReportRules if collection.approval else _Properties)
    return create_model(name, __base__=base, __doc__=collection.title, **fields)


CREATE: dict[str, type[BaseModel]] = {
    collection.id: _create_model(collection) for collection in COLLECTIONS.values()
}


class VictimCreate(BaseModel):
    """Private details of one victim: never served publicly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incident_code: str
    sex: Literal["male", "female"] | None = None
    age: int | None = Field(default=None, ge=0, le=120)
    injury: str | None = None
    residence: str | None = None
