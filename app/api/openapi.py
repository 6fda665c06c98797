"""The OpenAPI document in version 3.0, which OGC API - Features clients expect."""

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.deps.filters import ANY_PARAMETER, property_filters_of
from app.catalog import COLLECTIONS, Property, json_schema


def _downgrade(node: Any) -> Any:
    """Rewrite JSON Schema 2020-12 constructs FastAPI emits into their OpenAPI 3.0 forms."""
    if isinstance(node, list):
        return [_downgrade(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _downgrade(value) for key, value in node.items()}
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [option for option in options if option != {"type": "null"}]
            node.pop(key)
            node["nullable"] = True
            if len(rest) == 1:
                node.update(rest[0]) if "$ref" not in rest[0] else node.update(allOf=rest)
            else:
                node[key] = rest
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if "examples" in node and isinstance(node["examples"], list):
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    if isinstance(node.get("type"), list):
        types = [kind for kind in node["type"] if kind != "null"]
        node["nullable"] = len(types) < len(node["type"]) or node.get("nullable", False)
        node["type"] = types[0] if types else "string"
    return node


def _form_style(document: dict[str, Any]) -> None:
    """Say how every query parameter is written: once, a list separated by commas.

    OpenAPI's default for a query array is ``explode: true`` (``bbox=1&bbox=2``); the service
    takes ``bbox=1,2,3,4``, as OGC API - Features defines, and refuses repeated parameters.
    """
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["style"] = "form"
                    parameter["explode"] = False


def _filter(prop: Property) -> dict[str, Any]:
    """The query parameter of an equality filter on ``prop``."""
    return {
        "name": prop.name,
        "in": "query",
        "required": False,
        "description": f"features whose {prop.name} equals this ({prop.description})",
        # An array property is matched by one of its values.
        "schema": json_schema(prop)["items"] if prop.type == "array" else json_schema(prop),
    }


def _property_filters(app: FastAPI, document: dict[str, Any]) -> None:
    """List the equality filters each route takes (its ``PropertyFilters``), read from the raw
    query string. An items path is written once per collection, with that collection's
    queryables: clients such as GDAL learn from these what they may filter on server-side.
    Elsewhere a route lists the filters of every collection (a layer without one ignores it)."""
    paths = document["paths"]
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path or ""
        takes = property_filters_of(route.dependant) if isinstance(route, APIRoute) else None
        operation = paths.get(path, {}).get("get")
        if takes is None or takes is ANY_PARAMETER or operation is None:
            continue
        if path.endswith("/{collectionId}/items"):
            shared = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            for collection in COLLECTIONS.values():
                paths[path.replace("{collectionId}", collection.id)] = {
                    "get": {
                        **operation,
                        "operationId": f"items_{collection.id}",
                        "summary": f"{collection.title}: features",
                        "parameters": shared + [_filter(p) for p in takes.properties(collection)],
                    }
                }
            continue
        filters = {
            prop.name: _filter(prop)
            for collection in takes.collections(None)
            for prop in takes.properties(collection)
        }
        operation.setdefault("parameters", []).extend(filters.values())


def openapi_30(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, converted to version 3.0.3, with per-collection paths."""
    document: dict[str, Any] = _downgrade(app.openapi())
    document["openapi"] = "3.0.3"
    _property_filters(app, document)
    _form_style(document)
    return document


ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "required": ["code", "description"],
    "properties": {
        "code": {"type": "string", "example": "InvalidParameterValue"},
        "description": {"type": "string", "example": "bbox needs 4 or 6 numbers, got 3"},
    },
}
ERROR_RESPONSES = {
    "400": "a bad or unknown parameter, said in the description",
    "404": "an unknown collection, feature or district",
    "503": "the database did not answer, or every connection is busy",
}


def install(app: FastAPI) -> None:
    """Document the errors the service really answers: ``{code, description}``, 400 not 422."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = ERROR_SCHEMA
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                for status, description in ERROR_RESPONSES.items():
                    responses.setdefault(status, {"description": description, "content": content})
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
