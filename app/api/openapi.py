"""The OpenAPI document in version 3.0, which OGC API - Features clients expect."""

from typing import Any

from fastapi import FastAPI

from app.catalog import COLLECTIONS, json_schema


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


def _tile_filters(document: dict[str, Any]) -> None:
    """List the tiles' equality filters: every enumerated property (a layer without it ignores
    it), read from the raw query string like the items' ones."""
    filters = {
        prop.name: {
            "name": prop.name,
            "in": "query",
            "required": False,
            "description": f"only features whose {prop.name} is this ({prop.description})",
            "schema": json_schema(prop),
        }
        for collection in COLLECTIONS.values()
        for prop in collection.properties
        if prop.enum and prop.type == "string"
    }
    for path, operations in document["paths"].items():
        if "/tiles/WebMercatorQuad/" in path and "get" in operations:
            operations["get"].setdefault("parameters", []).extend(filters.values())


def _collection_paths(document: dict[str, Any]) -> dict[str, Any]:
    """One items path per collection, listing each queryable as a query parameter.

    Clients such as GDAL learn from these which properties they may filter on server-side.
    """
    generic = document["paths"].get("/collections/{collectionId}/items", {}).get("get")
    if generic is None:
        return {}
    shared = [p for p in generic.get("parameters", []) if p.get("in") == "query"]
    paths = {}
    for collection in COLLECTIONS.values():
        equality = [
            {
                "name": prop.name,
                "in": "query",
                "required": False,
                "description": f"features whose {prop.name} equals this ({prop.description})",
                # An array property is matched by one of its values.
                "schema": json_schema(prop)["items"] if prop.type == "array" else json_schema(prop),
            }
            for prop in collection.properties
        ]
        operation = {
            **generic,
            "operationId": f"items_{collection.id}",
            "summary": f"{collection.title}: features",
            "parameters": shared + equality,
        }
        paths[f"/collections/{collection.id}/items"] = {"get": operation}
    return paths


def openapi_30(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, converted to version 3.0.3, with per-collection paths."""
    document: dict[str, Any] = _downgrade(app.openapi())
    document["openapi"] = "3.0.3"
    document["paths"] = {**document["paths"], **_collection_paths(document)}
    _tile_filters(document)
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
