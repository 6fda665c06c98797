"""Sign-in for people: POST /auth/login, POST /auth/logout, GET /auth/me.

The session is a cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) naming a row on the
server; its changes send back the CSRF token that /auth/me gives (docs/operations.md).
"""

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import SessionDep, in_session
from app.api.deps.auth import SignedInDep
from app.api.render import base_url, templates
from app.api.security import client_address
from app.core.responses import JSONResponse
from app.errors import Forbidden, NotFound, Unauthorized
from app.schemas.accounts import SignedInRead
from app.services import accounts
from app.services.accounts import SESSION_COOKIE, Lifetimes, SignedIn
from app.services.oidc import PENDING_COOKIE, PENDING_SECONDS, OidcClient, Pending

router = APIRouter(prefix="/auth", tags=["Accounts"])
PRIVATE = {"Cache-Control": "no-store", "Vary": "Cookie"}


def same_origin(request: Request) -> None:
    """A 403 for a sign-in posted from another site's page (a browser names it in Origin), so
    that no page can sign a visitor in as someone else; clients without Origin pass."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    ours = {urlsplit(base_url(request)).netloc, request.headers.get("host", "")}
    if urlsplit(origin).netloc not in ours:
        raise Forbidden(f"a sign-in from another site ({origin}) is refused")


def _read(who: SignedIn) -> dict[str, str | None]:
    caller = who.caller
    return SignedInRead(
        name=caller.name,
        role=caller.role,
        organisation=caller.organisation,
        csrf_token=who.csrf_token,
    ).model_dump()


def _secure(request: Request) -> bool:
    """Whether the cookie is sent over HTTPS only: when the site is served over HTTPS."""
    return request.url.scheme == "https" or base_url(request).startswith("https://")


@router.post(
    "/login",
    response_model=SignedInRead,
    dependencies=[Depends(same_origin)],
    responses={
        303: {"description": "signed in: to the map (a form's post, without Accept: JSON)"},
        401: {"description": "a wrong name or password, or a disabled account"},
        403: {"description": "posted from another site's page"},
        429: {"description": "too many failed sign-ins for the account or from the address"},
    },
)
@in_session
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(min_length=1, max_length=100)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
) -> Response:
    """Sign in with a name and a password: sets the session cookie and answers 303 to the map,
    or 200 with who is signed in and the CSRF token when the client accepts JSON."""
    token, who = accounts.sign_in(
        session,
        username,
        password,
        client_address(request),
        request.app.state.login_throttle,
        _lifetimes(request),
    )
    if "application/json" in request.headers.get("accept", ""):
        return _signed_in(request, JSONResponse(_read(who), headers=PRIVATE), token)
    return _signed_in(request, _to_map(request), token)


def _lifetimes(request: Request) -> Lifetimes:
    settings = request.app.state.settings
    return Lifetimes(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_lifetime_hours),
    )


def _to_map(request: Request) -> Response:
    return RedirectResponse(f"{base_url(request)}/map", 303, headers=PRIVATE)


def _signed_in(request: Request, response: Response, token: str) -> Response:
    """The response, with the new session's cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(_lifetimes(request).absolute.total_seconds()),
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="lax",
    )
    return response


@router.post(
    "/logout",
    status_code=204,
    responses={403: {"description": "a live session without its X-CSRF-Token"}},
)
@in_session
def logout(request: Request, session: SessionDep, who: SignedInDep) -> Response:
    """Sign out: the session ends on the server and its cookie is cleared."""
    token = request.cookies.get(SESSION_COOKIE)
    if who is not None and token is not None:
        accounts.sign_out(session, token)
    response = Response(status_code=204, headers=PRIVATE)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax"
    )
    return response


@router.get(
    "/me",
    response_model=SignedInRead,
    responses={401: {"description": "not signed in, or the session ended"}},
)
async def me(who: SignedInDep) -> Response:
    """Who is signed in, and the CSRF token to send back in X-CSRF-Token with each change."""
    if who is None:
        raise Unauthorized("not signed in")
    return JSONResponse(_read(who), headers=PRIVATE)


def oidc_client(request: Request) -> OidcClient:
    """The single sign-on client; a 404 where none is configured (CONTAMAP_OIDC_ISSUER)."""
    client: OidcClient | None = request.app.state.oidc
    if client is None:
        raise NotFound("single sign-on is not configured here")
    return client


Oidc = Annotated[OidcClient, Depends(oidc_client)]


def _callback(request: Request) -> str:
    return f"{base_url(request)}/auth/oidc/callback"


@router.get(
    "/oidc/login",
    response_class=RedirectResponse,
    status_code=302,
    responses={404: {"description": "single sign-on is not configured"}},
)
def oidc_login(request: Request, oidc: Oidc) -> Response:
    """Single sign-on: to the identity provider, which sends the browser back to the callback."""
    url, pending = oidc.start(_callback(request))
    response = RedirectResponse(url, 302, headers=PRIVATE)
    response.set_cookie(
        PENDING_COOKIE,
        pending.cookie(),
        max_age=PENDING_SECONDS,
        path="/auth/oidc",
        secure=_secure(request),
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/oidc/callback", response_class=HTMLResponse)
def oidc_callback(
    request: Request,
    oidc: Oidc,
    code: Annotated[str, Query(max_length=4096)],
    state: Annotated[str, Query(max_length=200)],
) -> Response:
    """Where the provider sends the browser back: the code is exchanged for an ID token, which
    a page posts to /auth/oidc/complete (a GET writes nothing; the POST makes the session)."""
    pending = Pending.from_cookie(request.cookies.get(PENDING_COOKIE))
    id_token = oidc.exchange(code, state, pending, _callback(request))
    html = templates.get_template("auth/oidc_continue.html").render(
        request=request, base=base_url(request), id_token=id_token
    )
    return HTMLResponse(html, headers=PRIVATE)


@router.post("/oidc/complete", dependencies=[Depends(same_origin)], status_code=303)
@in_session
def oidc_complete(
    request: Request,
    session: SessionDep,
    oidc: Oidc,
    id_token: Annotated[str, Form(max_length=16384)],
) -> Response:
    """The ID token checked (signature, issuer, audience, expiry, this browser's nonce), the
    session of the user it names begins: 303 to the map."""
    pending = Pending.from_cookie(request.cookies.get(PENDING_COOKIE))
    name = oidc.vouched(id_token, pending)
    token, _ = accounts.sign_in_vouched(session, name, _lifetimes(request))
    response = _signed_in(request, _to_map(request), token)
    response.delete_cookie(
        PENDING_COOKIE, path="/auth/oidc", secure=_secure(request), httponly=True
    )
    return response
