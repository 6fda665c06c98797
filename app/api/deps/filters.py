"""Equality filters on properties (``?risk_level=high``) and the check of unknown parameters.

Their names depend on the collection, so they are read from the raw query string. One class,
``PropertyFilters``, says which properties a route takes: it parses them, the check of
unknown parameters allows them, and the OpenAPI document lists them.
"""

from collections.abc import Iterable
from typing import Any, Literal

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.catalog import COLLECTIONS, Collection, Property, get_collection
from app.errors import InvalidParameterValue, UnknownParameter
from app.schemas.query import parse_date

Scope = Literal["all", "enumerated", "any"]


def typed(collection: Collection, name: str, raw: str) -> Any:
    """An equality filter's value converted to the property's type, or a 400 naming both."""
    prop = collection.get_property(name)
    assert prop is not None
    if prop.type == "date":
        return parse_date(raw, name)
    try:
        if prop.type == "integer":
            return int(raw)
        if prop.type == "boolean":
            return {"true": True, "false": False}[raw.lower()]
    except (ValueError, KeyError):
        raise InvalidParameterValue(f"{name}={raw!r} is not a valid {prop.type}") from None
    if prop.values and raw not in prop.values:
        raise InvalidParameterValue(f"{name}={raw!r}: use one of {', '.join(prop.values)}")
    return raw


class PropertyFilters:
    """A dependency: ``?property=value`` on the properties of the path's collection (every
    collection's where the path names none). ``all`` takes every property, an array property
    matching a value it holds; ``enumerated`` the string properties with allowed values (the
    tiles'); ``any`` takes nothing but lets any parameter through (a page for people)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def properties(self, collection: Collection) -> tuple[Property, ...]:
        """The properties of ``collection`` this route filters on."""
        if self.scope == "any":
            return ()
        if self.scope == "all":
            return collection.properties
        return tuple(p for p in collection.properties if p.enum and p.type == "string")

    def collections(self, collection_id: str | None) -> Iterable[Collection]:
        """The collection the path names, or every one."""
        return [get_collection(collection_id)] if collection_id else COLLECTIONS.values()

    def names(self, collection_id: str | None) -> set[str]:
        """The parameter names this route takes as filters."""
        return {
            prop.name
            for collection in self.collections(collection_id)
            for prop in self.properties(collection)
        }

    async def __call__(self, request: Request) -> tuple[tuple[str, Any], ...]:
        """The filters the query string asks for, each converted to its property's type.

        Where several collections have the property, a value need only be allowed in one:
        ``?status=active`` keeps the active zones, and no task (no task is "active").
        """
        params = request.query_params
        equals: dict[str, Any] = {}
        refused: dict[str, InvalidParameterValue] = {}
        for collection in self.collections(request.path_params.get("collectionId")):
            for prop in self.properties(collection):
                if prop.name not in params or prop.name in equals:
                    continue
                try:
                    equals[prop.name] = typed(collection, prop.name, params[prop.name])
                except InvalidParameterValue as error:
                    refused.setdefault(prop.name, error)
        unresolved = [refused[name] for name in refused if name not in equals]
        if unresolved:
            raise unresolved[0]
        return tuple(sorted(equals.items()) if self.scope == "enumerated" else equals.items())


ALL_PROPERTIES = PropertyFilters("all")
ENUMERATED_PROPERTIES = PropertyFilters("enumerated")
ANY_PARAMETER = PropertyFilters("any")


def property_filters_of(dependant: Dependant) -> PropertyFilters | None:
    """The property filters a route (or dependency) takes, if any."""
    stack = [dependant]
    while stack:
        current = stack.pop()
        if isinstance(current.call, PropertyFilters):
            return current.call
        stack.extend(current.dependencies)
    return None


def _declared(route: APIRoute) -> frozenset[str]:
    """The query parameters a route declares, each field of a query model among them."""
    names: set[str] = set()
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        stack.extend(dependant.dependencies)
        for field in dependant.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names.update(item.alias or name for name, item in model.model_fields.items())
            else:
                names.add(field.alias)
    return frozenset(names)


async def reject_unknown(request: Request) -> None:
    """Refuse query parameters the route does not declare, naming them, and repeated ones."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    takes = property_filters_of(route.dependant)
    if takes is ANY_PARAMETER:
        return
    allowed = _declared(route)
    if takes is not None:
        allowed = allowed | takes.names(request.path_params.get("collectionId"))
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise UnknownParameter(
            f"unknown query parameter(s): {', '.join(map(repr, unknown))}; "
            f"this endpoint takes {', '.join(sorted(allowed)) or 'none'}"
        )
    repeated = sorted(
        name
        for name in set(request.query_params)
        if len(request.query_params.getlist(name)) > 1 and name in allowed
    )
    if repeated:
        raise InvalidParameterValue(
            f"{', '.join(repeated)} given more than once; give each parameter once "
            "(a list is one value separated by commas)"
        )
