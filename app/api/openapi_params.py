"""The items parameters as OpenAPI parameter objects: parsed by hand, documented here."""

from typing import Any


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


STRING = {"type": "string"}
ITEMS_PARAMETERS: list[dict[str, Any]] = [
    _query("bbox", "minx,miny,maxx,maxy (or 6 numbers) in bbox-crs, CRS84 by default", STRING),
    _query("bbox-crs", "CRS of bbox (a URI from the collection's crs list)", STRING),
    _query("datetime", "an instant, start/end, ../end or start/..", STRING),
    _query(
        "limit", "features per page (default 10, at most 10000)", {"type": "integer", "minimum": 1}
    ),
    _query("offset", "features to skip", {"type": "integer", "minimum": 0}),
    _query("filter", "a CQL2-text filter on the queryables", STRING),
    _query(
        "filter-lang",
        "cql2-text (cql-text is read as cql2-text)",
        {"type": "string", "enum": ["cql2-text", "cql-text"]},
    ),
    _query("sortby", "properties, each with + or -: -recorded_on,+code", STRING),
    _query("properties", "the properties to return, comma-separated", STRING),
    _query("skipGeometry", "leave out the geometry", {"type": "boolean"}),
    _query("crs", "output CRS (a URI from the collection's crs list)", STRING),
    _query(
        "precision",
        "decimal places of coordinates",
        {"type": "integer", "minimum": 0, "maximum": 15},
    ),
    _query("simplify", "simplification tolerance in metres", {"type": "number", "minimum": 0}),
    _query("f", "output format", {"type": "string", "enum": ["json", "html", "csv", "geojsonseq"]}),
]
