"""The layer catalogue: every published collection and its properties, declared once.

The models take their geometry types and CHECK constraints from here, the API its
collections, queryables, parameters and OpenAPI document, the loader its validation, the
tiles their layers and fields, the statistics their sources. Private tables (the victims'
details) are not collections and are never listed here, so nothing can serve them.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from app.errors import NotFound


class DistrictKind(StrEnum):
    """A district (rayon) or a city with district status."""

    district = "district"
    city = "city"


class HazardClass(StrEnum):
    """IMAS 07.11 / 08.10: suspected or confirmed hazardous area."""

    SHA = "SHA"
    CHA = "CHA"


class ContaminationType(StrEnum):
    """What a hazardous area holds."""

    anti_personnel = "anti_personnel"
    anti_tank = "anti_tank"
    uxo = "uxo"
    cluster = "cluster"


class RiskLevel(StrEnum):
    """The risk a hazardous area poses."""

    high = "high"
    medium = "medium"
    low = "low"


class ZoneStatus(StrEnum):
    """Land-release status: the first two are contaminated, the last three released."""

    active = "active"
    in_progress = "in_progress"
    cancelled = "cancelled"
    reduced = "reduced"
    cleared = "cleared"


RELEASED_STATUSES = (ZoneStatus.cancelled, ZoneStatus.reduced, ZoneStatus.cleared)


class Device(StrEnum):
    """The device that caused an incident."""

    anti_personnel_mine = "anti_personnel_mine"
    anti_tank_mine = "anti_tank_mine"
    uxo = "uxo"
    cluster_munition = "cluster_munition"
    unknown_landmine = "unknown_landmine"


class Activity(StrEnum):
    """What the victims were doing."""

    mine_clearance = "mine_clearance"
    grazing = "grazing"
    farming = "farming"
    travel = "travel"
    other = "other"


class VictimCategory(StrEnum):
    """Who the victims were."""

    civilian = "civilian"
    military = "military"
    deminer = "deminer"


class LocationAccuracy(StrEnum):
    """How precisely an incident's point is placed."""

    surveyed = "surveyed"
    village = "village"
    district = "district"


PropertyType = Literal["string", "integer", "date", "array", "boolean"]
Vocabulary = type[StrEnum]  # an enumeration of allowed values


@dataclass(frozen=True)
class Property:
    """A public property of a collection; every one is queryable and sortable.

    ``computed`` properties are derived by the database (a trigger or a join), so a write
    never supplies them; ``required`` ones must be given by every write.
    """

    name: str
    type: PropertyType
    description: str
    enum: Vocabulary | None = None
    required: bool = False
    minimum: int | None = None
    computed: bool = False

    @property
    def values(self) -> tuple[str, ...]:
        """The allowed values, in their declared order (empty when any value goes)."""
        return tuple(self.enum) if self.enum else ()


JSON_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "boolean": {"type": "boolean"},
}


def json_schema(prop: Property) -> dict[str, Any]:
    """The JSON Schema of a property's values."""
    if prop.type == "array":
        items: dict[str, Any] = {"type": "string"}
        if prop.enum:
            items["enum"] = list(prop.values)
        return {"type": "array", "items": items}
    schema = dict(JSON_TYPES[prop.type])
    if prop.enum:
        schema["enum"] = list(prop.values)
    if prop.minimum is not None:
        schema["minimum"] = prop.minimum
    return schema


GeometryType = Literal["MultiPolygon", "Point", "MultiLineString"]
# What a write may send for each stored type: a single polygon or line is made multi.
ACCEPTED_GEOMETRIES: dict[str, tuple[str, ...]] = {
    "MultiPolygon": ("Polygon", "MultiPolygon"),
    "Point": ("Point",),
    "MultiLineString": ("LineString", "MultiLineString"),
}


@dataclass(frozen=True)
class Collection:
    """A published layer: its table is named by ``id``."""

    id: str
    title: str
    description: str
    tile_description: str
    geometry_type: GeometryType
    properties: tuple[Property, ...]
    temporal: tuple[str, str | None] | None = None  # start and end property of the feature
    keywords: tuple[str, ...] = field(default=())
    reads: tuple[str, ...] = ()  # other collections its computed properties are read from
    edit_role: Literal["editor", "admin"] = "admin"  # the least role that may change it

    @property
    def sources(self) -> tuple[str, ...]:
        """The collections whose writes can change what this one serves: itself and ``reads``."""
        return (self.id, *self.reads)

    def get_property(self, name: str) -> Property | None:
        """The property called ``name``, if the collection has it."""
        return next((item for item in self.properties if item.name == name), None)

    @property
    def property_names(self) -> tuple[str, ...]:
        """The names of every public property, in order."""
        return tuple(item.name for item in self.properties)

    @property
    def stored_properties(self) -> tuple[Property, ...]:
        """The properties a write supplies (every one the database does not compute)."""
        return tuple(item for item in self.properties if not item.computed)

    @property
    def accepted_geometries(self) -> tuple[str, ...]:
        """The GeoJSON geometry types a write may send."""
        return ACCEPTED_GEOMETRIES[self.geometry_type]


CODE = Property("code", "string", "stable identifier", required=True)
SOURCE = Property("source", "string", "where the feature comes from", required=True)
ACCURACY = Property("accuracy", "string", "how approximate the geometry is")

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
            tile_description="Districts (rayons) and cities of Azerbaijan, Natural Earth 10m",
            geometry_type="MultiPolygon",
            properties=(
                CODE,
                Property("name", "string", "English name", required=True),
                Property("name_az", "string", "Azerbaijani name"),
                Property("hasc", "string", "HASC code"),
                Property("geonames_id", "integer", "GeoNames identifier"),
                Property("region", "string", "economic region"),
                Property("kind", "string", "district or city", DistrictKind, required=True),
                SOURCE,
                ACCURACY,
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
            tile_description=(
                "Hazardous areas (SHA/CHA); the bundled zones are a schematic scenario"
            ),
            geometry_type="MultiPolygon",
            properties=(
                CODE,
                Property("name", "string", "name"),
                Property("hazard_class", "string", "SHA or CHA", HazardClass, required=True),
                Property(
                    "contamination",
                    "array",
                    "types of contamination",
                    ContaminationType,
                    required=True,
                ),
                Property("risk_level", "string", "risk level", RiskLevel, required=True),
                Property("status", "string", "land-release status", ZoneStatus, required=True),
                Property("recorded_on", "date", "date the hazard was recorded", required=True),
                Property("released_on", "date", "date the land was released"),
                Property("estimated_devices", "integer", "estimated number of devices", minimum=0),
                Property("imsma_id", "string", "the hazard's identifier in IMSMA"),
                SOURCE,
                ACCURACY,
            ),
            temporal=("recorded_on", "released_on"),
            keywords=("mine action", "hazardous area", "land release"),
            edit_role="editor",
        ),
        Collection(
            id="incidents",
            title="Incidents",
            description=(
                "Mine and explosive-ordnance incidents with casualty counts. The district is "
                "computed from the point; the district the source reported is kept beside it. "
                "No personal data of victims is published."
            ),
            tile_description="Mine and ERW incidents; no private victim data",
            geometry_type="Point",
            properties=(
                CODE,
                Property("occurred_on", "date", "date of the incident", required=True),
                Property("place", "string", "place name as reported"),
                Property("reported_district", "string", "district as the source reported it"),
                Property(
                    "district_id", "integer", "district computed from the point", computed=True
                ),
                Property("district", "string", "name of the computed district", computed=True),
                Property(
                    "district_mismatch",
                    "boolean",
                    "the reported and computed districts differ",
                    computed=True,
                ),
                Property("device", "string", "type of device", Device, required=True),
                Property("activity", "string", "activity at the time", Activity, required=True),
                Property("killed", "integer", "people killed", required=True, minimum=0),
                Property("injured", "integer", "people injured", required=True, minimum=0),
                Property(
                    "victim_category", "string", "victim category", VictimCategory, required=True
                ),
                Property(
                    "location_accuracy",
                    "string",
                    "how precise the point is",
                    LocationAccuracy,
                    required=True,
                ),
                Property("location_note", "string", "how the point was placed"),
                Property("source", "string", "where the report comes from", required=True),
            ),
            temporal=("occurred_on", "occurred_on"),
            keywords=("mine action", "casualties"),
            reads=("districts",),  # the district's name
            edit_role="editor",
        ),
        Collection(
            id="line_of_contact",
            title="Former line of contact (1994-2020)",
            description=(
                "The 1994 ceasefire line, the line of contact until 10 November 2020, from "
                "Natural Earth."
            ),
            tile_description="The former line of contact, 1994-2020",
            geometry_type="MultiLineString",
            properties=(
                CODE,
                Property("name", "string", "name", required=True),
                Property("valid_from", "date", "first day the line held", required=True),
                Property("valid_to", "date", "last day the line held"),
                SOURCE,
                ACCURACY,
            ),
            temporal=("valid_from", "valid_to"),
            keywords=("line of contact", "ceasefire"),
        ),
        Collection(
            id="settlements",
            title="Settlements",
            description=(
                "Populated places of Azerbaijan from GeoNames' cities500 extract (CC BY 4.0). "
                "Populations are as recorded by GeoNames: many Karabakh towns carry figures from "
                "before 1994 and are being rebuilt. The district is computed from the point."
            ),
            tile_description="Populated places (GeoNames cities500); population as recorded",
            geometry_type="Point",
            properties=(
                CODE,
                Property("name", "string", "name, as GeoNames writes it", required=True),
                Property("name_az", "string", "Azerbaijani name"),
                Property("alternate_names", "array", "other names and spellings, for search"),
                Property("geonames_id", "integer", "GeoNames identifier", required=True),
                Property("feature_code", "string", "GeoNames feature code (PPLA: seat...)"),
                Property("population", "integer", "population as recorded by GeoNames", minimum=0),
                Property(
                    "district_id", "integer", "district computed from the point", computed=True
                ),
                Property("district", "string", "name of the computed district", computed=True),
                SOURCE,
                ACCURACY,
            ),
            keywords=("settlements", "population", "GeoNames"),
            reads=("districts",),  # the district's name
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
