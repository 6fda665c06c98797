"""/stats/near at national scale: the zones near a point come from the GiST index."""

import json
from collections.abc import Iterator
from datetime import date
from itertools import pairwise
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.repositories.places import ZONES_NEAR

# 20,000 squares of about 100 m over the whole country, loaded without the triggers (the
# statistics do not matter here), then analysed as autovacuum would.
SPREAD = text(
    """
INSERT INTO contaminated_zones
    (code, hazard_class, contamination, risk_level, status, recorded_on, source, geom)
SELECT 'SPREAD-' || g, 'SHA', ARRAY['uxo'], 'low', 'active', date '2022-01-01', 'test',
       ST_Multi(ST_MakeEnvelope(x, y, x + 0.001, y + 0.001, 4326))
FROM (SELECT g, 44.8 + (g % 200) * 0.025 AS x, 38.4 + (g / 200) * 0.04 AS y
      FROM generate_series(0, 19999) AS g) AS placed
"""
)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_the_zones_near_a_point_are_found_by_the_index(session: Session) -> None:
    session.execute(text("ALTER TABLE contaminated_zones DISABLE TRIGGER USER"))
    session.execute(SPREAD)
    session.execute(text("ANALYZE contaminated_zones"))
    parameters = {
        "lon": 46.75,
        "lat": 39.76,
        "metres": 5000.0,
        "as_of": date(2025, 1, 1),
        "risk_level": None,
        "status": None,
        "contamination": None,
    }
    explain = text("EXPLAIN (FORMAT JSON) " + str(ZONES_NEAR))
    raw = session.execute(explain, parameters).scalar_one()
    [document] = raw if isinstance(raw, list) else json.loads(raw)
    nodes = list(_nodes(document["Plan"]))
    on_geometry = [
        node for node in nodes if node.get("Index Name") == "idx_contaminated_zones_geom"
    ]
    # The box around the point, and the nearest zones walked in order of distance (KNN).
    assert any("&&" in node.get("Index Cond", "") for node in on_geometry), nodes
    assert any("<->" in node.get("Order By", "") for node in on_geometry), nodes
    assert not any(
        node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "contaminated_zones"
        for node in nodes
    ), nodes
    rows = session.execute(ZONES_NEAR, parameters).all()
    assert rows and all(a.metres <= b.metres for a, b in pairwise(rows))
