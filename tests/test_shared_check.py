"""A kept statistics answer's check, shared: each request takes versions read after it came."""

import asyncio
import itertools
import random
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from app.api.caching import SharedCheck

REQUESTS = 300
T = TypeVar("T")


def _run(scenario: Callable[[], Awaitable[T]]) -> T:
    """The scenario on an event loop of its own, in a thread: the browser tests' Playwright
    keeps one running in this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, scenario()).result()  # type: ignore[arg-type]


async def _requests() -> tuple[dict[int, int], list[int], dict[int, int]]:
    """300 requests at random times over 0.2 s, each check taking 5 ms: the order in which
    each request came and each check started (one sequence of events), and whose check
    answered each request."""
    shared: SharedCheck[int] = SharedCheck()
    events = itertools.count()
    came: dict[int, int] = {}
    started: list[int] = []  # the event of each check's start, by check number
    answered: dict[int, int] = {}
    generator = random.Random(3)

    async def check() -> int:
        started.append(next(events))
        number = len(started) - 1
        await asyncio.sleep(0.005)
        return number

    async def request(number: int, delay: float) -> None:
        await asyncio.sleep(delay)
        came[number] = next(events)
        answered[number] = await shared.run(check)

    await asyncio.gather(*(request(n, generator.uniform(0, 0.2)) for n in range(REQUESTS)))
    return came, started, answered


def test_each_request_takes_a_check_started_after_it_came() -> None:
    came, started, answered = _run(_requests)
    assert len(answered) == REQUESTS
    assert all(started[answered[n]] >= came[n] for n in range(REQUESTS))
    # About one check per 5 ms, at most two per request's wait: far fewer than requests.
    assert len(started) <= 2 * 0.2 / 0.005 + 2 < REQUESTS


async def _failing() -> tuple[list[BaseException | int], int]:
    shared: SharedCheck[int] = SharedCheck()
    calls = 0

    async def check() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls <= 2:
            raise RuntimeError("the database is down")
        return calls

    first = asyncio.ensure_future(shared.run(check))
    await asyncio.sleep(0.001)  # the first check runs: these three wait for the next one
    outcomes = await asyncio.gather(
        first, *(shared.run(check) for _ in range(3)), return_exceptions=True
    )
    return [*outcomes, await shared.run(check)], calls


def test_a_failed_check_fails_those_who_shared_it_and_the_next_one_runs() -> None:
    outcomes, calls = _run(_failing)
    assert [str(outcome) for outcome in outcomes[:4]] == ["the database is down"] * 4
    assert outcomes[4] == 3 and calls == 3
