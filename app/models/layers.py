"""The layers: districts, contaminated zones, incidents, the former line of contact.

Each layer's table is named after its collection in the catalogue, which also gives its
geometry type and the allowed values its CHECK constraints keep.
"""

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.catalog import (
    COLLECTIONS,
    RELEASED_STATUSES,
    Activity,
    ContaminationType,
    Device,
    DistrictKind,
    HazardClass,
    LocationAccuracy,
    RiskLevel,
    VictimCategory,
    ZoneStatus,
)
from app.crs import STORAGE
from app.models.base import Base

SRID = STORAGE.srid  # the storage CRS, declared once in app/crs.py


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def sql_in(column: str, values: Iterable[str]) -> str:
    """A CHECK expression that keeps ``column`` within ``values`` (constants, never user input)."""
    return f"{column} IN ({_quoted(values)})"


def sql_array_within(column: str, values: type[StrEnum]) -> str:
    """A CHECK expression that keeps every element of an array column within ``values``."""
    return f"{column} <@ ARRAY[{_quoted(values)}]::text[]"


def in_check(column: str, values: type[StrEnum]) -> CheckConstraint:
    """A CHECK constraint named after ``column`` that keeps it within ``values``."""
    return CheckConstraint(sql_in(column, values), name=column)


class Layer(Base):
    """A published layer's table: an integer id, a unique code, a source and one geometry.

    The geometry is of the collection's type, in WGS 84, valid and non-empty (checked by the
    database itself), with a GiST index.
    """

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    source: Mapped[str] = mapped_column(Text)

    @declared_attr
    def geom(cls) -> Mapped[WKBElement]:
        """The geometry column, of the type the catalogue gives the collection; NULL only
        where the catalogue says a feature may come without one."""
        collection = COLLECTIONS[cls.__tablename__]
        kind = collection.geometry_type.upper()
        return mapped_column(
            Geometry(kind, srid=SRID, spatial_index=True),
            nullable=not collection.geometry_required,
        )

    @declared_attr.directive
    def __table_args__(cls) -> tuple[CheckConstraint, ...]:  # noqa: N805
        """The geometry check, then the layer's own (``checks``)."""
        valid = "ST_IsValid(geom) AND NOT ST_IsEmpty(geom)"
        if not COLLECTIONS[cls.__tablename__].geometry_required:
            valid = f"geom IS NULL OR ({valid})"
        return (CheckConstraint(valid, name="geom_valid"), *cls.checks())

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """The layer's own CHECK constraints."""
        return ()


class District(Layer):
    """An administrative district (rayon) or city of Azerbaijan."""

    __tablename__ = "districts"

    name: Mapped[str] = mapped_column(Text)
    name_az: Mapped[str | None] = mapped_column(Text)
    hasc: Mapped[str | None] = mapped_column(Text)
    geonames_id: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    accuracy: Mapped[str | None] = mapped_column(Text)
    name_note: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """Kind."""
        return (in_check("kind", DistrictKind),)


class ContaminatedZone(Layer):
    """A hazardous area: suspected (SHA) or confirmed (CHA), and its land-release status."""

    __tablename__ = "contaminated_zones"

    name: Mapped[str | None] = mapped_column(Text)
    hazard_class: Mapped[str] = mapped_column(Text)
    contamination: Mapped[list[str]] = mapped_column(ARRAY(Text))
    risk_level: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    recorded_on: Mapped[date] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    estimated_devices: Mapped[int | None] = mapped_column(Integer)
    imsma_id: Mapped[str | None] = mapped_column(Text)
    accuracy: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """Vocabularies, a release date exactly when released, dates in order."""
        return (
            in_check("hazard_class", HazardClass),
            in_check("risk_level", RiskLevel),
            in_check("status", ZoneStatus),
            CheckConstraint(
                sql_array_within("contamination", ContaminationType)
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


class Incident(Layer):
    """A mine or ERW incident; its district is computed from the point by a trigger."""

    __tablename__ = "incidents"

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

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """Vocabularies and non-negative casualties."""
        return (
            in_check("device", Device),
            in_check("activity", Activity),
            in_check("victim_category", VictimCategory),
            in_check("location_accuracy", LocationAccuracy),
            CheckConstraint("killed >= 0 AND injured >= 0", name="casualties"),
        )


class LineOfContact(Layer):
    """The former line of contact, 1994-2020."""

    __tablename__ = "line_of_contact"

    name: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    accuracy: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """Dates in order."""
        return (CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates"),)


class Settlement(Layer):
    """A populated place (GeoNames); its district is computed from the point by a trigger."""

    __tablename__ = "settlements"

    name: Mapped[str] = mapped_column(Text)
    name_az: Mapped[str | None] = mapped_column(Text)
    alternate_names: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    geonames_id: Mapped[int] = mapped_column(Integer)
    feature_code: Mapped[str | None] = mapped_column(Text)
    population: Mapped[int | None] = mapped_column(Integer)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    accuracy: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """A population is not negative."""
        return (CheckConstraint("population IS NULL OR population >= 0", name="population"),)


class IncidentVictim(Base):
    """Private details of a victim; it is no collection, and no public endpoint reads it."""

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


class DeletedIncidentVictim(Base):
    """A victim's private details while their incident is deleted (migration 0012):
    moved here by a trigger when the incident is deleted, and back when it is restored."""

    __tablename__ = "deleted_incident_victims"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # as it was
    incident_id: Mapped[int] = mapped_column(Integer, index=True)  # deleted: no foreign key
    sex: Mapped[str | None] = mapped_column(Text)
    age: Mapped[int | None] = mapped_column(Integer)
    injury: Mapped[str | None] = mapped_column(Text)
    residence: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LayerVersion(Base):
    """A layer's version: a new value from a sequence after every write (migration 0006)."""

    __tablename__ = "layer_versions"

    layer: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
