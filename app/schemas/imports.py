"""The report of an import: what was read, refused (and why), repaired and written."""

from pydantic import BaseModel, Field


class RefusedRow(BaseModel):
    """A row that breaks a rule of the layer."""

    position: int = Field(description="1 for the file's first feature")
    code: str | int | None = Field(description="the row's code, when it has one")
    field: str = Field(description="the property, or geometry")
    reason: str


class ImportReport(BaseModel):
    """What an import did, or (dry run, or a refused file) would have done."""

    layer: str
    file: str
    rows: int
    valid: int
    refused: list[RefusedRow] = Field(description="by position in the file")
    repaired: int = Field(description="geometries repaired with make_valid")
    written: int
    dry_run: bool
    skip_invalid: bool
    refused_whole_file: bool = Field(
        description="true when the file is refused (in a dry run: would be): a bad row without "
        "skip_invalid, or no good row at all; nothing is written"
    )
    seconds: float
    rows_per_second: float | None
