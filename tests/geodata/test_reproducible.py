"""Rebuilding from the cached sources reproduces the committed files byte for byte."""

from pathlib import Path

import pytest

from geodata.build import build
from geodata.sources import SOURCES
from tests.geodata.layers import DATA_DIR

needs_cache = pytest.mark.skipif(
    not all(source.path.exists() for source in SOURCES),
    reason="source cache absent: run `python -m geodata.build` once to fetch it",
)


@needs_cache
def test_build_reproduces_the_committed_files(tmp_path: Path) -> None:
    build(tmp_path)
    committed = sorted(path.name for path in DATA_DIR.iterdir())
    assert sorted(path.name for path in tmp_path.iterdir()) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name
