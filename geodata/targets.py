"""Published national figures that the schematic scenario is built to reproduce."""

from datetime import date
from typing import NamedTuple


class ReleasePeriod(NamedTuple):
    """A reporting period and the cumulative area released by its last day."""

    label: str
    first_day: date
    last_day: date
    cumulative_km2: float
    source: str


# 1,166,702 ha in all = 211,800 ha high-risk + 954,902 ha medium/low-risk.
TOTAL_KM2 = 11_667.02
HIGH_RISK_KM2 = 2_118.00
MEDIUM_LOW_KM2 = 9_549.02
TOTAL_SOURCE = (
    "ANAMA, 31 Oct 2024 (11,667 km²); split 211,800 ha high-risk + 954,902 ha medium/low-risk "
    "per the Azerbaijan Campaign to Ban Landmines"
)
BELT_DEPTH_M = 2_000.0
BELT_SOURCE = "mined belt 'up to two km deep' along the former line (Ministry of Defence, Feb 2024)"
TOTAL_DEVICES = 1_500_000
DEVICES_SOURCE = "about 1.5 million mines (ANAMA, 31 Oct 2024)"

RELEASE_PERIODS = (
    ReleasePeriod("during 2022", date(2022, 1, 1), date(2022, 12, 31), 419.15, "41,915 ha"),
    ReleasePeriod(
        "to Nov 2023", date(2023, 1, 1), date(2023, 11, 30), 1_069.38, "106,938 ha cumulative"
    ),
    ReleasePeriod(
        "to 14 Feb 2024", date(2023, 12, 1), date(2024, 2, 14), 1_185.02, "118,502 ha cumulative"
    ),
    ReleasePeriod(
        "to 31 Jul 2024", date(2024, 2, 15), date(2024, 7, 31), 1_526.19, "152,619 ha cumulative"
    ),
    ReleasePeriod(
        "to Oct 2024",
        date(2024, 8, 1),
        date(2024, 10, 31),
        1_680.00,
        "about 168,000 ha cumulative",
    ),
)

# Items destroyed since the end of the 2020 war, by the end of the period that ends on this day.
ITEMS_BY = date(2023, 11, 30)
ITEMS_DESTROYED = {"anti_personnel_mine": 30_539, "anti_tank_mine": 18_303, "uxo": 56_646}
ITEMS_SOURCE = "ANAMA, Nov 2023: 30,539 anti-personnel mines, 18,303 anti-tank mines, 56,646 UXO"
