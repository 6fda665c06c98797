"""Content codings: gzip only for a client whose Accept-Encoding gives it a weight above 0,
compressed by zlib-ng at a level chosen by the answer's size (app/core/compression.py)."""

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder
from starlette.types import Receive, Scope, Send

from app.core.compression import gzip_compressor, sent_level


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip: by name or as ``*``, with q above 0."""
    weights: dict[str, bool] = {}
    for entry in accept_encoding.lower().split(","):
        coding, *parameters = (part.strip() for part in entry.split(";"))
        q = next((parameter[2:] for parameter in parameters if parameter.startswith("q=")), "1")
        weights[coding] = q.replace(".", "", 1).isdigit() and float(q) > 0
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", False)))


class _Responder(GZipResponder):
    """Starlette's gzip responder, compressing with zlib-ng at the level its first body's size
    asks for."""

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        """Starlette's, with the compressor made here first: its own ``compressor`` would
        make zlib's at one level for every answer."""
        if self._compressor is None:
            self._compressor = gzip_compressor(sent_level(len(body)))  # type: ignore[assignment]
        return await super().apply_compression(body, more_body=more_body)


class GZip(GZipMiddleware):
    """Starlette's gzip with zlib-ng, which also takes ``gzip;q=0`` (gzip refused) for a
    refusal, not an offer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder: IdentityResponder
        if accepts_gzip(Headers(scope=scope).get("accept-encoding", "")):
            responder = _Responder(
                self.app,
                self.minimum_size,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=self.exclude_content_types,
            )
        else:
            responder = IdentityResponder(
                self.app, self.minimum_size, exclude_content_types=self.exclude_content_types
            )
        await responder(scope, receive, send)
