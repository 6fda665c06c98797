"""Feature collections: one page of items, one item, streamed as GeoJSON, CSV or sequences."""

import hashlib
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, islice
from typing import IO, Any
from urllib.parse import urlencode

import orjson

from app import formats
from app.catalog import Collection
from app.core import release
from app.core.db import Session, snapshot
from app.core.spreadsheet import CsvWriter
from app.crs import STORAGE
from app.errors import NotFound
from app.formats import Format
from app.repositories import items as repo
from app.schemas.query import ItemsQuery

COUNT_CAP = 1_000  # numberMatched is exact up to this, left out past it (the standard allows it)
MAX_ID = 2**31 - 1  # ids are PostgreSQL integers: anything larger names no feature
# The formats a page links to as alternates: every one of a page, not the file downloads.
PAGE_FORMATS = tuple(fmt for fmt in formats.FEATURES if fmt.kind != "file")


CHUNK_BYTES = 256 * 1024  # each chunk is one hop to the event loop: few and large
# A page of up to this many features is read whole, on the event loop, in one statement; a
# larger one streams from a server-side cursor into a spool.
WHOLE_PAGE = 1000
SPOOL_BYTES = 8 * 1024 * 1024  # a page up to this size is kept in memory, a larger one on disk
WHOLE_BYTES = SPOOL_BYTES  # a page read whole is at most this size, else it is spooled


def spooled(parts: Iterator[bytes]) -> Iterator[bytes]:
    """Read the whole body now, at database speed; give it back later in large chunks.

    The page is in memory up to SPOOL_BYTES, then in a temporary file, so memory stays
    bounded whatever the page size, and the database connection is free before the client
    reads a byte.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed below
    try:
        for part in parts:
            spool.write(part)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return _chunks_of(spool)


def _chunks_of(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk


@dataclass
class Page:
    """A response, read in full from the database, to be streamed: media type, headers, body."""

    media_type: str
    body: Iterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)
    spool: bool = True  # False: the rows are in memory already, the body is made as it is sent

    def __post_init__(self) -> None:
        if self.spool:
            self.body = spooled(self.body)


def _urls(base: str, params: dict[str, str]) -> Callable[..., str]:
    """The page's URL with some parameters changed. The links differ in one parameter each:
    the others are encoded once, not once a link (a tenth of a small page's Python)."""
    encoded = {key: urlencode({key: value}) for key, value in params.items()}

    def url(**changes: Any) -> str:
        merged = encoded | {key: urlencode({key: str(value)}) for key, value in changes.items()}
        return f"{base}?{'&'.join(merged.values())}" if merged else base

    return url


def _links(
    base: str, params: dict[str, str], query: ItemsQuery, returned: int, more: bool, fmt: Format
) -> list[dict[str, str]]:
    media = fmt.mime
    url = _urls(base, params)
    links = [{"href": url(), "rel": "self", "type": media, "title": "this page"}]
    for other in PAGE_FORMATS:
        if other != fmt:
            links.append(
                {
                    "href": url(f=other.name),
                    "rel": "alternate",
                    "type": other.mime,
                    "title": f"this page as {other.title}",
                }
            )
    if more:
        links.append(
            {
                "href": url(offset=query.offset + returned),
                "rel": "next",
                "type": media,
                "title": "next page",
            }
        )
    if query.offset > 0:
        links.append(
            {
                "href": url(offset=max(0, query.offset - query.limit)),
                "rel": "prev",
                "type": media,
                "title": "previous page",
            }
        )
    return links


def items(
    session: Session,
    collection: Collection,
    query: ItemsQuery,
    fmt: Format,
    base: str,
    params: dict[str, str],
) -> Page:
    """One page of features; the query runs before the response starts, so errors are 4xx.

    A GeoJSON page (or its HTML) of up to WHOLE_PAGE features is read whole, in one
    statement (``_whole``); a larger one, one of more than WHOLE_BYTES, and CSV stream from a
    server-side cursor into a spool.
    """
    if fmt in (formats.GEOJSON, formats.GEOJSONSEQ, formats.HTML) and query.limit <= WHOLE_PAGE:
        page = _whole(session, collection, query, fmt, base, params)
        if page is not None:
            return page
    snapshot(session)  # read below from a server-side cursor, with its count, in one snapshot
    if fmt == formats.CSV:
        properties = query.properties if query.properties is not None else collection.property_names
        body = _csv(session, collection, query, properties)
        return Page(formats.CSV.media_type, body, _headers(query))
    rows = repo.features(session, collection, query, query.limit + 1)
    features = chain(list(islice(rows, 1)), rows)  # the query runs now: its errors are 4xx
    return _page(
        features,
        lambda: repo.count(session, collection, query, COUNT_CAP),
        query,
        fmt,
        base,
        params,
    )


def _whole(
    session: Session,
    collection: Collection,
    query: ItemsQuery,
    fmt: Format,
    base: str,
    params: dict[str, str],
) -> Page | None:
    """A small page: its features as one text and their count, one row of one statement;
    None when its features are more than WHOLE_BYTES (``items`` spools them). A GeoJSON
    sequence tells no numberMatched: it is not counted."""
    sequence = fmt == formats.GEOJSONSEQ
    text, found, matched, versions = repo.page(
        session,
        collection,
        query,
        "\n" if sequence else ",",
        None if sequence else COUNT_CAP,
        WHOLE_BYTES,
    )
    if text is None and found:
        return None
    text = text or ""
    headers = _headers(query) | _validators(fmt, base, params, versions, query.drafts_of)
    # Joined, not added: a + b + c copies a large page twice (0.5 ms for 600 kB), join once.
    if sequence:
        body = b"".join([text.encode(), b"\n" if text else b""])
        return Page(formats.GEOJSONSEQ.media_type, iter([body]), headers, spool=False)
    returned, more = min(found, query.limit), found > query.limit
    tail = _tail(returned, more, lambda: matched or 0, query, fmt, base, params)
    body = b"".join([b'{"type":"FeatureCollection","features":[', text.encode(), tail])
    return Page(formats.GEOJSON.media_type, iter([body]), headers, spool=False)


def _validators(
    fmt: Format,
    base: str,
    params: dict[str, str],
    versions: tuple[int, ...],
    drafts_of: str | None,
) -> dict[str, str]:
    """A weak ETag from what the page is made of, not from its bytes (hashing a 570 kB page
    took 0.4 ms): the release, the format, the URL and its parameters, hashed, and the
    versions of the tables read, which any committed write changes. None for HTML, whose
    templates the release's fingerprint does not cover: the middleware hashes its bytes."""
    if fmt.kind == "html":
        return {}
    asked = repr((release.CODE, fmt.name, base, sorted(params.items()), drafts_of))
    digest = hashlib.sha256(asked.encode()).hexdigest()[:24]
    return {"ETag": f'W/"{digest}-{"-".join(map(str, versions))}"', "Vary": "Accept"}


def _headers(query: ItemsQuery) -> dict[str, str]:
    return {"Content-Crs": f"<{(query.crs or STORAGE).uri}>"}


def _page(
    features: Iterator[str],
    count: Callable[[], int],
    query: ItemsQuery,
    fmt: Format,
    base: str,
    params: dict[str, str],
) -> Page:
    """The page as GeoJSON text sequences, or as a FeatureCollection with ``numberMatched``."""
    if fmt == formats.GEOJSONSEQ:
        lines = (text.encode() + b"\n" for text in islice(features, query.limit))
        return Page(formats.GEOJSONSEQ.media_type, lines, _headers(query))
    body = _collection_body(features, count, query, fmt, base, params)
    return Page(formats.GEOJSON.media_type, body, _headers(query))


def _collection_body(
    features: Iterator[str],
    count: Callable[[], int],
    query: ItemsQuery,
    fmt: Format,
    base: str,
    params: dict[str, str],
) -> Iterator[bytes]:
    """A FeatureCollection, features first so nothing is held; the counts and links follow."""
    yield b'{"type":"FeatureCollection","features":['
    returned = 0
    more = False
    for text in features:
        if returned == query.limit:
            more = True
            break
        yield (b"," if returned else b"") + text.encode()
        returned += 1
    yield _tail(returned, more, count, query, fmt, base, params)


def _tail(
    returned: int,
    more: bool,
    count: Callable[[], int],
    query: ItemsQuery,
    fmt: Format,
    base: str,
    params: dict[str, str],
) -> bytes:
    """The end of a FeatureCollection after its features: counts, time stamp and links.

    A page that is not full, and not past the end, tells numberMatched without ``count``.
    """
    tail: dict[str, Any] = {
        "numberReturned": returned,
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": _links(base, params, query, returned, more, fmt),
    }
    told = not more and (returned or not query.offset)
    matched = query.offset + returned if told else count()
    if matched <= COUNT_CAP:
        tail["numberMatched"] = matched
    return b"]," + orjson.dumps(tail)[1:]


def _csv(
    session: Session, collection: Collection, query: ItemsQuery, properties: tuple[str, ...]
) -> Iterator[bytes]:
    """CSV with a header row, arrays joined by ';' and the geometry as WKT.

    The query runs here, before the response starts, so its errors are still 4xx.
    """
    header = ["id", *properties, *([] if query.skip_geometry else ["geometry"])]
    rows = repo.rows(session, collection, query, properties, None if query.skip_geometry else "wkt")
    return _csv_lines(header, rows)


def _csv_lines(header: list[str], rows: Iterator[Any]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([";".join(value) if isinstance(value, list) else value for value in row])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def item(
    session: Session, collection: Collection, feature_id: str, query: ItemsQuery, base: str
) -> tuple[bytes, str]:
    """One feature as GeoJSON with its links, and its version (a strong ETag); or a 404.
    One statement, built once per shape; a writer sees what it wrote."""
    number = _feature_id(collection, feature_id)
    found = repo.one(session, collection, query, number)
    return _document(found, collection, feature_id, base)


def _feature_id(collection: Collection, feature_id: str) -> int:
    """The id as a number; a 404 for an id no feature can have."""
    if not (feature_id.isascii() and feature_id.isdigit()) or int(feature_id) > MAX_ID:
        raise NotFound(f"no feature {feature_id!r} in {collection.id}")
    return int(feature_id)


def _document(
    found: tuple[str, str] | None, collection: Collection, feature_id: str, base: str
) -> tuple[bytes, str]:
    """The feature with its links, and its version; a 404 when there is none."""
    if found is None:
        raise NotFound(f"no feature {feature_id} in {collection.id}")
    text, version = found
    document = orjson.loads(text)
    collection_url = base.rsplit("/items/", 1)[0]
    document["links"] = [
        {"href": base, "rel": "self", "type": formats.GEOJSON.mime},
        *(
            {"href": f"{base}?f={fmt.name}", "rel": "alternate", "type": fmt.mime}
            for fmt in formats.FEATURE
            if fmt != formats.GEOJSON
        ),
        {"href": collection_url, "rel": "collection", "type": formats.JSON.mime},
    ]
    return orjson.dumps(document), f'"{version}"'
