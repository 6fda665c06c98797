"""The organisations of the schematic operations scenario and their accreditation."""

from dataclasses import dataclass
from datetime import date

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]

from geodata.zones import SOURCE

COLUMNS = ["code", "name", "kind", "accredited_from", "accredited_to", "source", "geometry"]


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation accredited to release land, from a day to a day (None: still accredited)."""

    code: str
    name: str
    kind: str
    accredited_from: date
    accredited_to: date | None = None

    def accredited(self, first: date, last: date) -> bool:
        """Say whether the accreditation covers every day from first to last."""
        return self.accredited_from <= first and (
            self.accredited_to is None or last <= self.accredited_to
        )


# The names are those of ANAMA's public reports; the commercial companies are generic on
# purpose. The accreditation dates are schematic: the ceasefire for the state bodies, then one
# company a year, and one accreditation that ends, so that expiry appears in the data.
CEASEFIRE = date(2020, 11, 10)
ORGANISATIONS = (
    Organisation(
        "ANAMA",
        "Mine Action Agency of the Republic of Azerbaijan (ANAMA)",
        "national_authority",
        CEASEFIRE,
    ),
    Organisation("MOD", "Ministry of Defence, engineer units", "military", CEASEFIRE),
    Organisation("MES", "Ministry of Emergency Situations", "civil_protection", CEASEFIRE),
    Organisation("SBS", "State Border Service", "military", date(2021, 1, 15)),
    Organisation("COMPANY-A", "Company A", "commercial", date(2021, 9, 1)),
    Organisation("COMPANY-B", "Company B", "commercial", date(2022, 3, 1), date(2024, 6, 30)),
    Organisation("COMPANY-C", "Company C", "commercial", date(2023, 2, 1)),
    Organisation("COMPANY-D", "Company D", "commercial", date(2024, 1, 15)),
)
# Engineer units of the army clear the mined belt along the former line.
BELT_CLEARER = "MOD"
# The State Border Service works in the districts on the state border (Armenia, Iran).
BORDER_AGENCY = "SBS"
BORDER_DISTRICTS = frozenset({"Fuzuli", "Gubadly", "Jabrayil", "Kalbajar", "Lachin", "Zangilan"})


def organisations() -> gpd.GeoDataFrame:
    """Return the organisations as a layer without geometry, in code order."""
    rows = [
        {
            "code": org.code,
            "name": org.name,
            "kind": org.kind,
            "accredited_from": org.accredited_from.isoformat(),
            "accredited_to": org.accredited_to.isoformat() if org.accredited_to else None,
            "source": SOURCE,
            "geometry": None,
        }
        for org in sorted(ORGANISATIONS, key=lambda org: org.code)
    ]
    return gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs="EPSG:4326")


def choose_organisation(
    workload: dict[str, int], district: str, first: date, last: date, clears_belt: bool
) -> Organisation:
    """Pick a task's organisation: the army in the belt, else the least busy accredited one.

    workload counts the tasks each organisation has so far; ties go to the first listed.
    """
    if clears_belt:
        return next(org for org in ORGANISATIONS if org.code == BELT_CLEARER)
    eligible = [
        org
        for org in ORGANISATIONS
        if org.accredited(first, last)
        and (org.code != BORDER_AGENCY or district in BORDER_DISTRICTS)
    ]
    return min(eligible, key=lambda org: workload.get(org.code, 0))
