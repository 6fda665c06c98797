"""Who is asking, and the roles a route needs, as dependencies declared on the route.

A write route declares ``Editor``, ``Admin`` or ``CollectionEditor``: the check runs before
the route's body, and a new route cannot forget it by forgetting a call.

A caller is named by an API key (programs) or by a person's sign-in session cookie. A key
wins when both come. A change made with the cookie alone must carry the session's CSRF token
(``X-CSRF-Token``), checked here, so that every role dependency checks it too.
"""

from datetime import timedelta
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.api.deps.params import CollectionDep
from app.api.deps.session import READS, SessionDep, in_session
from app.api.security import key_attempt
from app.core.db import on_loop
from app.errors import Unauthorized
from app.services import accounts, auth
from app.services.accounts import SESSION_COOKIE, SignedIn
from app.services.auth import Caller


def presented_key(request: Request) -> str | None:
    """The API key sent as ``Authorization: Bearer`` or as ``X-API-Key`` (QGIS's header)."""
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-api-key") or None


UNKNOWN = object()  # the request's caller is not worked out yet
SAFE = (*READS, "OPTIONS")  # methods that change nothing: no CSRF token needed


def session_of(request: Request, session: Session) -> SignedIn | None:
    """The live sign-in session the request's cookie names, if any; for a change, only with
    the session's CSRF token (else 403), and the change keeps the session from going idle."""
    idle = timedelta(minutes=request.app.state.settings.session_idle_minutes)
    who = accounts.signed_in(session, request.cookies.get(SESSION_COOKIE), idle)
    if who is not None and request.method not in SAFE:
        accounts.check_write(session, who, request.headers.get(accounts.CSRF_HEADER))
    return who


def caller_of(request: Request, session: Session) -> Caller | None:
    """Who the request's key names, else its sign-in session (None without either); a 401
    for a wrong or revoked key, a 403 for a change made with the session but without its
    CSRF token. Worked out once per request."""
    known = getattr(request.state, "caller", UNKNOWN)
    if known is not UNKNOWN:
        return cast(Caller | None, known)
    key = presented_key(request)
    caller = auth.authenticate(session, key, key_attempt(request))
    if key is None:
        who = session_of(request, session)
        caller = who.caller if who is not None else None
    request.state.caller = caller
    return caller


@in_session
def signed_in(request: Request, session: SessionDep) -> SignedIn | None:
    """The request's sign-in session (checked as ``session_of`` checks it), if any."""
    return session_of(request, session)


async def optional_caller(request: Request, session: SessionDep) -> Caller | None:
    """The caller, when the request carries a key or a session (a 401 for a wrong key). A
    request with neither, as most reads come, is answered here, with nothing to look up."""
    if presented_key(request) is None and not request.cookies.get(SESSION_COOKIE):
        return None
    return await on_loop(caller_of, request, session)


@in_session
def editor(request: Request, session: SessionDep) -> Caller:
    """A caller with at least an editor's role: else 401 (no key) or 403."""
    return auth.require_role(caller_of(request, session), "editor")


@in_session
def admin(request: Request, session: SessionDep) -> Caller:
    """A caller with an admin's role: else 401 (no key) or 403."""
    return auth.require_role(caller_of(request, session), "admin")


@in_session
def collection_editor(request: Request, session: SessionDep, collection: CollectionDep) -> Caller:
    """A caller whose role may change the path's collection: else 401 or 403."""
    return auth.require_editor_of(caller_of(request, session), collection)


OptionalCaller = Annotated[Caller | None, Depends(optional_caller)]


def drafts_of(caller: Caller | None) -> str | None:
    """Whose reports not yet approved a caller sees: none without a key (or as a viewer), an
    operator its organisation's, the authority's keys every one (``*``)."""
    if caller is None or not caller.at_least("operator"):
        return None
    return caller.organisation if caller.role == "operator" else "*"


async def drafts_readable(caller: OptionalCaller) -> str | None:
    """Whose reports not yet approved the reader sees (``drafts_of``)."""
    return drafts_of(caller)


DraftsOf = Annotated[str | None, Depends(drafts_readable)]
SignedInDep = Annotated[SignedIn | None, Depends(signed_in)]
Editor = Annotated[Caller, Depends(editor)]
Admin = Annotated[Caller, Depends(admin)]
CollectionEditor = Annotated[Caller, Depends(collection_editor)]

OPEN_WHEN_KEYED = ("/health",)  # load balancers' probes carry no key


@in_session
def read_key(request: Request, session: SessionDep) -> None:
    """With CONTAMAP_READ_REQUIRES_KEY, every read needs a valid key too (any role).

    Only an app with that setting depends on it: without it, reads cost no session.
    """
    if request.method not in READS or request.url.path in OPEN_WHEN_KEYED:
        return
    if caller_of(request, session) is None:
        raise Unauthorized("reading needs an API key here: Authorization: Bearer <key>")
