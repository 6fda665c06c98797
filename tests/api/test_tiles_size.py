"""No tile of the bundled dataset is larger than 500 KB (walked here up to z10)."""

import asyncio

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import create_async_engine

from scripts.tile_sizes import ZoomReport, walk

LIMIT = 500_000


async def _walk(url: str) -> list[ZoomReport]:
    engine = create_async_engine(url)
    reports = await walk(engine, max_zoom=10)
    await engine.dispose()
    return reports


def test_no_bundled_tile_exceeds_500_kb(engine: Engine) -> None:
    reports = asyncio.run(_walk(engine.url.render_as_string(hide_password=False)))
    assert [report.zoom for report in reports] == list(range(11))
    for report in reports:
        assert report.largest_bytes <= LIMIT, report
