"""Logging: neither a person's position nor an API key ever reaches a log line.

uvicorn's access log writes each request's path with its query string. Three kinds of path
tell where someone is or carry a secret:

- ``/stats/near`` and ``/search``: their query strings hold a position or a place looked for;
  the query string is dropped.
- A tile at zoom ``MASKED_FROM_ZOOM`` or more: after "use my location" the map asks for the
  tiles around the user at zoom 13, whose column and row give a square of a few kilometres.
  The zoom is kept, the column and row are not. A tile of zoom 9 is some 60 km wide at 40°N,
  larger than a district, and tells no more than the district's figures a person opens.
- An API key sent where it does not belong (the query string, which the API refuses): any
  ``cmk_...`` key, and the value of any parameter named like a credential, are masked.
"""

import logging
import re

PRIVATE_PATHS = ("/stats/near", "/search")  # their query strings hold where someone is
MASKED_FROM_ZOOM = 10
TILE = re.compile(r"(/tiles/[^/?]+/)([0-9]+)/([^/?]+)/([^/?]+)")
KEY = re.compile(r"cmk_[0-9]+_[A-Za-z0-9_%-]*")
CREDENTIAL = re.compile(
    r"([?&][^=&]*(?:key|token|secret|password|passwd|auth|session)[^=&]*=)[^&]*", re.IGNORECASE
)
MASK = "…"


def withheld(path: str) -> str:
    """The path (with its query string) as it may be logged."""
    if path.startswith(PRIVATE_PATHS) and "?" in path:
        return f"{path.split('?')[0]}?{MASK}"
    path = CREDENTIAL.sub(rf"\g<1>{MASK}", KEY.sub(f"cmk_{MASK}", path))
    tile = TILE.search(path)
    if tile and int(tile.group(2)) >= MASKED_FROM_ZOOM:
        path = f"{path[: tile.start(3)]}{MASK}/{MASK}{path[tile.end(4) :]}"
    return path


class WithholdPositions(logging.Filter):
    """Mask positions and keys in the paths of uvicorn's access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the line, without the position or the key."""
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, withheld(str(path)), version, status)
        return True


def withhold_positions() -> None:
    """Install the filter on uvicorn's access log (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(item, WithholdPositions) for item in access.filters):
        access.addFilter(WithholdPositions())
