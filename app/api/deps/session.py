"""The request's session and this worker's engine of reads."""

import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from app.core.db import ONE_STATEMENT, gate_of, on_loop

READS = ("GET", "HEAD")
P = ParamSpec("P")
T = TypeVar("T")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: on the replica for GET and HEAD, else on the primary; it commits
    on success.

    A route marked ``one_statement`` reads in autocommit (``one_statement_sessions``). It is an
    asyncio session, handed to the route as the plain ``Session`` its services are
    written for: the route runs on the event loop (``in_session``), and the session's
    statements are awaited there, with no thread. A read waits for its place in the order it
    came, at the same gate as the hot reads (``Gate``), before its session is made.
    """
    state = request.app.state
    if request.method not in READS:
        async with state.sessionmaker() as session:
            try:
                yield session.sync_session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
        return
    gate = gate_of(state.read_engine)
    await gate.enter()
    try:
        route = getattr(request.scope.get("route"), "endpoint", None)
        one = getattr(route, ONE_STATEMENT, False)
        session = (state.one_statement_sessionmaker if one else state.read_sessionmaker)()
        try:
            yield session.sync_session  # a read: nothing to commit, closing ends it
        finally:
            await session.close()
    finally:
        gate.leave()


# The session ends with the route function, before the response is sent: a route reads all
# it needs first, so a client reading slowly (or not at all) never holds a connection.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def one_statement(route: Callable[P, T]) -> Callable[P, T]:
    """A read route whose answer usually takes one statement: its session reads in autocommit,
    and opens a snapshot when it must read more (``app.core.db.snapshot``)."""
    setattr(route, ONE_STATEMENT, True)
    return route


def in_session(function: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """A route or dependency written as plain code on its ``Session``, run on the event loop
    (``on_loop``): FastAPI awaits it and reads its parameters from ``function``'s."""

    @functools.wraps(function)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await on_loop(function, *args, **kwargs)

    return run


async def read_engine(request: Request) -> AsyncEngine:
    """This worker's engine of the replica, for the hot reads (``app.core.db.read``)."""
    engine: AsyncEngine = request.app.state.read_engine
    return engine


EngineDep = Annotated[AsyncEngine, Depends(read_engine)]
