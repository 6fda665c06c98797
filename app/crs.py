"""The coordinate reference systems the service reads and writes (OGC API - Features Part 2)."""

import re
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


EPSG_CODE = re.compile(r"(?:EPSG:|http://www\.opengis\.net/def/crs/EPSG/0/)([0-9]{1,6})", re.I)


def source_crs(value: str | None, parameter: str = "crs") -> str | None:
    """The CRS a client gives for a file that does not say its own, as ``EPSG:<code>``: an
    EPSG code or URI that PROJ knows, or CRS84; else a 400 naming it (``EPSG:99999`` and
    ``nonsense`` reached pyproj and were a 500). Only codes are read, never a PROJ string or
    WKT, which can name files of the server."""
    if value is None or not value.strip():
        return None
    text = value.strip().strip("<>").replace("https://", "http://")
    if text.upper() in ("CRS84", "OGC:CRS84") or text == CRS84:
        return "OGC:CRS84"
    match = EPSG_CODE.fullmatch(text)
    if match:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            return f"EPSG:{CRS.from_epsg(int(match.group(1))).to_epsg() or match.group(1)}"
        except CRSError:
            pass
    raise InvalidParameterValue(
        f"{parameter}={value!r} is not a coordinate reference system PROJ knows: give an EPSG "
        "code, such as EPSG:32638 (UTM 38N), EPSG:4326 or CRS84"
    )
