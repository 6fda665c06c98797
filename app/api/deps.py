"""Shared dependencies: the request's session."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.core.db import session_scope


def get_session(request: Request) -> Iterator[Session]:
    """The request's session: it commits on success and rolls back on error."""
    yield from session_scope(request.app.state.sessionmaker)


SessionDep = Annotated[Session, Depends(get_session)]
