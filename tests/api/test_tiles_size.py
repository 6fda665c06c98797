"""No tile of the bundled dataset is larger than 500 KB (walked here up to z10)."""

from sqlalchemy.orm import Session

from scripts.tile_sizes import walk

LIMIT = 500_000


def test_no_bundled_tile_exceeds_500_kb(session: Session) -> None:
    reports = walk(session, max_zoom=10)
    assert [report.zoom for report in reports] == list(range(11))
    for report in reports:
        assert report.largest_bytes <= LIMIT, report
