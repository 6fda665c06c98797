"""The district statistics as CSV and as a GeoJSON FeatureCollection."""

import io
from dataclasses import dataclass
from datetime import date

from app import formats
from app.catalog import COLLECTIONS
from app.core.db import Session
from app.core.spreadsheet import CsvWriter
from app.formats import Format
from app.repositories import stats_geo
from app.schemas.query import SortKey
from app.schemas.stats import DistrictList, DistrictStats, Freshness, ZoneFilter
from app.services.stats import district_list

COLUMNS = tuple(DistrictStats.model_fields)


def districts_csv(table: DistrictList) -> str:
    """One header row, then one row per district."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(COLUMNS)
    for row in table.districts:
        values = row.model_dump()
        writer.writerow(values[column] for column in COLUMNS)
    return buffer.getvalue()


def districts_geojson(session: Session, table: DistrictList) -> str:
    """The district polygons with their figures as properties, built by PostGIS."""
    properties = [row.model_dump() | {"as_of": table.as_of.isoformat()} for row in table.districts]
    return stats_geo.feature_collection(session, COLLECTIONS["districts"], "id", properties)


@dataclass(frozen=True)
class Rendered:
    """A response body already serialised, with its media type."""

    body: str
    media_type: str
    filename: str
    freshness: Freshness


def districts_in_format(
    session: Session,
    as_of: date,
    filters: ZoneFilter,
    sortby: tuple[SortKey, ...],
    fmt: Format,
    near_km: float,
) -> DistrictList | Rendered:
    """The district table as a model (JSON), or rendered as CSV or GeoJSON."""
    table = district_list(session, as_of, filters, sortby, near_km)
    fresh = {"data_version": table.data_version, "stale": table.stale}
    if fmt == formats.JSON:
        return table
    body = districts_csv(table) if fmt == formats.CSV else districts_geojson(session, table)
    filename = f"districts.{fmt.extension}"
    return Rendered(body, fmt.media_type, filename, Freshness(**fresh))
