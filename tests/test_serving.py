"""`contamap serve` with several workers: a committed write reaches every worker's tiles."""

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.api.test_tiles import LAT, LON, ZOOM, decode, tile_of
from tests.servers import free_port, serving

WORKERS = 2
ASKS = 12  # requests per step, each on a new connection, so that every worker answers some
ZONE = text(
    "INSERT INTO contaminated_zones (code, hazard_class, contamination, risk_level, status, "
    "recorded_on, source, geom) VALUES ('WORKERS-1', 'CHA', ARRAY['uxo'], 'high', 'active', "
    "date '2022-01-01', 'test', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), "
    "0.003)))"
)


@pytest.fixture(scope="module")
def server(database_url: str, engine: Engine) -> Iterator[str]:
    """`contamap serve --workers 2` on a free port, on the committed data of the run."""
    port = free_port()
    contamap = str(Path(sys.executable).with_name("contamap"))
    command = [contamap, "serve", "--workers", str(WORKERS), "--port", str(port)]
    env = {"DATABASE_URL": database_url, "CONTAMAP_ENVIRONMENT": "test"}
    with serving(command, env, port, "/health") as base:
        yield base


def _tiles(url: str) -> list[httpx.Response]:
    """The tile, asked ASKS times, each time on a new connection."""
    return [httpx.get(url, timeout=30) for _ in range(ASKS)]


def _risks(response: httpx.Response) -> set[str]:
    layer = decode(response.content)["contaminated_zones"]
    return {feature["properties"]["risk_level"] for feature in layer["features"]}


def test_every_worker_serves_the_tile_of_the_latest_write(server: str, engine: Engine) -> None:
    x, y = tile_of(LON, LAT, ZOOM)
    url = f"{server}/collections/contaminated_zones/tiles/WebMercatorQuad/{ZOOM}/{y}/{x}"
    before = _tiles(url)
    assert {response.status_code for response in before} == {204}  # cached by both workers
    try:
        with engine.begin() as conn:
            conn.execute(ZONE, {"lon": LON, "lat": LAT})
        inserted = _tiles(url)
        assert [response.status_code for response in inserted] == [200] * ASKS
        assert all(_risks(response) == {"high"} for response in inserted)
        old, new = before[0].headers["etag"], inserted[0].headers["etag"]
        assert old != new and {response.headers["etag"] for response in inserted} == {new}
        assert httpx.get(url, headers={"If-None-Match": old}).status_code == 200
        assert httpx.get(url, headers={"If-None-Match": new}).status_code == 304
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE contaminated_zones SET risk_level = 'low' WHERE code = 'WORKERS-1'")
            )
        assert all(_risks(response) == {"low"} for response in _tiles(url))
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM contaminated_zones WHERE code = 'WORKERS-1'"))
    assert {response.status_code for response in _tiles(url)} == {204}
