"""Security headers on every response, a Content-Security-Policy on HTML pages, allowed hosts;
where an API key comes from, for the throttle of wrong keys.

Pure ASGI middleware, like the caching one. Each response gets ``X-Content-Type-Options:
nosniff`` and a referrer policy; an HTML page also gets a CSP that allows only this origin
(and ``blob:`` workers, as MapLibre needs), with a nonce per response for the page's own
inline script and style. A request whose Host is not allowed is refused with a 400, so a
forged Host can never reach a link or a cached page.
"""

import secrets

import orjson
from fastapi import Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_body
from app.services.auth import Attempt

CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors {frame_ancestors}"
)
# Redoc adds its styles at run time (styled-components) without a nonce: its page alone
# allows inline styles; scripts stay as strict as everywhere.
INLINE_STYLE_PATHS = ("/redoc",)
# Links follow these headers from trusted proxies, so a shared cache must key on them too.
FORWARDED = "X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-Prefix"
INLINE = "style-src 'self' 'unsafe-inline'"


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Whether a Host (without its port) is allowed: ``*``, a name, or ``*.domain``."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return any(
        pattern == "*"
        or name == pattern
        or (pattern.startswith("*.") and name.endswith(pattern[1:]))
        for pattern in allowed
    )


class SecurityMiddleware:
    """Refuse unknown hosts; add the security headers (and the CSP nonce to the scope)."""

    def __init__(
        self, app: ASGIApp, allowed_hosts: list[str], frame_ancestors: str, vary: bool
    ) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.frame_ancestors = frame_ancestors
        self.vary = vary

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        if not host_allowed(host, self.allowed_hosts):
            await _refuse_host(host, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                if self.vary:
                    headers.add_vary_header(FORWARDED)
                if headers.get("content-type", "").startswith("text/html"):
                    policy = CSP.format(nonce=nonce, frame_ancestors=self.frame_ancestors)
                    if scope["path"].endswith(INLINE_STYLE_PATHS):
                        policy = policy.replace(f"style-src 'self' 'nonce-{nonce}'", INLINE)
                    headers.setdefault("Content-Security-Policy", policy)
                    if self.frame_ancestors == "'none'":
                        headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse_host(host: str, send: Send) -> None:
    body = orjson.dumps(
        error_body("InvalidHost", f"Host {host!r} is not served here (CONTAMAP_ALLOWED_HOSTS)")
    )
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def client_address(request: Request) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For, as uvicorn reads it)."""
    return request.client.host if request.client else "unknown"


def key_attempt(request: Request) -> Attempt:
    """The client's address and this application's throttle of wrong keys."""
    return Attempt(client_address(request), request.app.state.key_throttle)
