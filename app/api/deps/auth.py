"""Who is asking, and the roles a route needs, as dependencies declared on the route.

A write route declares ``Editor``, ``Admin`` or ``CollectionEditor``: the check runs before
the route's body, and a new route cannot forget it by forgetting a call.
"""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.api.deps.params import CollectionDep
from app.api.deps.session import READS, SessionDep
from app.api.security import key_attempt
from app.errors import Unauthorized
from app.services import auth
from app.services.auth import Caller


def presented_key(request: Request) -> str | None:
    """The API key sent as ``Authorization: Bearer`` or as ``X-API-Key`` (QGIS's header)."""
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-api-key") or None


def caller_of(request: Request, session: Session) -> Caller | None:
    """Who the request's key names (None without one); a 401 for a wrong or revoked key."""
    return auth.authenticate(session, presented_key(request), key_attempt(request))


def optional_caller(request: Request, session: SessionDep) -> Caller | None:
    """The caller, when the request carries a key (a 401 for a wrong one)."""
    return caller_of(request, session)


def editor(request: Request, session: SessionDep) -> Caller:
    """A caller with at least an editor's role: else 401 (no key) or 403."""
    return auth.require_role(caller_of(request, session), "editor")


def admin(request: Request, session: SessionDep) -> Caller:
    """A caller with an admin's role: else 401 (no key) or 403."""
    return auth.require_role(caller_of(request, session), "admin")


def collection_editor(request: Request, session: SessionDep, collection: CollectionDep) -> Caller:
    """A caller whose role may change the path's collection: else 401 or 403."""
    return auth.require_editor_of(caller_of(request, session), collection)


OptionalCaller = Annotated[Caller | None, Depends(optional_caller)]


def drafts_readable(caller: OptionalCaller) -> str | None:
    """Whose reports not yet approved the reader sees: none without a key, an operator its
    organisation's, the authority's keys every one (``*``)."""
    if caller is None:
        return None
    return caller.organisation if caller.role == "operator" else "*"


DraftsOf = Annotated[str | None, Depends(drafts_readable)]
Editor = Annotated[Caller, Depends(editor)]
Admin = Annotated[Caller, Depends(admin)]
CollectionEditor = Annotated[Caller, Depends(collection_editor)]

OPEN_WHEN_KEYED = ("/health",)  # load balancers' probes carry no key


def read_key(request: Request, session: SessionDep) -> None:
    """With CONTAMAP_READ_REQUIRES_KEY, every read needs a valid key too (any role).

    Only an app with that setting depends on it: without it, reads cost no session.
    """
    if request.method not in READS or request.url.path in OPEN_WHEN_KEYED:
        return
    if caller_of(request, session) is None:
        raise Unauthorized("reading needs an API key here: Authorization: Bearer <key>")
