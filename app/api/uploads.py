"""A multipart upload streamed straight into one file, only once the caller is known.

Starlette's form parser spools a file to a temporary file first, and a route would copy it
again to a named path GDAL can open. Here the body is read only when the route runs (after
its key and role dependencies), and the file part is written once, where it is read.
"""

import re
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from app.errors import InvalidParameterValue

FIELD = "file"  # the form field that carries the file
SAFE_NAME = re.compile(r"[^\w.\- ]")
# The OpenAPI text of the body, which FastAPI cannot derive from a route that streams it.
REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [FIELD],
                "properties": {
                    FIELD: {
                        "type": "string",
                        "format": "binary",
                        "description": "GeoJSON, GeoPackage, zipped Shapefile, FlatGeobuf, KML "
                        "or CSV; the format is told by the file's name",
                    }
                },
            }
        }
    },
}


def safe_name(filename: str, suffixes: tuple[str, ...], default_suffix: str) -> str:
    """A plain file name (no folder, no '..'), ending with one of ``suffixes``."""
    name = SAFE_NAME.sub("_", Path(filename.replace("\\", "/")).name)[-120:].lstrip(".")
    name = name or "upload"
    return name if name.lower().endswith(suffixes) else f"{name}{default_suffix}"


class _FilePart:
    """The parser's callbacks: the headers of each part, the file part's bytes to disk."""

    def __init__(self, folder: Path, suffixes: tuple[str, ...], default_suffix: str) -> None:
        self.folder, self.suffixes, self.default_suffix = folder, suffixes, default_suffix
        self.headers: dict[bytes, bytes] = {}
        self.field, self.value = b"", b""
        self.target: Any = None
        self.path: Path | None = None

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.field.lower()] = self.value
        self.field, self.value = b"", b""

    def headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition"))
        if params.get(b"name") == FIELD.encode() and self.path is None:
            filename = params.get(b"filename", b"").decode(errors="replace")
            self.path = self.folder / safe_name(filename, self.suffixes, self.default_suffix)
            self.target = self.path.open("wb")
        self.headers = {}

    def data(self, data: bytes, start: int, end: int) -> None:
        if self.target is not None:
            self.target.write(data[start:end])

    def part_end(self) -> None:
        if self.target is not None:
            self.target.close()
            self.target = None


async def receive_file(
    request: Request, folder: Path, suffixes: tuple[str, ...], default_suffix: str
) -> Path:
    """Stream the body's ``file`` part into ``folder``; the path it was written to."""
    content_type, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidParameterValue(
            f"send the file as multipart/form-data, in a field named {FIELD!r}"
        )
    part = _FilePart(folder, suffixes, default_suffix)
    parser = MultipartParser(
        boundary,
        {
            "on_header_field": part.header_field,
            "on_header_value": part.header_value,
            "on_header_end": part.header_end,
            "on_headers_finished": part.headers_finished,
            "on_part_data": part.data,
            "on_part_end": part.part_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except ClientDisconnect:
        raise InvalidParameterValue("the upload ended before the whole file arrived") from None
    except ValueError as exc:  # python-multipart's parse errors
        raise InvalidParameterValue(f"the multipart body cannot be read ({exc})") from None
    finally:
        part.part_end()
    if part.path is None:
        raise InvalidParameterValue(f"the multipart body has no part named {FIELD!r}")
    return part.path
