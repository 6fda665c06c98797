"""The four public layers and the private victim details, as SQLAlchemy 2 models."""

from app.models.base import Base
from app.models.layers import (
    ContaminatedZone,
    District,
    Incident,
    IncidentVictim,
    Layer,
    LayerVersion,
    LineOfContact,
)
from app.models.stats import (
    StatsAtom,
    StatsDelta,
    StatsDirtyDistrict,
    StatsDistrictArea,
    StatsState,
)

__all__ = [
    "Base",
    "ContaminatedZone",
    "District",
    "Incident",
    "IncidentVictim",
    "Layer",
    "LayerVersion",
    "LineOfContact",
    "StatsAtom",
    "StatsDelta",
    "StatsDirtyDistrict",
    "StatsDistrictArea",
    "StatsState",
]
