"""The request's session and this worker's asyncio engine."""

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

READS = ("GET", "HEAD")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: read-only for GET and HEAD; it commits on success.

    It is made on the event loop (a session connects only when first used); its commit or
    rollback goes to a thread, and only when the route did use the database.
    """
    state = request.app.state
    factory = state.read_sessionmaker if request.method in READS else state.sessionmaker
    session: Session = factory()
    try:
        yield session
    except BaseException:
        await _end(session, session.rollback)
        raise
    await _end(session, session.commit)


async def _end(session: Session, end: Callable[[], None]) -> None:
    """Commit or roll back, in a thread, when a transaction is open; then close the session."""
    try:
        if session.in_transaction():
            await run_in_threadpool(end)
    finally:
        session.close()


# The session ends with the route function, before the response is sent: a route reads all
# it needs first, so a client reading slowly (or not at all) never holds a connection.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def async_engine(request: Request) -> AsyncEngine:
    """This worker's asyncio engine of read-only connections, for the hot reads."""
    engine: AsyncEngine = request.app.state.async_engine
    return engine


EngineDep = Annotated[AsyncEngine, Depends(async_engine)]
