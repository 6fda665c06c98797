"""The output formats, declared once.

Content negotiation (``f=`` and ``Accept``), the links of every resource, the OpenAPI
``responses`` and the file exports all read these declarations: a new format is one entry
here, plus its writer where its kind has no writer yet.
"""

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["document", "streamed", "file", "html"]


@dataclass(frozen=True)
class Format:
    """One way to write a resource: the ``f=`` value naming it, its media type, its kind.

    ``document`` formats are a model written by the JSON encoder, ``streamed`` ones a body
    PostGIS builds and the service streams, ``file`` ones a file GDAL writes with ``driver``,
    ``html`` a template for people.
    """

    name: str
    media_type: str  # the Content-Type of the answer, with its parameters
    kind: Kind
    title: str
    extension: str
    driver: str | None = None  # GDAL's driver of a file format
    also_accepts: tuple[str, ...] = ()  # other media types an Accept header may ask it by

    @property
    def mime(self) -> str:
        """The media type without its parameters, as links and Accept headers name it."""
        return self.media_type.split(";")[0]

    def accepts(self, media: str) -> bool:
        """Whether the media range ``media`` of an Accept header asks for this format."""
        return media == self.mime or media in self.also_accepts


JSON = Format("json", "application/json", "document", "JSON", "json")
HTML = Format("html", "text/html; charset=utf-8", "html", "HTML", "html")
GEOJSON = Format(
    "json", "application/geo+json", "streamed", "GeoJSON", "geojson", also_accepts=(JSON.mime,)
)
CSV = Format("csv", "text/csv; charset=utf-8", "streamed", "CSV", "csv")
GEOJSONSEQ = Format(
    "geojsonseq", "application/geo+json-seq", "streamed", "GeoJSON text sequence", "geojsons"
)
GPKG = Format(
    "gpkg",
    "application/geopackage+sqlite3",
    "file",
    "GeoPackage (QGIS, QField offline)",
    "gpkg",
    driver="GPKG",
)
FGB = Format("fgb", "application/flatgeobuf", "file", "FlatGeobuf", "fgb", driver="FlatGeobuf")
SCHEMA = Format(
    "json",
    "application/schema+json",
    "document",
    "JSON Schema",
    "json",
    also_accepts=(JSON.mime,),
)
OPENAPI = Format(
    "json",
    "application/vnd.oai.openapi+json;version=3.0",
    "document",
    "OpenAPI 3.0",
    "json",
    also_accepts=(JSON.mime,),
)
# Figures beside their polygons, for a choropleth: asked for as f=geojson, since f=json is
# the figures alone.
FIGURES_GEOJSON = Format(
    "geojson", GEOJSON.media_type, "streamed", "GeoJSON, with the geometries", "geojson"
)

# What each kind of resource offers, its default first.
DOCUMENT = (JSON, HTML)
FEATURES = (GEOJSON, HTML, CSV, GEOJSONSEQ, GPKG, FGB)
FEATURE = (GEOJSON, HTML)
SCHEMA_DOCUMENT = (SCHEMA, HTML)
FIGURES = (JSON, CSV, FIGURES_GEOJSON)
FIGURES_PAGE = (JSON, HTML)
TABLE = (JSON, CSV)
REPORT = (HTML, JSON, CSV)
MACHINE = (JSON,)
OPENAPI_DOCUMENT = (OPENAPI,)


def responses(offered: tuple[Format, ...]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route that answers in these formats."""
    content: dict[str, Any] = {}
    for fmt in offered:
        content.setdefault(fmt.mime, {"description": fmt.title} if fmt.kind == "file" else {})
    return {200: {"content": content}}


def by_name(offered: tuple[Format, ...], name: str) -> Format | None:
    """The offered format that ``f=name`` asks for."""
    return next((fmt for fmt in offered if fmt.name == name), None)
