"""A bulk write: 20,000 zones in one statement leave the statistics a full rebuild gives; then
one zone's edit among them refreshes quickly, to the same figures."""

import time
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.services.loader import refresh_statistics

# Squares of 50 to 200 m at random points of some Karabakh districts, over and beside the
# bundled zones, with every key the statistics split by; a fifth released a year later.
BULK = text(
    """
INSERT INTO contaminated_zones
    (code, hazard_class, contamination, risk_level, status, recorded_on, released_on, source,
     geom)
SELECT 'BULK-' || p.path[1], 'SHA',
       ARRAY[(ARRAY['anti_personnel', 'anti_tank', 'uxo', 'cluster'])[1 + p.path[1] % 4]],
       (ARRAY['high', 'medium', 'low'])[1 + p.path[1] % 3],
       (ARRAY['cleared', 'active', 'in_progress', 'active', 'active'])[1 + p.path[1] % 5],
       date '2021-01-01' + (p.path[1] % 48) * 30,
       CASE WHEN p.path[1] % 5 = 0 THEN date '2022-01-01' + (p.path[1] % 48) * 30 END,
       'test', ST_Multi(ST_Expand(p.geom, 0.00025 * (1 + p.path[1] % 4)))
FROM (SELECT ST_Union(geom) AS geom FROM districts
      WHERE name = ANY (:districts)) AS d,
     ST_Dump(ST_GeneratePoints(d.geom, :count, 3)) AS p
"""
)
STEPS_INDEX = text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_stats_leaf_steps_key'")
STEPS_INDEX_DEFINITION = (
    "CREATE INDEX ix_stats_leaf_steps_key ON public.stats_leaf_steps USING btree "
    "(district_id, measure, risk_level, status, contamination, on_date)"
)
FIGURES = text(
    """
SELECT 'delta ' || concat_ws(' ', measure, risk_level, status, contamination, district_id,
                             on_date) AS key, level_km2 AS value
FROM stats_deltas
UNION ALL
SELECT 'atoms ' || district_id || ' ' || zone_ids::text, sum(area_km2)
FROM stats_atoms GROUP BY district_id, zone_ids
UNION ALL
SELECT 'merged area ' || district_id, area_km2 FROM stats_contaminated_areas
UNION ALL
SELECT 'drawn area ' || district_id, ST_Area(geom::geography) / 1e6
FROM stats_contaminated_areas
"""
)


def _figures(session: Session) -> dict[str, Any]:
    return dict(session.execute(FIGURES).all())  # type: ignore[arg-type]


def _differences(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    """The keys on one side only, and the values that differ, ten of each at most (a diff of
    two dicts of 100,000 figures took pytest minutes to print)."""
    differing = [
        f"{key}: {left[key]} != {right[key]}"
        for key in sorted(set(left) & set(right))
        if left[key] != pytest.approx(right[key], rel=1e-9, abs=1e-9)
    ]
    return [
        *(f"incremental only: {key}" for key in sorted(set(left) - set(right))[:10]),
        *(f"rebuilt only: {key}" for key in sorted(set(right) - set(left))[:10]),
        *differing[:10],
    ]


def test_a_bulk_insert_refreshes_to_the_full_rebuilds_figures(session: Session) -> None:
    # From a full rebuild: what this test compares is the bulk write's refresh, not what
    # the suite's earlier committed writes left.
    refresh_statistics(session)
    session.execute(BULK, {"districts": ["Shusha", "Khojavend", "Fuzuli"], "count": 20000})
    # and its refresh, at the end of the statement here
    assert session.scalar(text("SELECT count(*) FROM contaminated_zones WHERE source = 'test'"))
    stale = session.scalar(
        text("SELECT built_version < data_version OR rebuild_all FROM stats_state")
    )
    assert stale is False
    # The steps' key index, dropped while they were written, is back as the model has it.
    assert session.scalar(STEPS_INDEX) == STEPS_INDEX_DEFINITION
    after_insert = _figures(session)
    refresh_statistics(session)  # what `contamap refresh` runs
    assert session.scalar(STEPS_INDEX) == STEPS_INDEX_DEFINITION
    rebuilt = _figures(session)
    assert _differences(after_insert, rebuilt) == []


def test_a_bulk_insert_beside_a_reader_of_the_steps_keeps_their_index(
    session: Session, engine: Engine
) -> None:
    """Someone holding the steps (as pg_dump does) makes the refresh keep their index, not
    wait for them with every writer of zones queued behind it."""
    assert session.scalar(text("SELECT count(*) FROM stats_zone_pieces")) < 20000
    index = text("SELECT 'ix_stats_leaf_steps_key'::regclass::oid")
    before = session.scalar(index)
    with engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM stats_leaf_steps"))  # held until it ends
        started = time.perf_counter()
        session.execute(BULK, {"districts": ["Shusha", "Khojavend", "Fuzuli"], "count": 20000})
        seconds = time.perf_counter() - started
        reader.rollback()
    assert session.scalar(index) == before  # the same index, kept up row by row
    assert seconds < 60, seconds
    after_insert = _figures(session)
    refresh_statistics(session)
    assert session.scalar(index) != before  # a full rebuild, alone, rebuilds it
    assert session.scalar(STEPS_INDEX) == STEPS_INDEX_DEFINITION
    assert _differences(after_insert, _figures(session)) == []


def test_one_edit_among_20000_zones_refreshes_in_under_a_second(session: Session) -> None:
    """A zone overlapping others, in a district of 20,000 zones that overlap in one tangle:
    its edit renodes the leaves around it only (a whole district took 10 s)."""
    session.execute(BULK, {"districts": ["Fuzuli"], "count": 20000})
    zone = session.scalar(
        text(
            "SELECT p.zone_id FROM stats_zone_pieces AS p JOIN contaminated_zones AS z "
            "ON z.id = p.zone_id WHERE z.source = 'test' AND NOT p.alone "
            "ORDER BY p.zone_id LIMIT 1"
        )
    )
    started = time.perf_counter()
    session.execute(
        text(
            "UPDATE contaminated_zones SET geom = ST_Translate(geom, 0.0003, 0.0002), "
            "risk_level = 'low', status = 'cleared', released_on = date '2024-05-01' "
            "WHERE id = :zone"
        ),
        {"zone": zone},
    )  # and its refresh, at the end of the statement here
    seconds = time.perf_counter() - started
    after_edit = _figures(session)
    refresh_statistics(session)
    assert _differences(after_edit, _figures(session)) == []
    assert seconds < 1.0
