"""The populated places of Azerbaijan from GeoNames cities500, as points."""

from pathlib import Path

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]
import pandas as pd
from shapely.geometry import Point  # type: ignore[import-untyped, unused-ignore]

from geodata.settlement_names import name_az
from geodata.sources import GEONAMES_CITIES500

COUNTRY = "AZ"
SOURCE = (
    f"GeoNames cities500 via npm {GEONAMES_CITIES500.package}@{GEONAMES_CITIES500.version}; "
    "data by GeoNames (www.geonames.org), CC BY 4.0"
)
ACCURACY = (
    "GeoNames point for the place, not its outline; population as recorded by GeoNames, "
    "which for Karabakh towns may predate 1994; null where GeoNames records 0 (unknown)"
)
COLUMNS = [
    "code",
    "name",
    "name_az",
    "alternate_names",
    "geonames_id",
    "feature_code",
    "population",
    "source",
    "accuracy",
    "geometry",
]
# Columns of GeoNames' tab-separated dump (https://download.geonames.org/export/dump/).
GEONAMEID, NAME, ALTERNATES, LATITUDE, LONGITUDE, FEATURE_CODE, COUNTRY_CODE, POPULATION = (
    0, 1, 3, 4, 5, 7, 8, 14,
)  # fmt: skip
FIELDS = 19


def read_geonames(path: Path, country: str = COUNTRY) -> list[list[str]]:
    """Return the rows of a GeoNames dump with this country code, as lists of fields."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if len(fields) != FIELDS:
                raise ValueError(f"{path.name}: a row has {len(fields)} fields, not {FIELDS}")
            if fields[COUNTRY_CODE] == country:
                rows.append(fields)
    return rows


def _settlement(fields: list[str]) -> dict[str, object]:
    """Return the properties and the point of one GeoNames row."""
    geonames_id, name = int(fields[GEONAMEID]), fields[NAME]
    alternates = list(dict.fromkeys(text for text in fields[ALTERNATES].split(",") if text))
    population = int(fields[POPULATION])
    return {
        "code": f"geonames:{geonames_id}",
        "name": name,
        "name_az": name_az(geonames_id, name, alternates),
        "alternate_names": alternates,
        "geonames_id": geonames_id,
        "feature_code": fields[FEATURE_CODE],
        "population": population or None,  # GeoNames writes 0 when it does not know
        "source": SOURCE,
        "accuracy": ACCURACY,
        "geometry": Point(float(fields[LONGITUDE]), float(fields[LATITUDE])),
    }


def settlements(rows: list[list[str]]) -> gpd.GeoDataFrame:
    """Return one point per GeoNames row, sorted by GeoNames id."""
    if not rows:
        raise ValueError("no settlements: the GeoNames file has no row for the country")
    records = [_settlement(fields) for fields in sorted(rows, key=lambda f: int(f[GEONAMEID]))]
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")
    # An object column keeps the integers integers beside the nulls (pandas would make floats).
    frame["population"] = pd.Series([r["population"] for r in records], dtype=object)
    return frame[COLUMNS]
