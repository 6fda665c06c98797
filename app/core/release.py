"""Which release is running: a fingerprint of the app's Python sources, for validators.

An ETag made from the data's version alone would let a browser or a CDN keep a tile or a page
across a release that draws it otherwise (another property, another simplification): each
such ETag also hashes this.
"""

import hashlib
from pathlib import Path


def code_fingerprint(package: Path) -> str:
    """A hash of the package's Python sources: the same in every worker of one release, and
    another once any of them changes."""
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


CODE = code_fingerprint(Path(__file__).resolve().parents[1])
