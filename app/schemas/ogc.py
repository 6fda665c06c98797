"""OGC API - Features resources (landing page, conformance, collections)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Link(BaseModel):
    """A link with its relation and media type."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None
    templated: bool | None = None


class LandingPage(BaseModel):
    """The service's entry point."""

    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    """The conformance classes implemented."""

    conformsTo: list[str]  # noqa: N815 - the standard's name


class SpatialExtent(BaseModel):
    """Bounding boxes in CRS84."""

    bbox: list[list[float]]
    crs: str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


class TemporalExtent(BaseModel):
    """Time intervals; ``None`` marks an open end."""

    interval: list[list[str | None]]
    trs: str = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


class Extent(BaseModel):
    """Spatial and temporal extent of a collection."""

    spatial: SpatialExtent | None = None
    temporal: TemporalExtent | None = None


class CollectionInfo(BaseModel):
    """A collection's description."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    title: str
    description: str
    keywords: list[str] = []
    itemType: str = "feature"  # noqa: N815
    links: list[Link]
    extent: Extent | None = None
    crs: list[str]
    storageCrs: str  # noqa: N815
    attribution: str | None = None
    geometry_type: str | None = Field(default=None, serialization_alias="geometryType")


class Collections(BaseModel):
    """All collections."""

    links: list[Link]
    collections: list[CollectionInfo]


class Queryables(BaseModel):
    """A JSON Schema of the properties a client may filter on."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(serialization_alias="$schema")
    id_: str = Field(serialization_alias="$id")
    type: str = "object"
    title: str
    properties: dict[str, dict[str, Any]]
    additionalProperties: bool = False  # noqa: N815
