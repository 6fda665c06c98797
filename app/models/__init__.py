"""The layers, the private victim details, the statistics and editing, as SQLAlchemy 2 models."""

from app.models.base import Base
from app.models.editing import ApiKey, FeatureHistory
from app.models.layers import (
    ContaminatedZone,
    District,
    Incident,
    IncidentVictim,
    Layer,
    LayerVersion,
    LineOfContact,
    Settlement,
)
from app.models.stats import (
    StatsAtom,
    StatsContaminatedArea,
    StatsDelta,
    StatsDirtyDistrict,
    StatsDistrictArea,
    StatsState,
)

__all__ = [
    "ApiKey",
    "Base",
    "ContaminatedZone",
    "District",
    "FeatureHistory",
    "Incident",
    "IncidentVictim",
    "Layer",
    "LayerVersion",
    "LineOfContact",
    "Settlement",
    "StatsAtom",
    "StatsContaminatedArea",
    "StatsDelta",
    "StatsDirtyDistrict",
    "StatsDistrictArea",
    "StatsState",
]
