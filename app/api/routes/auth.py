"""Sign-in for people: POST /auth/login, POST /auth/logout, GET /auth/me.

The session is a cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) naming a row on the
server; its changes send back the CSRF token that /auth/me gives (docs/operations.md).
"""

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.api.deps import SessionDep
from app.api.deps.auth import SignedInDep
from app.api.render import base_url
from app.api.security import client_address
from app.core.responses import JSONResponse
from app.errors import Forbidden, Unauthorized
from app.schemas.accounts import SignedInRead
from app.services import accounts
from app.services.accounts import SESSION_COOKIE, Lifetimes, SignedIn

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
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(min_length=1, max_length=100)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
) -> Response:
    """Sign in with a name and a password: sets the session cookie and answers 303 to the map,
    or 200 with who is signed in and the CSRF token when the client accepts JSON."""
    settings = request.app.state.settings
    lifetimes = Lifetimes(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_lifetime_hours),
    )
    token, who = accounts.sign_in(
        session,
        username,
        password,
        client_address(request),
        request.app.state.login_throttle,
        lifetimes,
    )
    response: Response
    if "application/json" in request.headers.get("accept", ""):
        response = JSONResponse(_read(who), headers=PRIVATE)
    else:
        response = RedirectResponse(f"{base_url(request)}/map", 303, headers=PRIVATE)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetimes.absolute.total_seconds()),
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
def me(who: SignedInDep) -> Response:
    """Who is signed in, and the CSRF token to send back in X-CSRF-Token with each change."""
    if who is None:
        raise Unauthorized("not signed in")
    return JSONResponse(_read(who), headers=PRIVATE)
