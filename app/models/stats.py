"""Derived statistics tables, rebuilt by the database function ``stats_refresh()``.

Triggers on the zones and the districts bump the data version and mark the zones and the
districts a write touched; a refresh rebuilds the marked districts whole and, around the
marked zones, the leaves of their districts' quadtree (every district when ``rebuild_all``).
"""

from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.layers import SRID


class StatsState(Base):
    """The single row saying which data version the derived tables were built from."""

    __tablename__ = "stats_state"
    __table_args__ = (CheckConstraint("id", name="single_row"),)

    id: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default="true")
    data_version: Mapped[int] = mapped_column(BigInteger, server_default="1")
    built_version: Mapped[int] = mapped_column(BigInteger, server_default="0")
    territory_km2: Mapped[float] = mapped_column(Float, server_default="0")
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rebuild_all: Mapped[bool] = mapped_column(Boolean, server_default="false")
    territory_stale: Mapped[bool] = mapped_column(Boolean, server_default="false")


class StatsDirtyDistrict(Base):
    """A district whose atoms and deltas a write since the last refresh may have changed."""

    __tablename__ = "stats_dirty_districts"

    district_id: Mapped[int] = mapped_column(primary_key=True)


class StatsDirtyZone(Base):
    """A zone a write changed since the last refresh: the leaves around it are rebuilt."""

    __tablename__ = "stats_dirty_zones"

    zone_id: Mapped[int] = mapped_column(primary_key=True)


class StatsPiece(Base):
    """A zone's part in a district, and whether its interior meets no other piece (alone)."""

    __tablename__ = "stats_zone_pieces"

    district_id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(primary_key=True, index=True)
    alone: Mapped[bool] = mapped_column(Boolean)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("GEOMETRY", srid=SRID, spatial_index=True), nullable=False
    )


class StatsLeaf(Base):
    """A cell of a district's quadtree whose pieces are noded together: its bounds."""

    __tablename__ = "stats_leaves"

    district_id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, primary_key=True)  # quadrants from the root, 0-3
    x0: Mapped[float] = mapped_column(Float)
    y0: Mapped[float] = mapped_column(Float)
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)


class StatsLeafStep(Base):
    """The change of km² a leaf's atoms make on a date for one filter key (see StatsDelta)."""

    __tablename__ = "stats_leaf_steps"
    __table_args__ = (
        Index(
            "ix_stats_leaf_steps_key",
            "district_id",
            "measure",
            "risk_level",
            "status",
            "contamination",
            "on_date",
        ),
    )

    district_id: Mapped[int] = mapped_column(primary_key=True)
    leaf: Mapped[str] = mapped_column(Text, primary_key=True)
    measure: Mapped[str] = mapped_column(Text, primary_key=True)
    risk_level: Mapped[str] = mapped_column(Text, primary_key=True)
    status: Mapped[str] = mapped_column(Text, primary_key=True)
    contamination: Mapped[str] = mapped_column(Text, primary_key=True)
    on_date: Mapped[date] = mapped_column(Date, primary_key=True)
    delta_km2: Mapped[float] = mapped_column(Float)


class StatsLeafArea(Base):
    """The union of a leaf's atoms that a zone not released covers, and its km²."""

    __tablename__ = "stats_leaf_areas"

    district_id: Mapped[int] = mapped_column(primary_key=True)
    leaf: Mapped[str] = mapped_column(Text, primary_key=True)
    area_km2: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False
    )


class StatsDistrictArea(Base):
    """A district's geodesic area."""

    __tablename__ = "stats_district_areas"

    district_id: Mapped[int] = mapped_column(primary_key=True)
    area_km2: Mapped[float] = mapped_column(Float)


class StatsAtom(Base):
    """A piece of one district covered by a constant set of zones, with its geodesic area."""

    __tablename__ = "stats_atoms"
    __table_args__ = (Index("ix_stats_atoms_leaf", "district_id", "leaf"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    district_id: Mapped[int] = mapped_column(index=True)
    leaf: Mapped[str] = mapped_column(Text, server_default="")  # its StatsLeaf's path
    zone_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    area_km2: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False
    )


class StatsContaminatedArea(Base):
    """A district's contaminated area today: the union of its atoms a zone not released covers.

    The tiles draw it at the zooms where the zones themselves would be too many.
    """

    __tablename__ = "stats_contaminated_areas"

    district_id: Mapped[int] = mapped_column(primary_key=True)
    area_km2: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False
    )


class StatsDelta(Base):
    """A change of contaminated or released km² in a district on a date, for one filter key.

    ``risk_level``, ``status`` and ``contamination`` hold a value or ``*`` for any.
    """

    __tablename__ = "stats_deltas"

    measure: Mapped[str] = mapped_column(Text, primary_key=True)
    risk_level: Mapped[str] = mapped_column(Text, primary_key=True)
    status: Mapped[str] = mapped_column(Text, primary_key=True)
    contamination: Mapped[str] = mapped_column(Text, primary_key=True)
    district_id: Mapped[int] = mapped_column(primary_key=True, index=True)
    on_date: Mapped[date] = mapped_column(Date, primary_key=True)
    delta_km2: Mapped[float] = mapped_column(Float)
    level_km2: Mapped[float] = mapped_column(Float)  # the running sum of delta_km2 by date
