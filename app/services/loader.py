"""Load the bundled dataset (or a folder of the same files), all or nothing."""

from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from app.catalog import COLLECTIONS, Collection
from app.core.db import Session
from app.errors import InvalidParameterValue
from app.repositories import layers as repo
from app.repositories import stats as stats_repo
from app.schemas.layers import CREATE, VictimCreate

BUNDLED_DATA = Path(__file__).resolve().parents[2] / "geodata" / "data"


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


def feature_rows(
    collection: Collection, features: list[dict[str, Any]], label: str
) -> list[dict[str, Any]]:
    """Validate each feature's properties and geometry type; name the first bad feature."""
    rows = []
    for index, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in collection.accepted_geometries and not (
            geometry is None and not collection.geometry_required
        ):
            raise InvalidParameterValue(
                f"{label}, feature {index}: geometry type {kind!r} is not one of "
                f"{', '.join(collection.accepted_geometries)}"
            )
        try:
            properties = CREATE[collection.id].model_validate(feature.get("properties") or {})
        except ValidationError as exc:
            raise InvalidParameterValue(f"{label}, feature {index}: {_first_error(exc)}") from exc
        geojson = None if geometry is None else orjson.dumps(geometry).decode()
        rows.append(properties.model_dump() | {"geom": geojson})
    return rows


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(item) for item in error["loc"]) or "properties"
    return f"{where}: {error['msg']}"


def load_bundled(session: Session, data_dir: Path = BUNDLED_DATA) -> dict[str, int]:
    """Upsert every bundled layer and the private victim details, then refresh the statistics.

    All in the caller's transaction: a bad file leaves nothing written.
    """
    # Catalogue order: districts come before the incidents whose district they decide.
    counts = {
        collection.id: _upsert(session, collection, data_dir / f"{collection.id}.geojson")
        for collection in COLLECTIONS.values()
    }
    victims = _victims(data_dir)
    ids = repo.incident_ids(session, sorted({victim["incident_code"] for victim in victims}))
    unknown = sorted({victim["incident_code"] for victim in victims} - set(ids))
    if unknown:
        raise InvalidParameterValue(f"incident_victims.json names unknown incidents: {unknown}")
    counts["incident_victims"] = repo.replace_victims(session, victims, ids)
    session.flush()
    stats_repo.refresh(session)  # the writer pays the refresh; readers never do
    return counts


def _upsert(session: Session, collection: Collection, path: Path) -> int:
    rows = feature_rows(collection, read_feature_collection(path), path.name)
    count = repo.upsert_by_code(session, collection, rows)
    if collection.id == "districts":
        repo.recompute_districts(session)
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


def refresh_statistics(session: Session) -> int:
    """Rebuild every district's statistics; return the data version they now reflect."""
    return stats_repo.refresh(session, everything=True)


def count_features(session: Session) -> dict[str, int]:
    """The number of features in each collection."""
    return repo.count_rows(session)
