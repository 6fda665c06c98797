"""CSV that spreadsheets open safely: no text cell is ever read as a formula.

Every CSV the service writes goes through ``CsvWriter``. A text cell that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return would be run by Excel, LibreOffice or Google
Sheets as a formula (``=HYPERLINK(...)``, ``=cmd|...``); it gets a leading single quote, as
OWASP's advice on CSV injection says. Numbers, dates and empty cells are written as they are,
so a negative number stays a number.
"""

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Stream(Protocol):
    def write(self, text: str, /) -> Any: ...


def cell(value: Any) -> Any:
    """The value as a CSV cell: a text a spreadsheet would run, prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


class CsvWriter:
    """``csv.writer`` (CRLF line ends) whose text cells are never formulas."""

    def __init__(self, stream: _Stream) -> None:
        self._writer = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each text cell made safe."""
        self._writer.writerow([cell(value) for value in row])
