"""Writing single features (OGC API - Features Part 4): validate, lock, write, record.

Every write runs in the request's transaction on the primary: the history trigger keeps the
feature before and after with the key's name, the statistics refresh at its COMMIT, the tile
versions move, so all of it shows as soon as the response is sent. Deletes keep the whole
feature in the history, from where an admin can restore it.
"""

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import orjson
import shapely
from pydantic import ValidationError
from shapely.geometry import shape

from app.catalog import Collection
from app.core.db import IntegrityError, Session
from app.crs import STORAGE, Crs
from app.errors import (
    Conflict,
    InvalidFeature,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from app.repositories import editing as repo
from app.repositories.editing import Geometry
from app.schemas.layers import CREATE
from app.schemas.query import ItemsQuery
from app.services import features, operations
from app.services.auth import Caller, record_use
from app.services.features import MAX_ID

DIMENSIONS = {"Point": 0, "MultiLineString": 1, "MultiPolygon": 2}
# How deep each type's positions lie in its coordinates (RFC 7946, 3.1).
MAX_DEPTH = 16  # arrays and objects in a body, besides its coordinates (a feature needs 3)
NESTING = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}
VALID = "Valid Geometry"


@dataclass(frozen=True)
class WriteOptions:
    """How a write is asked for: the body's CRS, If-Match, repair, strictness."""

    crs: Crs = STORAGE
    if_match: str | None = None
    make_valid: bool = False
    require_if_match: bool = False


@dataclass(frozen=True)
class Written:
    """The feature after a write: its GeoJSON, version (strong ETag) and what was repaired."""

    body: bytes
    etag: str
    feature_id: int
    repaired: str | None = None


@dataclass(frozen=True)
class Checked:
    """A feature that keeps every rule: the stored values and the geometry to store."""

    values: dict[str, Any]
    geometry: Geometry
    repaired: str | None


def _feature_id(collection: Collection, feature_id: str) -> int:
    if not (feature_id.isascii() and feature_id.isdigit()) or int(feature_id) > MAX_ID:
        raise NotFound(f"no feature {feature_id!r} in {collection.id}")
    return int(feature_id)


def _etag(version: str) -> str:
    return f'"{version}"'


def _coordinates_finite(geometry: Any) -> bool:
    return all(math.isfinite(value) for value in shapely.get_coordinates(geometry).flat)


def _too_deep(value: Any) -> bool:
    """Whether arrays and objects nest deeper than ``MAX_DEPTH`` (without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _nesting_problems(body: Any) -> list[str]:
    """A body nested deeper than any feature needs, outside its coordinates (whose depth
    ``_positions`` checks), is refused before anything walks it recursively."""
    if not isinstance(body, dict):
        return []
    geometry = body.get("geometry")
    if isinstance(geometry, dict):
        body = {**body, "geometry": {k: v for k, v in geometry.items() if k != "coordinates"}}
    if _too_deep(body):
        return [f"the body nests arrays and objects deeper than {MAX_DEPTH} levels"]
    return []


def _positions(value: Any, depth: int) -> bool:
    """Whether ``value`` holds positions (2 or 3 JSON numbers) exactly ``depth`` arrays deep.

    A boolean or a string is no number, though shapely would read ``true`` and ``"20"`` as
    ones; and the depth is the type's, so an array nested 300 deep is refused at once.
    """
    if not isinstance(value, list):
        return False
    if depth == 0:
        return len(value) in (2, 3) and all(type(item) in (int, float) for item in value)
    return all(_positions(item, depth - 1) for item in value)


def _geometry_problems(collection: Collection, geometry: Any) -> list[str]:
    """What is wrong with a GeoJSON geometry before PostGIS sees it."""
    if not isinstance(geometry, dict) or "type" not in geometry:
        return ["geometry: a GeoJSON geometry object is required"]
    if geometry["type"] not in collection.accepted_geometries:
        accepted = ", ".join(collection.accepted_geometries)
        return [f"geometry.type: {geometry['type']!r} is not one of {accepted}"]
    if not _positions(geometry.get("coordinates"), NESTING[geometry["type"]]):
        return [
            f"geometry.coordinates: not a valid {geometry['type']}: each position must be an "
            "array of 2 or 3 numbers"
        ]
    try:
        parsed = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        return [f"geometry.coordinates: not a valid {geometry['type']} ({exc})"]
    if parsed.is_empty:
        return ["geometry.coordinates: the geometry is empty"]
    if not _coordinates_finite(parsed):
        return ["geometry.coordinates: every coordinate must be a finite number"]
    return []


def _property_problems(collection: Collection, properties: Any) -> tuple[dict[str, Any], list[str]]:
    """The stored values, or one sentence per broken rule, each naming its field."""
    if not isinstance(properties, dict):
        return {}, ["properties: an object is required"]
    try:
        checked = CREATE[collection.id].model_validate(properties)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(item) for item in error["loc"])
            problems.append(f"properties{'.' + where if where else ''}: {error['msg']}")
        return {}, problems
    return checked.model_dump(), []


def _checked(
    session: Session, collection: Collection, feature: Any, options: WriteOptions
) -> Checked:
    """The feature, validated against every rule of its layer, or a 422 listing each problem."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidFeature(["type: the body must be a GeoJSON Feature"])
    if problems := _nesting_problems(feature):
        raise InvalidFeature(problems)
    values, problems = _property_problems(collection, feature.get("properties"))
    if feature.get("geometry") is None and not collection.geometry_required:
        if problems:
            raise InvalidFeature(problems)
        return Checked(values, repo.NO_GEOMETRY, None)  # a feature without a location
    problems += _geometry_problems(collection, feature.get("geometry"))
    if problems:
        raise InvalidFeature(problems)
    # Only what PostGIS reads: a foreign member may be anything, nested past orjson's limit.
    geometry_only = {key: feature["geometry"][key] for key in ("type", "coordinates")}
    geojson = orjson.dumps(geometry_only).decode()
    geometry = repo.geometry(geojson, options.crs.srid, options.crs.lat_first)
    found = repo.inspect_geometry(session, geometry)
    repaired = None
    if found.reason != VALID:
        if not options.make_valid:
            hint = "; send ?make_valid=true to have it repaired"
            raise InvalidFeature([f"geometry: {found.reason}{hint}"])
        repaired = f"the geometry was repaired with ST_MakeValid ({found.reason})"
        geometry = repo.repaired(geometry, DIMENSIONS[collection.geometry_type])
    if not (-180 <= found.xmin <= found.xmax <= 180 and -90 <= found.ymin <= found.ymax <= 90):
        where = f"outside longitude -180..180, latitude -90..90 (read in {options.crs.uri})"
        raise InvalidFeature([f"geometry.coordinates: {where}"])
    return Checked(values, geometry, repaired)


def _locked(
    session: Session, collection: Collection, feature_id: int, options: WriteOptions
) -> None:
    """Lock the feature and check If-Match against its current version (412, 428, 404)."""
    current = repo.version(session, collection, feature_id, lock=True)
    if current is None:
        raise NotFound(f"no feature {feature_id} in {collection.id}")
    if options.if_match is None:
        if options.require_if_match:
            raise PreconditionRequired("send If-Match with the ETag of the version you change")
        return
    # RFC 9110, 13.1.1: If-Match compares strongly, so a weak tag (W/"...") never matches.
    tags = {tag.strip() for tag in options.if_match.split(",")}
    if "*" not in tags and _etag(current) not in tags:
        raise PreconditionFailed(
            f"feature {feature_id} has changed since that version: read it again (ETag "
            f"{_etag(current)}) and apply the change to it"
        )


def _result(
    session: Session, collection: Collection, feature_id: int, base: str, repaired: str | None
) -> Written:
    """The written feature as the API serves it, with its new version."""
    session.flush()
    url = f"{base}/collections/{collection.id}/items/{feature_id}"
    # The writer sees what it wrote, a report not yet approved too.
    body, version = features.item(
        session, collection, str(feature_id), ItemsQuery(drafts_of="*"), url
    )
    return Written(body, version, feature_id, repaired)


def _conflict(collection: Collection, exc: IntegrityError) -> Conflict:
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or ""
    if constraint.startswith("uq_"):
        return Conflict(f"another feature of {collection.id} has this code already")
    return Conflict(f"the database refused the change: {exc.orig}")


def _write(session: Session, collection: Collection, action: Any) -> Any:
    """Run a write in a savepoint: a unique code taken is a 409, and nothing is written."""
    try:
        with session.begin_nested():
            return action()
    except IntegrityError as exc:
        raise _conflict(collection, exc) from None


def create(
    session: Session,
    collection: Collection,
    feature: Any,
    caller: Caller,
    options: WriteOptions,
    base: str,
) -> Written:
    """Add a feature (a client's id is ignored); 201 with its Location."""
    checked = _checked(session, collection, feature, options)
    decision = operations.authorise(session, collection, caller, None, checked.values)
    repo.set_actor(session, caller.name, decision.action)
    feature_id = _write(
        session,
        collection,
        lambda: repo.insert_feature(session, collection, checked.values, checked.geometry),
    )
    if decision.releases:
        operations.release(session, feature_id, checked.values)
    record_use(session, caller)
    return _result(session, collection, feature_id, base, checked.repaired)


def replace(
    session: Session,
    collection: Collection,
    feature_id: str,
    feature: Any,
    caller: Caller,
    options: WriteOptions,
    base: str,
) -> Written:
    """Replace a feature's properties and geometry (PUT)."""
    number = _feature_id(collection, feature_id)
    _locked(session, collection, number, options)
    return _overwrite(session, collection, number, feature, caller, options, base, "replace")


def _overwrite(
    session: Session,
    collection: Collection,
    number: int,
    feature: Any,
    caller: Caller,
    options: WriteOptions,
    base: str,
    action: str,
) -> Written:
    """Check the feature and store it over a locked one; the history says ``action``."""
    checked = _checked(session, collection, feature, options)
    before = (
        _stored_values(session, collection, number) if operations.concerns(collection) else None
    )
    decision = operations.authorise(session, collection, caller, before, checked.values)
    if decision.action is not None and options.if_match is None:
        raise PreconditionRequired(
            f"to {decision.action} a report, send If-Match with the ETag of the version you read"
        )
    repo.set_actor(session, caller.name, decision.action or action)
    _write(
        session,
        collection,
        lambda: repo.update_feature(session, collection, number, checked.values, checked.geometry),
    )
    if decision.releases:
        operations.release(session, number, checked.values)
    record_use(session, caller)
    return _result(session, collection, number, base, checked.repaired)


def _values_of(collection: Collection, row: Any) -> dict[str, Any]:
    """A stored row's property values, by name."""
    return dict(zip(tuple(prop.name for prop in collection.stored_properties), row, strict=False))


def _stored_values(session: Session, collection: Collection, number: int) -> dict[str, Any]:
    """The stored property values of a (locked) feature."""
    row = repo.stored(session, collection, number)
    assert row is not None
    return _values_of(collection, row)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def update(
    session: Session,
    collection: Collection,
    feature_id: str,
    patch: Any,
    caller: Caller,
    options: WriteOptions,
    base: str,
) -> Written:
    """Change some properties and/or the geometry (PATCH, a JSON merge patch)."""
    number = _feature_id(collection, feature_id)
    _locked(session, collection, number, options)
    if not isinstance(patch, dict):
        raise InvalidFeature(["the body must be a JSON merge patch of a GeoJSON Feature"])
    if problems := _nesting_problems(patch):
        raise InvalidFeature(problems)
    row = repo.stored(session, collection, number)
    assert row is not None
    current = {
        "type": "Feature",
        "properties": {
            name: value for name, value in _values_of(collection, row).items() if value is not None
        },
        "geometry": None if row.geometry is None else orjson.loads(row.geometry),
    }
    if "geometry" in patch:
        # A new geometry is given in the body's CRS; the stored one is in CRS84.
        current["geometry"] = patch["geometry"]
        patch = {key: value for key, value in patch.items() if key != "geometry"}
    else:
        options = WriteOptions(STORAGE, options.if_match, options.make_valid)
    feature = merge_patch(current, patch)
    return _overwrite(session, collection, number, feature, caller, options, base, "update")


def delete(
    session: Session, collection: Collection, feature_id: str, caller: Caller, options: WriteOptions
) -> None:
    """Delete a feature: gone from items, tiles and statistics, kept whole in its history (an
    incident's private victim records are kept aside, migration 0012)."""
    number = _feature_id(collection, feature_id)
    _locked(session, collection, number, options)
    if operations.concerns(collection):
        before = _stored_values(session, collection, number)
        operations.authorise(session, collection, caller, before, None)
    repo.set_actor(session, caller.name)
    repo.delete_feature(session, collection, number)
    record_use(session, caller)


def restore(
    session: Session, collection: Collection, feature_id: str, caller: Caller, base: str
) -> Written:
    """Bring a deleted feature back, as it was when deleted, with its id."""
    number = _feature_id(collection, feature_id)
    if repo.version(session, collection, number, lock=False) is not None:
        raise Conflict(f"feature {number} of {collection.id} exists: there is nothing to restore")
    deleted = next(
        (entry for entry in repo.history(session, collection, number) if entry.action == "delete"),
        None,
    )
    if deleted is None or deleted.before is None:
        raise NotFound(f"feature {number} of {collection.id} was never deleted")
    values = {prop.name: deleted.before.get(prop.name) for prop in collection.stored_properties}
    checked = _checked(
        session,
        collection,
        {"type": "Feature", "properties": values, "geometry": deleted.before["geometry"]},
        WriteOptions(),
    )
    repo.set_actor(session, caller.name, "restore")
    _write(
        session,
        collection,
        lambda: repo.insert_feature(session, collection, checked.values, checked.geometry, number),
    )
    record_use(session, caller)
    return _result(session, collection, number, base, None)


def history(session: Session, collection: Collection, feature_id: str) -> list[dict[str, Any]]:
    """Every version of a feature, newest first: who, when, what kind, before and after."""
    number = _feature_id(collection, feature_id)
    entries = repo.history(session, collection, number)
    if not entries:
        raise NotFound(f"feature {number} of {collection.id} has no history")
    return [
        {
            "action": entry.action,
            "actor": entry.actor,
            "at": entry.at.isoformat(),
            "before": entry.before,
            "after": entry.after,
        }
        for entry in entries
    ]


def representation_tag(version: str, fmt: str, query: str) -> str:
    """The ETag of a feature as served: its version as JSON without parameters (what If-Match
    names), the version with a suffix for another format or other parameters."""
    if fmt == "json" and not query:
        return version
    suffix = hashlib.sha256(f"{fmt}?{query}".encode()).hexdigest()[:8]
    return f'{version[:-1]}-{suffix}"'
