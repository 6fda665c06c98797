"""The layers: districts, contaminated zones, incidents, the former line of contact."""

from datetime import date

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.vocabulary import (
    ACTIVITIES,
    CONTAMINATION_TYPES,
    DEVICES,
    DISTRICT_KINDS,
    HAZARD_CLASSES,
    LOCATION_ACCURACIES,
    RELEASED_STATUSES,
    RISK_LEVELS,
    VICTIM_CATEGORIES,
    ZONE_STATUSES,
    sql_array_within,
    sql_in,
)

SRID = 4326


def _geometry(kind: str) -> Mapped[WKBElement]:
    """A non-null geometry column of one type in WGS 84, with a GiST index."""
    return mapped_column(Geometry(kind, srid=SRID, spatial_index=True), nullable=False)


def _valid() -> CheckConstraint:
    """Refuse invalid or empty geometries in the database itself."""
    return CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geom_valid")


class District(Base):
    """An administrative district (rayon) or city of Azerbaijan."""

    __tablename__ = "districts"
    __table_args__ = (
        _valid(),
        CheckConstraint(sql_in("kind", DISTRICT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_az: Mapped[str | None] = mapped_column(Text)
    hasc: Mapped[str | None] = mapped_column(Text)
    geonames_id: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    accuracy: Mapped[str | None] = mapped_column(Text)
    name_note: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = _geometry("MULTIPOLYGON")


class ContaminatedZone(Base):
    """A hazardous area: suspected (SHA) or confirmed (CHA), and its land-release status."""

    __tablename__ = "contaminated_zones"
    __table_args__ = (
        _valid(),
        CheckConstraint(sql_in("hazard_class", HAZARD_CLASSES), name="hazard_class"),
        CheckConstraint(sql_in("risk_level", RISK_LEVELS), name="risk_level"),
        CheckConstraint(sql_in("status", ZONE_STATUSES), name="status"),
        CheckConstraint(
            sql_array_within("contamination", CONTAMINATION_TYPES)
            + " AND cardinality(contamination) > 0",
            name="contamination",
        ),
        CheckConstraint(
            f"({sql_in('status', RELEASED_STATUSES)}) = (released_on IS NOT NULL)",
            name="released_on_status",
        ),
        CheckConstraint("released_on IS NULL OR released_on >= recorded_on", name="dates"),
        CheckConstraint("estimated_devices IS NULL OR estimated_devices >= 0", name="devices"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    hazard_class: Mapped[str] = mapped_column(Text)
    contamination: Mapped[list[str]] = mapped_column(ARRAY(Text))
    risk_level: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    recorded_on: Mapped[date] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    estimated_devices: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    accuracy: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = _geometry("MULTIPOLYGON")


class Incident(Base):
    """A mine or ERW incident; its district is computed from the point by a trigger."""

    __tablename__ = "incidents"
    __table_args__ = (
        _valid(),
        CheckConstraint(sql_in("device", DEVICES), name="device"),
        CheckConstraint(sql_in("activity", ACTIVITIES), name="activity"),
        CheckConstraint(sql_in("victim_category", VICTIM_CATEGORIES), name="victim_category"),
        CheckConstraint(sql_in("location_accuracy", LOCATION_ACCURACIES), name="location_accuracy"),
        CheckConstraint("killed >= 0 AND injured >= 0", name="casualties"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(Text)
    reported_district: Mapped[str | None] = mapped_column(Text)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    device: Mapped[str] = mapped_column(Text)
    activity: Mapped[str] = mapped_column(Text)
    killed: Mapped[int] = mapped_column(Integer, default=0)
    injured: Mapped[int] = mapped_column(Integer, default=0)
    victim_category: Mapped[str] = mapped_column(Text)
    location_accuracy: Mapped[str] = mapped_column(Text)
    location_note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = _geometry("POINT")


class IncidentVictim(Base):
    """Private details of a victim; no public endpoint reads this table."""

    __tablename__ = "incident_victims"
    __table_args__ = (CheckConstraint("age IS NULL OR age BETWEEN 0 AND 120", name="age"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    sex: Mapped[str | None] = mapped_column(Text)
    age: Mapped[int | None] = mapped_column(Integer)
    injury: Mapped[str | None] = mapped_column(Text)
    residence: Mapped[str | None] = mapped_column(Text)


class LineOfContact(Base):
    """The former line of contact, 1994-2020."""

    __tablename__ = "line_of_contact"
    __table_args__ = (
        _valid(),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    accuracy: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = _geometry("MULTILINESTRING")
