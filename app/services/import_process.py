"""Where an upload is read: a process of its own, bounded, that knows one GDAL driver.

pyogrio holds the interpreter lock while GDAL reads, and a file can be slow (a GeoPackage
whose layer is a slow view) or huge (a zip that unpacks to gigabytes). Read in a serving
worker, it would stall every request of that worker past the health check. So the file is
read and checked by ``python -m app.services.import_process``, under a wall-clock limit and
an address-space limit, and the serving worker only waits for it, free to serve others.

GDAL picks a driver from a file's content, so an OGR VRT or a GDALG pipeline named
``incidents.json`` would read local files or fetch URLs for an admin. In the reading process
every vector driver is skipped (``GDAL_SKIP``) but the one the file's suffix names, so a
file is read only by the driver of the format it claims to be, or refused.
"""

import gc
import logging
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyogrio

from app.catalog import get_collection
from app.core.config import Settings
from app.errors import ContamapError, InvalidParameterValue, PayloadTooLarge
from app.services.import_read import ReadRequest, ReadResult, read_rows

logger = logging.getLogger(__name__)
MB = 1024 * 1024
# The formats read, by suffix, each with the one GDAL driver allowed to open it.
FORMATS: dict[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".zip": "ESRI Shapefile",  # a zipped Shapefile, read through /vsizip/
    ".fgb": "FlatGeobuf",
    ".kml": "LIBKML",  # GDAL's KML driver does not read a placemark's ExtendedData
    ".csv": "CSV",
}

# Belt and braces: should a driver try to fetch a URL, it goes to a closed port.
PROXIES = ("GDAL_HTTP_PROXY", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")
NO_NETWORK = dict.fromkeys(PROXIES, "http://127.0.0.1:9") | {
    "no_proxy": "",
    "NO_PROXY": "",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".none",
}


@dataclass(frozen=True)
class ReadLimits:
    """What reading one file may take: time, memory, and what an archive may unpack to."""

    seconds: float = 600.0
    memory_bytes: int = 4096 * MB
    unpacked_bytes: int = 2048 * MB

    @classmethod
    def from_settings(cls, settings: Settings) -> "ReadLimits":
        """The limits a deployment configured (CONTAMAP_IMPORT_*)."""
        return cls(
            seconds=float(settings.import_seconds),
            memory_bytes=settings.import_memory_mb * MB,
            unpacked_bytes=settings.import_unpacked_mb * MB,
        )


def driver_of(path: Path) -> str:
    """The GDAL driver of a file's format, named by its suffix."""
    driver = FORMATS.get(path.suffix.lower())
    if driver is None:
        raise InvalidParameterValue(
            f"{path.name}: not a format an import reads; name the file with one of "
            f"{', '.join(FORMATS)}"
        )
    return driver


def check_archive(path: Path, limit: int) -> None:
    """Refuse a zip that is not one, or that would unpack beyond ``limit`` bytes."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise InvalidParameterValue(f"{path.name}: not a readable zip archive") from None
    if unpacked > limit:
        raise PayloadTooLarge(
            f"{path.name}: unpacks to {unpacked // MB} MB; an import reads at most {limit // MB} MB"
        )


@cache
def _skipped(driver: str) -> str:
    """GDAL_SKIP for a process that may use ``driver`` only (commas: names hold spaces)."""
    return ",".join(name for name in sorted(pyogrio.list_drivers()) if name != driver)


def read_outside(request: ReadRequest, limits: ReadLimits) -> ReadResult:
    """Read and check the file in a bounded process of its own; its refusal, raised here."""
    if request.path.suffix.lower() == ".zip":
        check_archive(request.path, limits.unpacked_bytes)
    env = {**os.environ, **NO_NETWORK, "GDAL_SKIP": _skipped(request.driver)}
    with tempfile.TemporaryDirectory(prefix="contamap-read-") as folder:
        inbox, outbox = Path(folder) / "request", Path(folder) / "result"
        inbox.write_bytes(pickle.dumps((request, limits.memory_bytes)))
        command = [sys.executable, "-m", __name__, str(inbox), str(outbox)]
        try:
            done = subprocess.run(  # noqa: S603 - our own module, by this interpreter
                command,
                env=env,
                timeout=limits.seconds,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PayloadTooLarge(
                f"{request.path.name}: reading it takes longer than the {limits.seconds:g} s "
                "an import is given"
            ) from None
        if done.returncode != 0 or not outbox.exists():
            logger.warning(
                "reading %s stopped (exit %s): %s",
                request.path.name,
                done.returncode,
                done.stderr.decode(errors="replace")[-2000:],
            )
            raise PayloadTooLarge(
                f"{request.path.name}: reading it needs more than the "
                f"{limits.memory_bytes // MB} MB of memory an import is given"
            )
        outcome = _unpickled(outbox.read_bytes())
    if isinstance(outcome, ContamapError):
        raise outcome
    if not isinstance(outcome, ReadResult):
        raise TypeError(f"the reading process answered {type(outcome).__name__}")
    return outcome


def _unpickled(data: bytes) -> object:
    """The child's result; the cycle collector paused meanwhile (0.2 s for 100,000 zones
    against 0.7 s with it walking the rows as they are made)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)  # noqa: S301 - written by our own child
    finally:
        if was_enabled:
            gc.enable()


def _read_here(request: ReadRequest) -> ReadResult | ContamapError:
    """In the reading process: GDAL with one driver, the file read and checked."""
    if set(pyogrio.list_drivers()) - {request.driver}:
        return InvalidParameterValue("the reading process could not restrict GDAL's drivers")
    try:
        return read_rows(request, get_collection(request.layer))
    except ContamapError as exc:
        return exc
    except MemoryError:
        return PayloadTooLarge(f"{request.path.name}: reading it needs more memory than allowed")


def main(inbox: Path, outbox: Path) -> None:
    """The reading process: bound its memory, read, and leave the outcome in ``outbox``."""
    request, memory = pickle.loads(inbox.read_bytes())  # noqa: S301 - written by our parent
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The cycle collector walked the rows' million objects again and again (a third of
    # reading 100,000 zones); they hold no cycles, and the process ends with the read.
    gc.disable()
    outcome = _read_here(request)
    partial = outbox.with_suffix(".partial")
    partial.write_bytes(pickle.dumps(outcome))
    partial.rename(outbox)  # the parent sees a whole result or none


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
