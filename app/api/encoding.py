"""Content codings: gzip only for a client whose Accept-Encoding gives it a weight above 0."""

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware, IdentityResponder
from starlette.types import Receive, Scope, Send


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip: by name or as ``*``, with q above 0."""
    weights: dict[str, bool] = {}
    for entry in accept_encoding.lower().split(","):
        coding, *parameters = (part.strip() for part in entry.split(";"))
        q = next((parameter[2:] for parameter in parameters if parameter.startswith("q=")), "1")
        weights[coding] = q.replace(".", "", 1).isdigit() and float(q) > 0
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", False)))


class GZip(GZipMiddleware):
    """Starlette's gzip, which takes ``gzip;q=0`` (gzip refused) for an offer of gzip."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not accepts_gzip(
            Headers(scope=scope).get("accept-encoding", "")
        ):
            responder = IdentityResponder(
                self.app, self.minimum_size, exclude_content_types=self.exclude_content_types
            )
            await responder(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
