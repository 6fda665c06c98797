"""Enumerated values, shared by the models, the checks in the database and the API."""

DISTRICT_KINDS = ("district", "city")
HAZARD_CLASSES = ("SHA", "CHA")  # IMAS 07.11 / 08.10: suspected, confirmed hazardous area
CONTAMINATION_TYPES = ("anti_personnel", "anti_tank", "uxo", "cluster")
RISK_LEVELS = ("high", "medium", "low")
ZONE_STATUSES = ("active", "in_progress", "cancelled", "reduced", "cleared")
CONTAMINATED_STATUSES = ("active", "in_progress")
RELEASED_STATUSES = ("cancelled", "reduced", "cleared")
DEVICES = ("anti_personnel_mine", "anti_tank_mine", "uxo", "cluster_munition", "unknown_landmine")
ACTIVITIES = ("mine_clearance", "grazing", "farming", "travel", "other")
VICTIM_CATEGORIES = ("civilian", "military", "deminer")
LOCATION_ACCURACIES = ("surveyed", "village", "district")


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression that keeps ``column`` within ``values`` (constants, never user input)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def sql_array_within(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression that keeps every element of an array column within ``values``."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} <@ ARRAY[{quoted}]::text[]"
