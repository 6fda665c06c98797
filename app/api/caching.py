"""ETag, Cache-Control and 304 Not Modified for GET responses, as pure ASGI middleware; and the
statistics' answers kept while the data they were computed from is unchanged."""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar, cast

from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.cache import BoundedCache
from app.core.db import on_loop, snapshot
from app.core.responses import JSONResponse
from app.services import stats
from app.services.accounts import SESSION_COOKIE

BUFFER_LIMIT = 4 * 1024 * 1024  # bodies up to this size get an ETag; larger ones stream untouched
# The generation time changes every second; the ETag covers the content, not when it was made.
TIMESTAMP = b'"timeStamp":"'
PRIVATE = "private, no-cache"
V = TypeVar("V")


def _credentialed(headers: Headers) -> bool:
    """Whether a request names its caller: an API key, or a sign-in session's cookie."""
    return (
        "authorization" in headers
        or "x-api-key" in headers
        or f"{SESSION_COOKIE}=" in headers.get("cookie", "")
    )


class ETagMiddleware:
    """Tag each successful GET body with a weak ETag and answer If-None-Match with 304.

    Weak, because gzip and identity encodings of one body share it.
    """

    def __init__(self, app: ASGIApp, cache_control: str = "public, no-cache") -> None:
        # no-cache: caches keep the body but ask again each time, so a write shows at once.
        self.app = app
        self.cache_control = cache_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        if_none_match = request_headers.get("if-none-match")
        # An answer to a key or a sign-in may hold what only its caller sees (drafts): no
        # shared cache may keep it.
        cache_control = self.cache_control
        if _credentialed(request_headers):
            cache_control = PRIVATE
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing_through = False
        answered = False  # a 304 is sent: the route's body is dropped

        async def send_wrapper(message: Message) -> None:
            nonlocal start, size, passing_through, answered
            if message["type"] not in ("http.response.start", "http.response.body"):
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                passing_through = message["status"] != 200 or b"etag" in dict(message["headers"])
                if passing_through and message["status"] == 200:
                    # Tagged by the route itself: a tile's, a feature's or a page's tag.
                    answered = await self._tagged(message, if_none_match, send, cache_control)
                elif passing_through:
                    await send(message)
                return
            if answered:
                return
            if passing_through:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if message.get("more_body", False) and size <= BUFFER_LIMIT:
                return
            assert start is not None
            headers = MutableHeaders(raw=start["headers"])
            headers.setdefault("Cache-Control", cache_control)
            headers.add_vary_header("Accept")
            if message.get("more_body", False):  # too large to hash: stream it as it comes
                passing_through = True
                await send(start)
                await send(
                    {"type": "http.response.body", "body": b"".join(chunks), "more_body": True}
                )
                return
            body = b"".join(chunks)
            etag = f'W/"{_digest(body)}"'
            headers["ETag"] = etag
            if if_none_match and _matches(if_none_match, etag):
                await _not_modified(start, headers, send)
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_wrapper)

    async def _tagged(
        self, start: Message, if_none_match: str | None, send: Send, cache_control: str
    ) -> bool:
        """A response with the route's own ETag: cached as the others, and when the tag is weak
        (a page's, made from the release and the data's versions), a 304 (True) for a client
        whose copy is current, before the body, which then need not be sent.

        A strong tag is a version: a feature's, which ``If-Match`` names, covers its data but
        not the release that writes it out, so its revalidation gets the whole answer (a tile
        answers its own 304s)."""
        headers = MutableHeaders(raw=start["headers"])
        headers.setdefault("Cache-Control", cache_control)
        tag = headers["etag"]
        if not (tag.startswith("W/") and if_none_match and _matches(if_none_match, tag)):
            await send(start)
            return False
        await _not_modified(start, headers, send)
        return True


async def _not_modified(start: Message, headers: MutableHeaders, send: Send) -> None:
    """304 in place of the response ``start`` begins (its headers kept, but its length)."""
    del headers["Content-Length"]
    await send({**start, "status": 304})
    await send({"type": "http.response.body", "body": b""})


def _digest(body: bytes) -> str:
    """A hash of the body without its generation time (a FeatureCollection's ``timeStamp``).

    The time is in the collection's tail: found from the end, it costs nothing to skip,
    where a regular expression over a 600 kB page took a millisecond.
    """
    view = memoryview(body)
    start = body.rfind(TIMESTAMP)
    if start < 0:
        return hashlib.sha256(view).hexdigest()[:32]
    end = body.find(b'"', start + len(TIMESTAMP)) + 1
    digest = hashlib.sha256(view[:start])
    digest.update(view[end:] if end else b"")
    return digest.hexdigest()[:32]


def _matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of If-None-Match with the ETag; ``*`` matches any."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


class HeadMiddleware:
    """Answer HEAD like GET without the body, for every GET route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


@dataclass(frozen=True)
class Kept:
    """A statistics answer (a 200), and the versions of the data it was computed from."""

    version: tuple[int, ...]
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]

    @property
    def size(self) -> int:
        """What it takes in the cache, in bytes, roughly."""
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


class FiguresCache(BoundedCache[tuple[object, ...], Kept]):
    """The statistics answers of this worker, bounded in megabytes."""

    def __init__(self, megabytes: int) -> None:
        super().__init__(megabytes, lambda kept: kept.size)


class SharedCheck(Generic[V]):
    """One check at a time, its result shared by every request that came before it started.

    A kept answer is good while the data's versions are those of the latest commit, which
    one statement reads. Under load, many requests of one worker want that statement at
    once: a request that comes while a check runs waits for the next one, which the first of
    them runs when the running one ends, for itself and for all who are waiting by then.
    Each request thus gets versions read after it came, as its own statement would have; at
    32 clients a worker sent one statement for several requests.
    """

    def __init__(self) -> None:
        self.running = False
        self.waiting: list[asyncio.Future[object]] = []

    async def run(self, check: Callable[[], Awaitable[V]]) -> V:
        """``check()``'s result, or that of a check started after this call."""
        if self.running:
            turn: asyncio.Future[object] = asyncio.get_running_loop().create_future()
            self.waiting.append(turn)
            outcome = await turn  # the result of a check started after this call, or RUN
            if outcome is not _RUN:
                return cast(V, outcome)
        self.running = True
        sharing, self.waiting = self.waiting, []
        try:
            value = await check()
        except Exception as error:
            for turn in sharing:
                if not turn.done():
                    turn.set_exception(error)
            raise
        except BaseException:  # cancelled: those who shared it wait for the next check
            self.waiting[:0] = sharing
            raise
        finally:
            self._hand_over()
        for turn in sharing:
            if not turn.done():
                turn.set_result(value)
        return value

    def _hand_over(self) -> None:
        """The next check is run by the first request still waiting, if any."""
        while self.waiting:
            turn = self.waiting.pop(0)
            if not turn.done():
                turn.set_result(_RUN)
                return
        self.running = False


_RUN = object()  # a waiting request's turn to run the check


async def figures(
    request: Request,
    session: Session,
    render: Callable[[], Response | BaseModel],
) -> Response:
    """A statistics answer, from this worker's cache while nothing it is computed from changed.

    Any committed write changes the statistics' data version or a layer's version, so the
    next request computes the answer anew, in every worker. A kept answer is checked against
    the versions of the latest commit by one statement, shared by the requests that wait for
    one at once (``SharedCheck``); otherwise the answer is computed, the versions read in the
    snapshot it is computed in. Figures that lag behind the data (stale) are never kept.
    Keyed by the path, the query, the Accept header (a format is negotiated from it and the
    query's ``f``) and the day (``as_of`` is today by default).
    """
    query = tuple(sorted(request.query_params.multi_items()))
    key = (request.url.path, query, request.headers.get("accept"), date.today())
    cache: FiguresCache = request.app.state.figures_cache
    kept = cache.get(key)
    if kept is not None:
        checks: SharedCheck[tuple[int, ...] | None] = request.app.state.figures_checks
        # One statement in autocommit, on this request's session or on another's.
        if kept.version == await checks.run(lambda: on_loop(stats.figures_version, session)):
            response = Response(kept.body)
            response.raw_headers = list(kept.headers)
            return response
    return await on_loop(_computed, cache, key, session, render)


def _computed(
    cache: FiguresCache,
    key: tuple[object, ...],
    session: Session,
    render: Callable[[], Response | BaseModel],
) -> Response:
    """The answer computed anew, and kept under the versions of the data it was computed from."""
    snapshot(session)  # computed in one snapshot, the versions it is computed from read first
    version = stats.figures_version(session)
    rendered = render()
    response = (
        JSONResponse(rendered.model_dump(mode="json"))
        if isinstance(rendered, BaseModel)
        else rendered
    )
    if version is not None and response.status_code == 200:
        cache.put(key, Kept(version, bytes(response.body), tuple(response.raw_headers)))
    return response
