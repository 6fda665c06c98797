"""Load the bundled dataset (or any GeoJSON of the same shape), all or nothing."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.errors import InvalidParameterValue
from app.models import Base, ContaminatedZone, District, Incident, LineOfContact
from app.repositories import layers as repo
from app.schemas.layers import (
    ContaminatedZoneCreate,
    DistrictCreate,
    IncidentCreate,
    LineOfContactCreate,
    VictimCreate,
)
from app.services import stats

BUNDLED_DATA = Path(__file__).resolve().parents[2] / "geodata" / "data"
GEOMETRY_TYPES = {
    "districts": ("Polygon", "MultiPolygon"),
    "contaminated_zones": ("Polygon", "MultiPolygon"),
    "incidents": ("Point",),
    "line_of_contact": ("LineString", "MultiLineString"),
}


@dataclass(frozen=True)
class Layer:
    """How one layer is read from a GeoJSON file."""

    name: str
    model: type[Base]
    schema: type[BaseModel]


LAYERS = (
    Layer("districts", District, DistrictCreate),
    Layer("line_of_contact", LineOfContact, LineOfContactCreate),
    Layer("contaminated_zones", ContaminatedZone, ContaminatedZoneCreate),
    Layer("incidents", Incident, IncidentCreate),
)


def read_feature_collection(path: Path) -> list[dict[str, Any]]:
    """The features of a GeoJSON FeatureCollection file."""
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InvalidParameterValue(f"{path.name}: not a readable JSON file ({exc})") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InvalidParameterValue(f"{path.name}: not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise InvalidParameterValue(f"{path.name}: 'features' is not a list")
    return features


def feature_rows(layer: Layer, features: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    """Validate each feature's properties and geometry type; name the first bad feature."""
    rows = []
    for index, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in GEOMETRY_TYPES[layer.name]:
            raise InvalidParameterValue(
                f"{label}, feature {index}: geometry type {kind!r} is not one of "
                f"{', '.join(GEOMETRY_TYPES[layer.name])}"
            )
        try:
            properties = layer.schema.model_validate(feature.get("properties") or {})
        except ValidationError as exc:
            raise InvalidParameterValue(f"{label}, feature {index}: {_first_error(exc)}") from exc
        rows.append(properties.model_dump() | {"geom": orjson.dumps(geometry).decode()})
    return rows


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(item) for item in error["loc"]) or "properties"
    return f"{where}: {error['msg']}"


def load_bundled(session: Session, data_dir: Path = BUNDLED_DATA) -> dict[str, int]:
    """Upsert every bundled layer and the private victim details, then refresh the statistics.

    All in the caller's transaction: a bad file leaves nothing written.
    """
    counts = {
        layer.name: _upsert(session, layer, data_dir / f"{layer.name}.geojson") for layer in LAYERS
    }
    victims = _victims(data_dir)
    ids = repo.incident_ids(session, sorted({victim["incident_code"] for victim in victims}))
    unknown = sorted({victim["incident_code"] for victim in victims} - set(ids))
    if unknown:
        raise InvalidParameterValue(f"incident_victims.json names unknown incidents: {unknown}")
    counts["incident_victims"] = repo.replace_victims(session, victims, ids)
    session.flush()
    stats.ensure_fresh(session)  # the load pays the rebuild, not the first reader
    return counts


def import_layer(session: Session, name: str, path: Path) -> int:
    """Upsert one layer's features from a GeoJSON file, by ``code``; all or nothing."""
    layer = next((item for item in LAYERS if item.name == name), None)
    if layer is None:
        known = ", ".join(item.name for item in LAYERS)
        raise InvalidParameterValue(f"no layer {name!r}; the layers are {known}")
    count = _upsert(session, layer, path)
    session.flush()
    stats.ensure_fresh(session)
    return count


def _upsert(session: Session, layer: Layer, path: Path) -> int:
    rows = feature_rows(layer, read_feature_collection(path), path.name)
    count = repo.upsert_by_code(session, layer.model, rows)
    if layer.name == "districts":
        repo.recompute_incident_districts(session)
    return count


def _victims(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "incident_victims.json"
    if not path.exists():
        return []
    try:
        return [
            VictimCreate.model_validate(item).model_dump()
            for item in orjson.loads(path.read_bytes())
        ]
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise InvalidParameterValue(f"{path.name}: {exc}") from exc
