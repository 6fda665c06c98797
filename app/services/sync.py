"""The field round trip: an edited district package applied back, one feature at a time.

A package records each feature's version at export (its ETag). A feature is changed in the
file when its properties or geometry differ from that version's, read from the server: the
current row while the server still has the version, else the copy its history kept. Only
those are written, each through the editing service (validation, roles, an operator's
organisation, the history with the caller's name, the statistics), with If-Match at the
exported version: where the server changed the feature too, nothing is written and the report
shows both versions. New features (no version) are created; features missing from the file
are reported, and deleted only when asked. Anything refused refuses the whole sync (conflicts
excepted); a dry run does all of it in a savepoint it rolls back.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import shapely
from shapely.geometry import mapping

from app.catalog import COLLECTIONS, Collection
from app.core.db import Session, off_loop
from app.errors import Conflict, Forbidden, InvalidFeature, NotFound, PreconditionFailed
from app.repositories import sync as repo
from app.schemas.sync import (
    FeatureVersion,
    PackageAbout,
    RefusedFeature,
    SyncConflict,
    SyncedFeature,
    SyncReport,
    WrittenFeature,
)
from app.services import auth, editing
from app.services.auth import Caller
from app.services.sync_package import FileFeature, Package, exported_features, read_package

CLIPPED = (
    "the package holds only the part of this feature within the district: change it through "
    "the API or the map, not in a package"
)


@dataclass(frozen=True)
class SyncOptions:
    """How a sync is asked for: a dry run writes nothing; ``delete`` deletes what the file
    deleted (else it is only reported)."""

    dry_run: bool = False
    delete: bool = False


def sync_package(
    session: Session, path: Path, caller: Caller, options: SyncOptions, base: str
) -> SyncReport:
    """Apply an edited district package and say what was (or would be) done."""
    package = off_loop(read_package, path)  # GDAL reads in a thread
    run = _Run(session, caller, options, base, package)
    if not options.dry_run:
        return run.apply()
    savepoint = session.begin_nested()
    try:
        return run.apply()
    finally:
        savepoint.rollback()


def _etag_value(etag: str) -> str:
    return etag.strip('"')


def _geojson(wkb: bytes | None) -> dict[str, Any] | None:
    """A WKB geometry as GeoJSON with its coordinates as they are (lists, every digit)."""
    if wkb is None:
        return None
    parsed: dict[str, Any] = orjson.loads(orjson.dumps(mapping(shapely.from_wkb(wkb))))
    return parsed


def _as_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [item.strip() for item in text.split(",") if item.strip()]


def _joined(value: Any) -> str | None:
    return None if value is None else ",".join(str(item) for item in value)


def _properties(
    collection: Collection, feature: FileFeature, state: dict[str, Any] | None
) -> dict[str, Any]:
    """The file's values as a write sends them: a list whose text is unchanged keeps its
    items as they are (an item may hold a comma), a changed one is split at the commas."""
    properties = {}
    for prop in collection.stored_properties:
        value = feature.values[prop.name]
        if prop.type == "array":
            known = None if state is None else state.get(prop.name)
            value = known if known is not None and _joined(known) == value else _as_list(value)
        if value is not None:
            properties[prop.name] = value
    return properties


def _differs(
    collection: Collection, feature: FileFeature, geometry: Any, state: dict[str, Any]
) -> bool:
    """Whether the file's feature differs from a state of it, in a property or its geometry
    (not compared for a clipped layer, whose file holds a part)."""
    for prop in collection.stored_properties:
        theirs = state.get(prop.name)
        if prop.type == "array":
            theirs = _joined(theirs)
        if feature.values[prop.name] != theirs:
            return True
    return collection.package != "clipped" and geometry != state.get("geom")


def _server_side(collection: Collection, state: repo.State) -> FeatureVersion:
    geometry = state.row.get("geom")
    if isinstance(geometry, dict):
        geometry = {key: value for key, value in geometry.items() if key != "crs"}
    properties = {name: state.row.get(name) for name in collection.property_names}
    return FeatureVersion(version=state.version, properties=properties, geometry=geometry)


def _file_side(collection: Collection, feature: FileFeature) -> FeatureVersion:
    properties = _properties(collection, feature, None)
    return FeatureVersion(
        version=feature.version, properties=properties, geometry=_geojson(feature.wkb)
    )


@contextmanager
def _naming(collection: Collection, feature_id: int | None, code: Any) -> Iterator[None]:
    """A refusal of the editing service, said of the feature it concerns."""
    where = f"{collection.id} {code or '(no code)'}" + (
        f" (id {feature_id})" if feature_id is not None else " (new)"
    )
    try:
        yield
    except InvalidFeature as exc:
        raise InvalidFeature([f"{where}: {problem}" for problem in exc.problems]) from None
    except (Forbidden, Conflict, NotFound) as exc:
        raise type(exc)(f"{where}: {exc.description}") from None


@dataclass
class _Run:
    """One sync: the package, who applies it, and the report as it grows."""

    session: Session
    caller: Caller
    options: SyncOptions
    base: str
    package: Package
    updated: list[WrittenFeature] = field(default_factory=list)
    created: list[WrittenFeature] = field(default_factory=list)
    conflicts: list[SyncConflict] = field(default_factory=list)
    unchanged: list[SyncedFeature] = field(default_factory=list)
    deleted_in_file: list[SyncedFeature] = field(default_factory=list)
    deleted: list[SyncedFeature] = field(default_factory=list)
    refused: list[RefusedFeature] = field(default_factory=list)

    def apply(self) -> SyncReport:
        """Every layer of the package, in catalogue order (tasks before their reports)."""
        for layer, features in self.package.layers.items():
            self._layer(COLLECTIONS[layer], features)
        about = self.package.about
        return SyncReport(
            package=PackageAbout(
                server=about.get("server"),
                district_id=about.get("district_id"),
                district=about.get("district"),
                exported_at=about.get("exported_at"),
            ),
            dry_run=self.options.dry_run,
            updated=self.updated,
            created=self.created,
            conflicts=self.conflicts,
            unchanged=self.unchanged,
            deleted_in_file=self.deleted_in_file,
            deleted=self.deleted,
            refused=self.refused,
        )

    def _layer(self, collection: Collection, features: list[FileFeature]) -> None:
        exported = self.package.exported.get(collection.id, {})
        kept = exported_features(collection, features, exported)
        states = repo.current(self.session, collection, sorted(exported))
        geometries = repo.geometries(self.session, collection, [item.wkb for item in kept])
        for feature, geometry in zip(kept, geometries, strict=True):
            self._kept(collection, feature, geometry, states.get(feature.id or 0))
        for feature_id in sorted(set(exported) - {item.id for item in kept}):
            self._missing(collection, feature_id, exported[feature_id], states.get(feature_id))
        for feature in features:
            if feature.version is None:
                self._create(collection, feature)

    def _unchanged(self, collection: Collection, feature: FileFeature) -> None:
        code = feature.values.get("code")
        self.unchanged.append(SyncedFeature(layer=collection.id, id=feature.id, code=code))

    def _kept(
        self,
        collection: Collection,
        feature: FileFeature,
        geometry: Any,
        current: repo.State | None,
    ) -> None:
        """An exported feature still in the file: left, written, refused or in conflict."""
        assert feature.id is not None
        assert feature.version is not None
        if current is not None and current.version == feature.version:
            state: dict[str, Any] | None = current.row
        else:
            state = repo.exported(self.session, collection, feature.id, feature.version)
        if state is None:  # no record of the exported version: tell only by the current one
            if current is not None and not _differs(collection, feature, geometry, current.row):
                self._unchanged(collection, feature)
            else:
                self._conflict(
                    collection,
                    feature,
                    current,
                    "the server keeps no record of the version the package was made from",
                )
            return
        if not _differs(collection, feature, geometry, state):
            self._unchanged(collection, feature)
        elif current is not None and not _differs(collection, feature, geometry, current.row):
            self._unchanged(collection, feature)  # the server has the file's change already
        elif collection.package == "clipped":
            code = feature.values.get("code")
            self.refused.append(
                RefusedFeature(layer=collection.id, id=feature.id, code=code, reason=CLIPPED)
            )
        elif current is None:
            self._conflict(collection, feature, None, "deleted on the server since the export")
        elif current.version != feature.version:
            self._conflict(collection, feature, current, "changed on the server since the export")
        else:
            self._update(collection, feature, state)

    def _conflict(
        self,
        collection: Collection,
        feature: FileFeature,
        current: repo.State | None,
        reason: str,
    ) -> None:
        self.conflicts.append(
            SyncConflict(
                layer=collection.id,
                id=feature.id,
                code=feature.values.get("code"),
                reason=reason,
                server=None if current is None else _server_side(collection, current),
                file=_file_side(collection, feature),
            )
        )

    def _update(self, collection: Collection, feature: FileFeature, state: dict[str, Any]) -> None:
        body = {
            "type": "Feature",
            "properties": _properties(collection, feature, state),
            "geometry": _geojson(feature.wkb),
        }
        options = editing.WriteOptions(if_match=f'"{feature.version}"')
        with _naming(collection, feature.id, feature.values.get("code")):
            auth.require_editor_of(self.caller, collection)
            try:
                written = editing.replace(
                    self.session, collection, str(feature.id), body, self.caller, options, self.base
                )
            except PreconditionFailed:  # changed since this sync read it
                assert feature.id is not None
                now = repo.current(self.session, collection, [feature.id]).get(feature.id)
                self._conflict(collection, feature, now, "changed on the server since the export")
                return
        self.updated.append(
            WrittenFeature(
                layer=collection.id,
                id=feature.id,
                code=feature.values.get("code"),
                version=_etag_value(written.etag),
            )
        )

    def _missing(
        self, collection: Collection, feature_id: int, version: str, current: repo.State | None
    ) -> None:
        """An exported feature the file no longer has: reported; deleted when asked."""
        code = None if current is None else current.row.get("code")
        entry = SyncedFeature(layer=collection.id, id=feature_id, code=code)
        if not self.options.delete or current is None:
            self.deleted_in_file.append(entry)
            return
        if current.version != version:
            self.conflicts.append(
                SyncConflict(
                    **entry.model_dump(),
                    reason="deleted in the file, changed on the server since the export",
                    server=_server_side(collection, current),
                    file=None,
                )
            )
            return
        options = editing.WriteOptions(if_match=f'"{version}"')
        with _naming(collection, feature_id, code):
            auth.require_editor_of(self.caller, collection)
            editing.delete(self.session, collection, str(feature_id), self.caller, options)
        self.deleted.append(entry)

    def _create(self, collection: Collection, feature: FileFeature) -> None:
        body = {
            "type": "Feature",
            "properties": _properties(collection, feature, None),
            "geometry": _geojson(feature.wkb),
        }
        code = feature.values.get("code")
        with _naming(collection, None, code):
            auth.require_editor_of(self.caller, collection)
            written = editing.create(
                self.session, collection, body, self.caller, editing.WriteOptions(), self.base
            )
        self.created.append(
            WrittenFeature(
                layer=collection.id,
                id=written.feature_id,
                code=code,
                version=_etag_value(written.etag),
            )
        )
