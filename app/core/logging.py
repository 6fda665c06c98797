"""Logging: a person's position never reaches a log line."""

import logging

PRIVATE_PATHS = ("/stats/near", "/search")  # their query strings hold where someone is


class WithholdPositions(logging.Filter):
    """Drop the query string of requests that tell a position from uvicorn's access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the line, without the position."""
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            if str(path).startswith(PRIVATE_PATHS) and "?" in str(path):
                record.args = (client, method, f"{str(path).split('?')[0]}?…", version, status)
        return True


def withhold_positions() -> None:
    """Install the filter on uvicorn's access log (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(item, WithholdPositions) for item in access.filters):
        access.addFilter(WithholdPositions())
