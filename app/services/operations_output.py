"""The operations' figures as CSV: one row per group, district or figure, each row saying
which records it counts and whether its data are schematic."""

import io
from collections.abc import Callable, Iterable
from typing import Any

from app.core.spreadsheet import CsvWriter
from app.schemas.operations import Forecast, ItemsStats, MonthFigures, MonthlyReport, ReleaseStats
from app.services.operations_stats import ACTIONS, CATEGORIES, KINDS


def _csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    """A header row, then one row per dict; text cells never formulas (CsvWriter)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(row.get(column) for column in columns)
    return buffer.getvalue()


def _sources(answer: ReleaseStats | ItemsStats | Forecast) -> str:
    return "; ".join(f"{source.layer}: {source.source}" for source in answer.sources)


def _grouped_csv(
    answer: ReleaseStats | ItemsStats,
    figures: list[str],
    row: Callable[[Any], dict[str, Any]],
) -> str:
    """One row per group of a grouped answer: its key and label, its ``figures`` (``row``
    gives them), the records counted, and the answer's state, schematic flag and sources."""
    columns = ["group_by", "key", "label", *figures, "records", "counts", "schematic", "sources"]
    common = {
        "group_by": answer.group_by.value,
        "counts": answer.counts,
        "schematic": answer.schematic,
        "sources": _sources(answer),
    }
    return _csv(
        columns,
        (
            common
            | {"key": group.key, "label": group.label or "", "records": group.records}
            | row(group)
            for group in answer.groups
        ),
    )


def release_csv(answer: ReleaseStats) -> str:
    """One row per group: its km², by kind, the records."""
    figures = ["released_km2", *(f"{kind}_km2" for kind in KINDS)]
    return _grouped_csv(
        answer,
        figures,
        lambda group: (
            {"released_km2": group.released_km2}
            | {f"{kind}_km2": group.by_kind[kind] for kind in KINDS}
        ),
    )


def items_csv(answer: ItemsStats) -> str:
    """One row per group: its items, by category and by action, the reports."""
    figures = ["items", *CATEGORIES, *ACTIONS]
    return _grouped_csv(
        answer,
        figures,
        lambda group: {"items": group.items} | group.by_category | group.by_action,
    )


def forecast_csv(answer: Forecast) -> str:
    """One row for the country, then one per district."""
    columns = [
        "district_id",
        "code",
        "name",
        "remaining_km2",
        "rate_km2_per_year",
        "rate_min_km2_per_year",
        "rate_max_km2_per_year",
        "clear_by_year",
        "clear_by_year_earliest",
        "clear_by_year_latest",
        "note",
        "as_of",
        "counts",
        "schematic",
    ]
    return _csv(
        columns,
        (
            {
                "district_id": "" if entry.district_id is None else entry.district_id,
                "code": entry.code,
                "name": entry.name,
                "remaining_km2": entry.remaining_km2,
                "rate_km2_per_year": entry.rate_km2_per_year,
                "rate_min_km2_per_year": entry.rate_range_km2_per_year[0],
                "rate_max_km2_per_year": entry.rate_range_km2_per_year[1],
                "clear_by_year": _blank(entry.clear_by_year),
                "clear_by_year_earliest": _blank(entry.clear_by_year_range[0]),
                "clear_by_year_latest": _blank(entry.clear_by_year_range[1]),
                "note": entry.note or "",
                "as_of": answer.as_of.isoformat(),
                "counts": answer.counts,
                "schematic": answer.schematic,
            }
            for entry in [answer.national, *answer.districts]
        ),
    )


def _blank(value: int | None) -> int | str:
    return "" if value is None else value


def _figure_rows(place: str, code: str, figures: MonthFigures) -> Iterable[dict[str, Any]]:
    """Each figure of a place as (figure, key, value)."""
    for name, value in figures.model_dump().items():
        if isinstance(value, dict):
            for key, item in value.items():
                yield {"place": place, "code": code, "figure": name, "key": key, "value": item}
        else:
            yield {"place": place, "code": code, "figure": name, "key": "", "value": value}


def monthly_csv(report: MonthlyReport) -> str:
    """One row per figure: the place (national or a district), the figure, its key (a kind,
    an organisation, a category), its value, its layer and sources, and whether schematic."""
    layers = {}
    for source in report.figure_sources:
        for figure in source.figure.split(", "):
            layers[figure] = source
    places = [("national", "", report.national)] + [
        (district.name, district.code, district) for district in report.districts
    ]
    rows = []
    for place, code, figures in places:
        plain = MonthFigures.model_validate(figures.model_dump())
        for row in _figure_rows(place, code, plain):
            found = layers.get(_layer_of(row["figure"]))
            rows.append(
                {"month": report.month, **row, "counts": report.counts}
                | {
                    "layer": found.layer if found else "",
                    "sources": "; ".join(found.sources) if found else "",
                    "schematic": found.schematic if found else False,
                }
            )
    columns = ["month", "place", "code", "figure", "key", "value", "layer", "sources"]
    return _csv([*columns, "schematic", "counts"], rows)


def _layer_of(figure: str) -> str:
    """The report's figure whose source a figure shares."""
    for prefix, name in (
        ("released", "released_km2"),
        ("items", "items"),
        ("tasks_", "tasks_started"),
        ("contaminated", "contaminated_share"),
    ):
        if figure.startswith(prefix):
            return name
    return "incidents"
