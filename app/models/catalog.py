"""The published collections: their properties, types and temporal extent columns."""

from dataclasses import dataclass, field
from typing import Any, Literal

from app.errors import NotFound
from app.models import vocabulary as v

PropertyType = Literal["string", "integer", "date", "array", "boolean"]


@dataclass(frozen=True)
class Property:
    """A public property of a collection; every one is queryable and sortable."""

    name: str
    type: PropertyType
    description: str
    enum: tuple[str, ...] = ()


JSON_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "boolean": {"type": "boolean"},
}


def json_schema(prop: Property) -> dict[str, Any]:
    """The JSON Schema of a property's values."""
    if prop.type == "array":
        return {"type": "array", "items": {"type": "string", "enum": list(prop.enum)}}
    schema = dict(JSON_TYPES[prop.type])
    if prop.enum:
        schema["enum"] = list(prop.enum)
    return schema


@dataclass(frozen=True)
class Collection:
    """A published layer."""

    id: str
    title: str
    description: str
    geometry_type: str
    properties: tuple[Property, ...]
    temporal: tuple[str, str | None] | None = None  # start and end property of the feature
    keywords: tuple[str, ...] = field(default=())

    def get_property(self, name: str) -> Property | None:
        """The property called ``name``, if the collection has it."""
        return next((item for item in self.properties if item.name == name), None)

    @property
    def property_names(self) -> tuple[str, ...]:
        """The names of every public property, in order."""
        return tuple(item.name for item in self.properties)


_PROVENANCE = (
    Property("source", "string", "where the feature comes from"),
    Property("accuracy", "string", "how approximate the geometry is"),
)

COLLECTIONS: dict[str, Collection] = {
    item.id: item
    for item in (
        Collection(
            id="districts",
            title="Districts",
            description=(
                "Districts (rayons) and cities of Azerbaijan, from Natural Earth 10m admin-1, "
                "with known naming defects corrected."
            ),
            geometry_type="MultiPolygon",
            properties=(
                Property("code", "string", "stable identifier"),
                Property("name", "string", "English name"),
                Property("name_az", "string", "Azerbaijani name"),
                Property("hasc", "string", "HASC code"),
                Property("geonames_id", "integer", "GeoNames identifier"),
                Property("region", "string", "economic region"),
                Property("kind", "string", "district or city", v.DISTRICT_KINDS),
                *_PROVENANCE,
                Property("name_note", "string", "what was corrected in the source's naming"),
            ),
            keywords=("administrative boundaries", "Azerbaijan"),
        ),
        Collection(
            id="contaminated_zones",
            title="Contaminated zones",
            description=(
                "Hazardous areas (IMAS 07.11 / 08.10: SHA suspected, CHA confirmed) and their "
                "land-release status. The bundled zones are a SCHEMATIC scenario built from "
                "published national totals, not surveyed polygons."
            ),
            geometry_type="MultiPolygon",
            properties=(
                Property("code", "string", "stable identifier"),
                Property("name", "string", "name"),
                Property("hazard_class", "string", "SHA or CHA", v.HAZARD_CLASSES),
                Property("contamination", "array", "types of contamination", v.CONTAMINATION_TYPES),
                Property("risk_level", "string", "risk level", v.RISK_LEVELS),
                Property("status", "string", "land-release status", v.ZONE_STATUSES),
                Property("recorded_on", "date", "date the hazard was recorded"),
                Property("released_on", "date", "date the land was released"),
                Property("estimated_devices", "integer", "estimated number of devices"),
                *_PROVENANCE,
            ),
            temporal=("recorded_on", "released_on"),
            keywords=("mine action", "hazardous area", "land release"),
        ),
        Collection(
            id="incidents",
            title="Incidents",
            description=(
                "Mine and explosive-ordnance incidents with casualty counts. The district is "
                "computed from the point; the district the source reported is kept beside it. "
                "No personal data of victims is published."
            ),
            geometry_type="Point",
            properties=(
                Property("code", "string", "stable identifier"),
                Property("occurred_on", "date", "date of the incident"),
                Property("place", "string", "place name as reported"),
                Property("reported_district", "string", "district as the source reported it"),
                Property("district_id", "integer", "district computed from the point"),
                Property("district", "string", "name of the computed district"),
                Property(
                    "district_mismatch", "boolean", "the reported and computed districts differ"
                ),
                Property("device", "string", "type of device", v.DEVICES),
                Property("activity", "string", "activity at the time", v.ACTIVITIES),
                Property("killed", "integer", "people killed"),
                Property("injured", "integer", "people injured"),
                Property("victim_category", "string", "victim category", v.VICTIM_CATEGORIES),
                Property(
                    "location_accuracy", "string", "how precise the point is", v.LOCATION_ACCURACIES
                ),
                Property("location_note", "string", "how the point was placed"),
                Property("source", "string", "where the report comes from"),
            ),
            temporal=("occurred_on", "occurred_on"),
            keywords=("mine action", "casualties"),
        ),
        Collection(
            id="line_of_contact",
            title="Former line of contact (1994-2020)",
            description=(
                "The 1994 ceasefire line, the line of contact until 10 November 2020, from "
                "Natural Earth."
            ),
            geometry_type="MultiLineString",
            properties=(
                Property("code", "string", "stable identifier"),
                Property("name", "string", "name"),
                Property("valid_from", "date", "first day the line held"),
                Property("valid_to", "date", "last day the line held"),
                *_PROVENANCE,
            ),
            temporal=("valid_from", "valid_to"),
            keywords=("line of contact", "ceasefire"),
        ),
    )
}


def get_collection(collection_id: str) -> Collection:
    """The collection with this id, or a 404 that lists the known ones."""
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        known = ", ".join(COLLECTIONS)
        raise NotFound(f"no collection {collection_id!r}; the collections are {known}") from None
