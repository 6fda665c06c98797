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


class OrganisationKind(StrEnum):
    """Who an organisation is: the national authority, the army, civil protection, others."""

    national_authority = "national_authority"
    military = "military"
    civil_protection = "civil_protection"
    ngo = "ngo"
    commercial = "commercial"


class Method(StrEnum):
    """A land-release method (IMAS 07.11, 08.10, 08.20, 09.10, 09.30, 09.40)."""

    non_technical_survey = "non_technical_survey"
    technical_survey = "technical_survey"
    manual_clearance = "manual_clearance"
    mechanical = "mechanical"
    mine_detection_dogs = "mine_detection_dogs"
    battle_area_clearance = "battle_area_clearance"


class TaskStatus(StrEnum):
    """Where a clearance task stands."""

    planned = "planned"
    in_progress = "in_progress"
    suspended = "suspended"
    completed = "completed"


class ReleaseKind(StrEnum):
    """How land was released (IMAS 07.11): cancelled by non-technical survey, reduced by
    technical survey, cleared. The same words as a released zone's status."""

    cancelled = "cancelled"
    reduced = "reduced"
    cleared = "cleared"


class RecordState(StrEnum):
    """A progress report's state: submitted by the operator, then approved or rejected (with a
    reason) by the national authority. Only approved records count."""

    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"


class ItemCategory(StrEnum):
    """What was found."""

    anti_personnel_mine = "anti_personnel_mine"
    anti_tank_mine = "anti_tank_mine"
    uxo = "uxo"
    cluster_submunition = "cluster_submunition"
    ied = "ied"
    other = "other"


class ItemAction(StrEnum):
    """What was done with what was found."""

    destroyed_in_situ = "destroyed_in_situ"
    removed = "removed"


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
    references: str | None = None  # the collection whose ``code`` (or codes) this names

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
# Each role may do all that the ones before it may; an operator only for its organisation.
# A viewer writes nothing: it signs in (or holds a key) to read where reads need one.
Role = Literal["viewer", "operator", "editor", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "operator", "editor", "admin")
# What a write may send for each stored type: a single polygon or line is made multi.
ACCEPTED_GEOMETRIES: dict[str, tuple[str, ...]] = {
    "MultiPolygon": ("Polygon", "MultiPolygon"),
    "Point": ("Point",),
    "MultiLineString": ("LineString", "MultiLineString"),
}


@dataclass(frozen=True)
class Collection:
    """A published layer: its table is named by ``id``.

    The flags say what is particular to a layer, so that no code branches on its id: whether
    a feature must have a geometry, whether it is drawn in the tiles, how it goes into a
    district's package, which property names the organisation that owns a feature (an
    operator changes only its own), and whether its features are progress reports that count
    only once approved.
    """

    id: str
    title: str
    description: str
    tile_description: str
    geometry_type: GeometryType
    properties: tuple[Property, ...]
    temporal: tuple[str, str | None] | None = None  # start and end property of the feature
    keywords: tuple[str, ...] = field(default=())
    reads: tuple[str, ...] = ()  # other collections its computed properties are read from
    edit_role: Role = "admin"  # the least role that may change it
    geometry_required: bool = True  # False: a feature may come without a geometry
    on_map: bool = True  # drawn in the vector tiles
    package: Literal["whole", "clipped"] | None = "whole"  # in a district's GeoPackage
    owner: str | None = None  # the property naming the owning organisation
    approval: bool = False  # reports with a state: only approved ones are public and count

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
            package="clipped",  # the part within the district
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
        Collection(
            id="organisations",
            title="Organisations",
            description=(
                "The organisations accredited for mine action: the national authority, the "
                "army's engineers, civil protection, NGOs and companies. The geometry is "
                "optional (a base, where known). The bundled ones are a SCHEMATIC scenario: "
                "commercial operators are named generically."
            ),
            tile_description="",
            geometry_type="Point",
            geometry_required=False,
            properties=(
                CODE,
                Property("name", "string", "name", required=True),
                Property("kind", "string", "kind of organisation", OrganisationKind, required=True),
                Property("accredited_from", "date", "first day of its accreditation"),
                Property("accredited_to", "date", "last day of its accreditation"),
                SOURCE,
            ),
            temporal=("accredited_from", "accredited_to"),
            keywords=("mine action", "operators"),
            on_map=False,
            package=None,
        ),
        Collection(
            id="tasks",
            title="Clearance tasks",
            description=(
                "Survey and clearance tasks: which organisation works where, on which hazard "
                "zones, by which methods, and when. The bundled tasks are a SCHEMATIC scenario "
                "over the schematic zones."
            ),
            tile_description="Survey and clearance tasks; the bundled ones are schematic",
            geometry_type="MultiPolygon",
            properties=(
                CODE,
                Property(
                    "organisation",
                    "string",
                    "the organisation's code",
                    required=True,
                    references="organisations",
                ),
                Property(
                    "zones",
                    "array",
                    "the codes of the hazard zones it addresses",
                    references="contaminated_zones",
                ),
                Property("methods", "array", "land-release methods", Method, required=True),
                Property("status", "string", "where the task stands", TaskStatus, required=True),
                Property("planned_start", "date", "planned first day"),
                Property("planned_end", "date", "planned last day"),
                Property("started_on", "date", "first day of work"),
                Property("ended_on", "date", "last day of work"),
                SOURCE,
            ),
            temporal=("started_on", "ended_on"),
            keywords=("mine action", "clearance", "tasks"),
            edit_role="operator",
            owner="organisation",
        ),
        Collection(
            id="land_release",
            title="Land released",
            description=(
                "Land released by a task, one polygon per released part (IMAS 07.11): "
                "cancelled by non-technical survey, reduced by technical survey, cleared. "
                "Submitted by the operator; only records the national authority approved are "
                "public and count, and an approval takes the polygon out of the hazard zones "
                "it covers. The bundled records are a SCHEMATIC scenario."
            ),
            tile_description="Land released (approved records); the bundled ones are schematic",
            geometry_type="MultiPolygon",
            properties=(
                CODE,
                Property("task", "string", "the task's code", required=True, references="tasks"),
                Property("kind", "string", "how it was released", ReleaseKind, required=True),
                Property("released_on", "date", "date the land was released", required=True),
                Property("state", "string", "submitted, approved or rejected", RecordState),
                Property("reason", "string", "why the record was rejected"),
                Property(
                    "organisation",
                    "string",
                    "the task's organisation",
                    computed=True,
                    references="organisations",
                ),
                Property("area_m2", "integer", "geodesic area in m²", computed=True),
                SOURCE,
            ),
            temporal=("released_on", "released_on"),
            keywords=("mine action", "land release"),
            reads=("tasks",),  # the organisation
            edit_role="operator",
            owner="organisation",
            approval=True,
        ),
        Collection(
            id="items_found",
            title="Items found",
            description=(
                "Explosive items found and destroyed or removed by a task: a count per "
                "category and day, with a point where one was recorded. Only approved reports "
                "are public and count. The bundled counts are a SCHEMATIC scenario that "
                "reproduces ANAMA's published totals to November 2023."
            ),
            tile_description="",
            geometry_type="Point",
            geometry_required=False,
            properties=(
                CODE,
                Property("task", "string", "the task's code", required=True, references="tasks"),
                Property("found_on", "date", "date found", required=True),
                Property("category", "string", "what was found", ItemCategory, required=True),
                Property("model", "string", "the device's model, where known"),
                Property("condition", "string", "its condition"),
                Property("action", "string", "what was done with it", ItemAction, required=True),
                Property("count", "integer", "how many", required=True, minimum=1),
                Property("state", "string", "submitted, approved or rejected", RecordState),
                Property("reason", "string", "why the report was rejected"),
                Property(
                    "organisation",
                    "string",
                    "the task's organisation",
                    computed=True,
                    references="organisations",
                ),
                SOURCE,
            ),
            temporal=("found_on", "found_on"),
            keywords=("mine action", "explosive ordnance"),
            reads=("tasks",),  # the organisation
            edit_role="operator",
            owner="organisation",
            approval=True,
            on_map=False,
            package=None,
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
