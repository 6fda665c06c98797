"""Reads from a streaming replica (CONTAMAP_DATABASE_READ_URL), writes to the primary."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from shapely import box
from sqlalchemy import create_engine, event, text

from app.core.config import Settings
from app.main import create_app
from tests.cluster import disposable_cluster, recovering, streaming_replica, wait_until

READS = (
    "/collections/contaminated_zones/items?limit=5",
    "/collections/contaminated_zones/tiles/WebMercatorQuad/7/48/80",
    "/stats/summary",
    "/stats/districts",
)
# A 0.01 degree square in the south of Lankaran district, far from every bundled zone.
SQUARE = box(48.80, 38.70, 48.81, 38.71)
ZONE = text(
    "INSERT INTO contaminated_zones (code, hazard_class, contamination, risk_level, status, "
    "recorded_on, source, geom) VALUES ('REPLICA-1', 'SHA', ARRAY['uxo'], 'low', 'active', "
    "date '2021-01-01', 'test', ST_Multi(ST_GeomFromText(:wkt, 4326)))"
)


def test_reads_come_from_the_replica_and_outlive_the_primary() -> None:
    area_km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(SQUARE)[0]) / 1e6
    with disposable_cluster() as primary, streaming_replica(primary) as replica:
        assert recovering(replica.url) and not recovering(primary.url)
        settings = Settings(
            database_url=primary.url, database_read_url=replica.url, environment="test"
        )  # type: ignore[arg-type]
        app = create_app(settings)
        with TestClient(app) as client:
            state: Any = app.state
            on_replica: list[bool] = []

            def ran(conn: Any, *_: Any) -> None:
                on_replica.append(conn.connection.driver_connection.info.port == replica.port)

            event.listen(state.read_engine.sync_engine, "before_cursor_execute", ran)
            for url in READS:
                assert client.get(url).status_code in (200, 204), url
            assert on_replica and all(on_replica)

            async def in_recovery() -> bool:
                async with state.read_engine.connect() as conn:
                    return bool(await conn.scalar(text("SELECT pg_is_in_recovery()")))

            assert client.portal.call(in_recovery)

            before = client.get("/stats/summary").json()
            primary_engine = create_engine(primary.url)
            with primary_engine.begin() as conn:
                conn.execute(ZONE, {"wkt": SQUARE.wkt})
            primary_engine.dispose()
            wait_until(
                lambda: client.get("/stats/summary").json()["data_version"] > before["data_version"]
            )
            after = client.get("/stats/summary").json()
            grown = after["contaminated_km2"] - before["contaminated_km2"]
            assert grown == pytest.approx(area_km2, rel=1e-3)

            primary.stop()
            for url in READS:
                assert client.get(url).status_code in (200, 204), url
            assert client.get("/health").json()["status"] == "ok"
