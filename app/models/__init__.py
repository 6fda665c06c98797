"""The layers, the private victim details and residents' reports, the statistics and editing,
as SQLAlchemy 2 models."""

from app.models.accounts import User, UserSession
from app.models.base import Base
from app.models.editing import ApiKey, FeatureHistory
from app.models.layers import (
    ContaminatedZone,
    DeletedIncidentVictim,
    District,
    Incident,
    IncidentVictim,
    Layer,
    LayerVersion,
    LineOfContact,
    Settlement,
)
from app.models.operations import ItemFound, LandRelease, Organisation, Task
from app.models.reports import Report, ReportEvent
from app.models.stats import (
    StatsAtom,
    StatsContaminatedArea,
    StatsDelta,
    StatsDirtyDistrict,
    StatsDirtyZone,
    StatsDistrictArea,
    StatsLeaf,
    StatsLeafArea,
    StatsLeafStep,
    StatsPiece,
    StatsState,
)

__all__ = [
    "ApiKey",
    "Base",
    "ContaminatedZone",
    "DeletedIncidentVictim",
    "District",
    "FeatureHistory",
    "Incident",
    "IncidentVictim",
    "ItemFound",
    "LandRelease",
    "Layer",
    "LayerVersion",
    "LineOfContact",
    "Organisation",
    "Report",
    "ReportEvent",
    "Settlement",
    "StatsAtom",
    "StatsContaminatedArea",
    "StatsDelta",
    "StatsDirtyDistrict",
    "StatsDirtyZone",
    "StatsDistrictArea",
    "StatsLeaf",
    "StatsLeafArea",
    "StatsLeafStep",
    "StatsPiece",
    "StatsState",
    "Task",
    "User",
    "UserSession",
]
