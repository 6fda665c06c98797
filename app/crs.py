"""The coordinate reference systems the service reads and writes (OGC API - Features Part 2)."""

from dataclasses import dataclass

from app.errors import InvalidParameterValue

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class Crs:
    """A supported CRS: its URI, EPSG code, and whether its axis order is latitude first."""

    uri: str
    srid: int
    lat_first: bool = False

    @property
    def geographic(self) -> bool:
        """Whether coordinates are in degrees."""
        return self.srid == 4326


SUPPORTED: dict[str, Crs] = {
    crs.uri: crs
    for crs in (
        Crs(CRS84, 4326),
        Crs("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, lat_first=True),
        Crs("http://www.opengis.net/def/crs/EPSG/0/3857", 3857),
        Crs("http://www.opengis.net/def/crs/EPSG/0/32638", 32638),
        Crs("http://www.opengis.net/def/crs/EPSG/0/32639", 32639),
    )
}
STORAGE = SUPPORTED[CRS84]


def parse_crs(value: str | None, parameter: str) -> Crs:
    """The CRS named by a URI (or a short ``EPSG:n`` / ``CRS84``), or a 400."""
    if value is None or value == "":
        return STORAGE
    text = value.strip().strip("[]<>")
    short = {"CRS84": CRS84, "OGC:CRS84": CRS84}
    if text.upper().startswith("EPSG:"):
        text = f"http://www.opengis.net/def/crs/EPSG/0/{text[5:]}"
    text = short.get(text.upper(), text).replace("https://", "http://")
    if text not in SUPPORTED:
        raise InvalidParameterValue(
            f"{parameter}={value!r} is not supported; use one of {', '.join(SUPPORTED)}"
        )
    return SUPPORTED[text]
