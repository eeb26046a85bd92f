"""Helpers the test modules share: a virtual clock, the sandbox in process, what it was asked.

Import the helpers by name (``from conftest import FakeClock, patches``); the fixtures
(``app``, ``transport``) need no import, and a module that wants a differently configured
sandbox defines its own ``app``.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Coroutine
from typing import Any

import httpx
import pandas as pd
import pytest

import truto_frame
from truto_frame.sandbox import RecordedRequest, create_app


class FakeClock:
    """Virtual time: sleeps wait for the driver, which jumps to the next timer when idle.

    Pass it as both ``clock`` and ``sleep`` (its :meth:`sleep`) and drive the coroutine with
    :meth:`run`; or use it as a clock a test moves by hand (``clock.now += 5``).

    Parameters
    ----------
    now : float
        The time it starts at.
    """

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._timers, (self.now + max(delay, 0.0), self._seq, future))
        await future

    async def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        task = asyncio.ensure_future(coro)
        loop = asyncio.get_running_loop()
        while not task.done():
            await asyncio.sleep(0)
            while loop._ready:  # type: ignore[attr-defined]  # let every runnable task settle
                await asyncio.sleep(0)
            while self._timers and self._timers[0][2].done():
                heapq.heappop(self._timers)
            if task.done():
                break
            assert self._timers, "deadlock: nothing to wake up"
            when, _, future = heapq.heappop(self._timers)
            self.now = max(self.now, when)
            future.set_result(None)
        return task.result()


def requests(app: Any, method: str) -> list[RecordedRequest]:
    """The requests of ``method`` the sandbox ``app`` received, in order."""
    return [r for r in app.state.sandbox.requests if r.method == method]


def patches(app: Any) -> list[RecordedRequest]:
    """The PATCH requests the sandbox ``app`` received, in order."""
    return requests(app, "PATCH")


@pytest.fixture
def app() -> Any:
    """A fresh sandbox app with its default seed and accounts."""
    return create_app()


@pytest.fixture
def transport(app: Any) -> httpx.ASGITransport:
    """The ``app`` fixture as an in-process transport for the client."""
    return httpx.ASGITransport(app=app)


def same_cell(a: Any, b: Any) -> bool:
    """Whether two cells read back hold the same thing (NULL only equals NULL; empties alike)."""
    if a is truto_frame.NULL or b is truto_frame.NULL:
        return a is b
    if not isinstance(a, (list, dict)) and pd.isna(a):
        return not isinstance(b, (list, dict)) and bool(pd.isna(b))
    return bool(a == b)


def assert_read_back(
    read: Any, back: Any, expected: dict[tuple[Any, str], Any], changed: set[Any], written: set[str]
) -> None:
    """Every cell read back equals the edit where one was made, else the cell as first read.

    ``read`` and ``back`` are frames indexed by event id; ``expected`` maps (event id, column) to
    the edited value; cells in ``written`` (a write's own time, the provider's object) are not
    compared on the ``changed`` events.
    """
    for event_id in read.index:
        for column in read.columns:
            if (event_id, column) in expected:
                want = expected[(event_id, column)]
            elif event_id in changed and column in written:
                continue
            else:
                want = read.at[event_id, column]
            got = back.at[event_id, column] if column in back.columns else float("nan")
            assert same_cell(got, want), (event_id, column, want, got)
