"""A district package's own tables and columns, and the report of its sync: what was updated,
created, left, and what collided."""

from typing import Any

from pydantic import BaseModel, Field

VERSION_FIELD = "contamap_version"  # on each feature layer: the feature's version at export
PACKAGE_TABLE = "contamap_package"  # what the package is: key and value
FEATURES_TABLE = "contamap_features"  # each feature exported: layer, id, version
PACKAGE_FORMAT = "contamap district package 1"
PACKAGE_FIELDS = [("key", "string"), ("value", "string")]
FEATURES_FIELDS = [("layer", "string"), ("id", "integer"), ("version", "string")]


class SyncedFeature(BaseModel):
    """A feature of the package, named by its layer, id and code."""

    layer: str
    id: int | None = Field(description="the server's id (a new feature's once created)")
    code: str | None


class WrittenFeature(SyncedFeature):
    """A feature the sync wrote (or, in a dry run, would write), with its new version."""

    version: str | None = Field(description="its version (ETag) after the write")


class FeatureVersion(BaseModel):
    """One side of a conflict: a version of the feature, its properties and its geometry."""

    version: str | None = Field(description="its version (ETag); the file's: as exported")
    properties: dict[str, Any]
    geometry: dict[str, Any] | None


class SyncConflict(SyncedFeature):
    """A feature changed both in the file and on the server since the export: not written."""

    reason: str
    server: FeatureVersion | None = Field(description="the server's now; null when deleted")
    file: FeatureVersion | None = Field(description="the file's; null when deleted in the file")


class RefusedFeature(SyncedFeature):
    """A change in the file that a sync does not apply, and why."""

    reason: str


class PackageAbout(BaseModel):
    """What the package says of itself: the server, district and time of its export."""

    server: str | None = None
    district_id: str | None = None
    district: str | None = None
    exported_at: str | None = None


class SyncReport(BaseModel):
    """What a sync did, or (dry run) would do; conflicts and refusals are not written."""

    package: PackageAbout
    dry_run: bool
    updated: list[WrittenFeature]
    created: list[WrittenFeature]
    conflicts: list[SyncConflict]
    unchanged: list[SyncedFeature] = Field(description="features the file left as exported")
    deleted_in_file: list[SyncedFeature] = Field(
        description="exported features missing from the file: reported, not deleted, unless "
        "the sync was asked to delete them"
    )
    deleted: list[SyncedFeature] = Field(description="those deleted, when asked")
    refused: list[RefusedFeature] = Field(
        description="changes a package cannot carry (a layer clipped to the district)"
    )
