"""The landing page, conformance, collection descriptions and queryables."""

from datetime import date

from app import formats
from app.catalog import COLLECTIONS, Collection, json_schema
from app.core.db import Session
from app.crs import STORAGE, SUPPORTED
from app.repositories import features as repo
from app.schemas.ogc import (
    CollectionInfo,
    Collections,
    Conformance,
    Extent,
    LandingPage,
    Link,
    Queryables,
    SpatialExtent,
    TemporalExtent,
)

FEATURES = "http://www.opengis.net/spec/ogcapi-features"
TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"
CONFORMANCE = [
    f"{FEATURES}-1/1.0/conf/core",
    f"{FEATURES}-1/1.0/conf/geojson",
    f"{FEATURES}-1/1.0/conf/html",
    f"{FEATURES}-1/1.0/conf/oas30",
    f"{FEATURES}-2/1.0/conf/crs",
    f"{FEATURES}-3/1.0/conf/filter",
    f"{FEATURES}-3/1.0/conf/features-filter",
    f"{FEATURES}-3/1.0/conf/queryables",
    f"{FEATURES}-3/1.0/conf/queryables-query-parameters",
    f"{FEATURES}-4/1.0/conf/create-replace-delete",
    f"{FEATURES}-4/1.0/conf/update",
    f"{FEATURES}-4/1.0/conf/features",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
    f"{TILES}/core",
    f"{TILES}/tileset",
    f"{TILES}/tilesets-list",
    f"{TILES}/geodata-tilesets",
    f"{TILES}/dataset-tilesets",
    f"{TILES}/mvt",
    f"{TILES}/oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]
JSON = formats.JSON.mime
HTML = formats.HTML.mime
OPENAPI = formats.OPENAPI.mime
SCHEMA = formats.SCHEMA.mime


def landing(base: str) -> LandingPage:
    """The entry point with links to everything else."""
    return LandingPage(
        title="Contamap",
        description=(
            "Landmine and explosive-ordnance contamination in Azerbaijan, as OGC API - Features, "
            "with contamination statistics. The bundled contaminated zones are a schematic "
            "scenario built from published totals, not surveyed polygons."
        ),
        links=[
            Link(href=f"{base}/", rel="self", type=JSON, title="this document"),
            Link(href=f"{base}/?f=html", rel="alternate", type=HTML, title="this document as HTML"),
            Link(href=f"{base}/api", rel="service-desc", type=OPENAPI, title="OpenAPI 3.0"),
            Link(href=f"{base}/docs", rel="service-doc", type=HTML, title="API documentation"),
            Link(href=f"{base}/conformance", rel="conformance", type=JSON, title="conformance"),
            Link(href=f"{base}/collections", rel="data", type=JSON, title="the collections"),
            Link(href=f"{base}/map", rel="alternate", type=HTML, title="the web map"),
            Link(
                href=f"{base}/tiles",
                rel="http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                type=JSON,
                title="vector tiles of every collection",
            ),
            Link(
                href=f"{base}/tileMatrixSets",
                rel="http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                type=JSON,
                title="the tile matrix sets",
            ),
            Link(href=f"{base}/stats/summary", rel="related", type=JSON, title="statistics"),
        ],
    )


def conformance() -> Conformance:
    """The conformance classes, each one implemented."""
    return Conformance(conformsTo=CONFORMANCE)


def _iso(value: date | None) -> str | None:
    return None if value is None else f"{value.isoformat()}T00:00:00Z"


def _items_links(url: str) -> list[Link]:
    """A link to the features in each format: pages as ``items``, files as ``enclosure``."""
    return [
        Link(
            href=f"{url}/items" if fmt == formats.GEOJSON else f"{url}/items?f={fmt.name}",
            rel="enclosure" if fmt.kind == "file" else "items",
            type=fmt.mime,
            title=f"{'download' if fmt.kind == 'file' else 'the features'} as {fmt.title}",
        )
        for fmt in formats.FEATURES
    ]


def describe(session: Session, collection: Collection, base: str) -> CollectionInfo:
    """A collection with its live extent, CRS list and links."""
    url = f"{base}/collections/{collection.id}"
    bbox, interval = repo.extent(session, collection)
    extent = Extent(
        spatial=SpatialExtent(bbox=[bbox]) if bbox else None,
        temporal=TemporalExtent(interval=[[_iso(interval[0]), _iso(interval[1])]])
        if interval
        else None,
    )
    return CollectionInfo(
        id=collection.id,
        title=collection.title,
        description=collection.description,
        keywords=list(collection.keywords),
        links=[
            Link(href=url, rel="self", type=JSON, title="this collection"),
            Link(href=f"{url}?f=html", rel="alternate", type=HTML, title="as HTML"),
            *_items_links(url),
            Link(
                href=f"{url}/schema",
                rel="describedby",
                type=SCHEMA,
                title="the schema of a feature",
            ),
            # The same, under the draft relation name GDAL 3.6 looks for to type its fields.
            Link(href=f"{url}/schema", rel="describedBy", type=SCHEMA),
            *(
                [
                    Link(
                        href=f"{url}/tiles",
                        rel="http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                        type=JSON,
                        title="vector tiles",
                    )
                ]
                if collection.on_map
                else []
            ),
            Link(
                href=f"{url}/queryables",
                title="queryables",
                type=SCHEMA,
                rel="http://www.opengis.net/def/rel/ogc/1.0/queryables",
            ),
        ],
        extent=extent,
        crs=list(SUPPORTED),
        storageCrs=STORAGE.uri,
        geometry_type=collection.geometry_type,
    )


def list_collections(session: Session, base: str) -> Collections:
    """Every collection."""
    return Collections(
        links=[
            Link(href=f"{base}/collections", rel="self", type=JSON, title="the collections"),
            Link(href=f"{base}/collections?f=html", rel="alternate", type=HTML, title="as HTML"),
        ],
        collections=[describe(session, item, base) for item in COLLECTIONS.values()],
    )


JSON_SCHEMA = "https://json-schema.org/draft/2019-09/schema"


def _geometry_schema(collection: Collection) -> dict[str, object]:
    return {"$ref": f"https://geojson.org/schema/{collection.geometry_type}.json"}


def _property_schemas(collection: Collection) -> dict[str, dict[str, object]]:
    return {
        prop.name: {
            "title": prop.name,
            "description": prop.description,
            **json_schema(prop),
            # What the database computes, a write never sends (a form shows it, not asks it).
            **({"readOnly": True} if prop.computed else {}),
        }
        for prop in collection.properties
    }


def queryables(collection: Collection, base: str) -> Queryables:
    """A JSON Schema of the filterable properties, with the geometry."""
    return Queryables(
        schema_=JSON_SCHEMA,
        id_=f"{base}/collections/{collection.id}/queryables",
        title=collection.title,
        properties={"geometry": _geometry_schema(collection), **_property_schemas(collection)},
    )


def feature_schema(collection: Collection, base: str) -> dict[str, object]:
    """A JSON Schema of one feature of the collection, as GeoJSON (for clients' field types)."""
    return {
        "$schema": JSON_SCHEMA,
        "$id": f"{base}/collections/{collection.id}/schema",
        "title": collection.title,
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": _geometry_schema(collection),
            "properties": {
                "type": "object",
                "properties": _property_schemas(collection),
                "required": [prop.name for prop in collection.properties if prop.required],
            },
        },
    }
