"""Rate-limit budgets: pace requests *before* the server answers 429.

Truto reports its limits as 50 requests per 10 s per integrated account and 500 per 10 s per
API token (:class:`RateLimits` defaults). :class:`Pacer` keeps one budget per integrated account
and one budget shared by all accounts of the token; :meth:`Pacer.acquire` waits until a request
fits in both, then counts it.

Each budget is a *sliding window log*: the send times of the last ``limit`` requests. A request
may go when fewer than ``limit`` were sent in the last ``window`` seconds, so no interval of
``window`` seconds ever holds more than ``limit`` requests, a burst at the start included (a
token bucket would let ``2 * limit`` through across a refill). The window is stretched by a small
margin (a fraction plus a few hundredths of a second) because the server counts arrival times,
which latency jitter moves around.

What the server says refines the budgets (:meth:`Pacer.observe`):

* ``ratelimit-limit: 110;w=10`` adds that limit as one more window for the account. It can only
  tighten the pace: the configured limits stay in force (a header may describe the provider's
  budget or the token's, never a licence to exceed Truto's documented one).
* ``ratelimit-remaining`` with ``ratelimit-reset`` (seconds from now): when the server counts
  fewer requests left than the account's windows do (someone else uses the same account), at
  most ``remaining`` more (minus those still in flight) go before the reset.
* a 429 pauses the account until ``Retry-After`` (else ``ratelimit-reset``) and stretches its
  windows by ``slowdown`` (once per episode: the other 429s of the same burst, within a window,
  do not compound). The limit itself is kept: most 429s come from a window boundary met a little
  early, and cutting the limit would slow every later window far more than stretching it does.

The clock and the sleep function are injectable; tests drive the pacer with a fake clock.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from .budgets import RateLimits, parse_budget, parse_ratelimit_limit
from .retry import header

__all__ = ["Pacer", "RateLimits", "parse_budget", "parse_ratelimit_limit"]

_PROBING = 1e-3  # the delay reported for an account whose first answer is awaited


class _Window:
    """A sliding window log: the send times still inside the window."""

    __slots__ = ("limit", "stamps", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.stamps: deque[float] = deque()

    def wait(self, now: float) -> float:
        stamps = self.stamps
        horizon = now - self.window
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        excess = len(stamps) - self.limit
        if excess < 0:
            return 0.0
        # The oldest `excess + 1` sends must leave the window before one more fits.
        return stamps[excess] + self.window - now

    def add(self, now: float) -> None:
        self.stamps.append(now)


@dataclass
class _Account:
    windows: list[_Window] = field(default_factory=list)
    learned: tuple[int, float] | None = None
    paused_until: float = 0.0
    calm_until: float = 0.0  # 429s before this belong to the last slowdown's episode
    allowance: int | None = None  # server's remaining count, minus what we sent since
    allowance_until: float = 0.0
    inflight: int = 0
    lock: asyncio.Lock | None = None
    probing: bool = False  # no answer seen yet: one request at a time (see Pacer.acquire)
    answered: asyncio.Event | None = None


class Pacer:
    """Waits before each request so that no budget is exceeded.

    Parameters
    ----------
    limits : RateLimits, optional
        The budgets; Truto's documented ones by default.
    clock : callable, optional
        Monotonic seconds (``time.monotonic``); a fake clock in tests.
    sleep : callable, optional
        ``asyncio.sleep`` or a fake awaiting the fake clock.

    Notes
    -----
    Use one pacer per API token (a :class:`~truto_frame.api.client.TrutoClient` owns one). Callers
    call :meth:`acquire` before each request and :meth:`observe` once after it, whatever
    happened (``status=None`` for a network error).
    """

    def __init__(
        self,
        limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.limits = limits if limits is not None else RateLimits()
        self._clock = clock
        self._sleep = sleep
        self._accounts: dict[str, _Account] = {}
        self._token = self._make_window(self.limits.per_token)
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"Pacer(limits={self.limits!r}, accounts={len(self._accounts)})"

    def _make_window(self, budget: tuple[int, float] | None) -> _Window | None:
        if budget is None:
            return None
        limit, window = budget
        return _Window(limit, self._stretch(window))

    def _stretch(self, window: float) -> float:
        return window * (1.0 + self.limits.margin) + self.limits.margin_seconds

    def _account(self, account: str) -> _Account:
        state = self._accounts.get(account)
        if state is None:
            state = _Account()
            window = self._make_window(self.limits.per_account)
            if window is not None:
                state.windows.append(window)
            state.probing = self.limits.learn
            self._accounts[account] = state
        return state

    def delay(self, account: str) -> float:
        """Seconds before a request for ``account`` could go (0 when it could go now).

        Parameters
        ----------
        account : str
            The integrated account id.

        Returns
        -------
        float
            The wait :meth:`acquire` would need, ignoring other waiters of the same account.
        """
        state = self._account(account)
        wait = self._wait(state, self._clock())
        if state.probing and state.inflight:
            wait = max(wait, _PROBING)  # unknown yet, but soon: prefer accounts with room
        return wait

    def _wait(self, state: _Account, now: float) -> float:
        wait = state.paused_until - now
        for window in state.windows:
            wait = max(wait, window.wait(now))
        if self._token is not None:
            wait = max(wait, self._token.wait(now))
        if state.allowance is not None:
            if now >= state.allowance_until:
                state.allowance = None
            elif state.allowance <= 0:
                wait = max(wait, state.allowance_until - now)
        return wait

    def _lock(self, state: _Account) -> asyncio.Lock:
        # asyncio.Lock binds to the loop that first waits on it; run_sync may use a new loop
        # per run, so locks are remade when the loop changes.
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            for other in self._accounts.values():
                other.lock = None
                other.answered = None
        if state.lock is None:
            state.lock = asyncio.Lock()
        return state.lock

    async def acquire(self, account: str) -> None:
        """Wait until a request for ``account`` fits in every budget, then count it.

        Parameters
        ----------
        account : str
            The integrated account id.
        """
        state = self._account(account)
        # Requests of one account queue in order; other accounts proceed in parallel.
        async with self._lock(state):
            while state.probing and state.inflight:
                # Learn the server's budget from the first answer before bursting into it.
                if state.answered is None:
                    state.answered = asyncio.Event()
                await state.answered.wait()
            while True:
                now = self._clock()
                wait = self._wait(state, now)
                if wait <= 0:
                    break
                await self._sleep(wait)
            for window in state.windows:
                window.add(now)
            if self._token is not None:
                self._token.add(now)
            if state.allowance is not None:
                state.allowance -= 1
            state.inflight += 1

    def observe(
        self,
        account: str,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        wait: float | None = None,
    ) -> None:
        """Learn from the answer to a request that :meth:`acquire` let through.

        Parameters
        ----------
        account : str
            The integrated account id.
        status : int or None
            The HTTP status; ``None`` when no answer came (network error).
        headers : mapping of str to str, optional
            The response headers (``ratelimit-*`` are read when :attr:`RateLimits.learn`).
        wait : float or None
            Seconds the server asked to wait (``Retry-After``, else ``ratelimit-reset``);
            pauses the account on a 429.
        """
        state = self._account(account)
        state.inflight = max(0, state.inflight - 1)
        if state.probing:
            state.probing = False
            if state.answered is not None:
                state.answered.set()
        now = self._clock()
        if status == 429:
            if wait is not None:
                state.paused_until = max(state.paused_until, now + wait)
            if now >= state.calm_until:
                self._slow_down(state)
                longest = max((w.window for w in state.windows), default=0.0)
                state.calm_until = max(state.paused_until, now + longest)
        if headers is None or not self.limits.learn:
            return
        self._learn_limit(state, header(headers, "ratelimit-limit"))
        remaining = header(headers, "ratelimit-remaining")
        reset = header(headers, "ratelimit-reset")
        if remaining is not None and reset is not None:
            try:
                left, seconds = int(remaining), float(reset)
            except ValueError:
                return
            # Only a server that surely knows of more requests than our windows (another
            # process, another tool) needs the allowance; otherwise the windows are exact,
            # while `reset` is rounded up to whole seconds and would slow every window.
            if 0 < seconds < math.inf and left < self._room(state, now):
                # Requests still in flight may not be counted in `remaining` yet.
                state.allowance = left - state.inflight
                state.allowance_until = now + seconds

    def _room(self, state: _Account, now: float) -> float:
        room = math.inf
        for window in state.windows:
            window.wait(now)  # drops the sends that left the window
            room = min(room, window.limit - len(window.stamps))
        return room

    def _learn_limit(self, state: _Account, text: str | None) -> None:
        parsed = parse_ratelimit_limit(text)
        if parsed is None or parsed[1] is None or parsed[0] < 1:
            return
        learned = (parsed[0], parsed[1])
        if learned == state.learned or learned == self.limits.per_account:
            return
        window = _Window(learned[0], self._stretch(learned[1]))
        if state.learned is not None:
            state.windows.pop()  # the learned window is always last
        if state.windows:
            # Sends already made count against the new window too.
            window.stamps.extend(state.windows[0].stamps)
        state.windows.append(window)
        state.learned = learned

    def _slow_down(self, state: _Account) -> None:
        for window in state.windows:
            window.window *= 1.0 + self.limits.slowdown

    def budgets(self, account: str) -> list[tuple[int, float]]:
        """The account's budgets as they stand, a read-only view.

        Parameters
        ----------
        account : str
            The integrated account.

        Returns
        -------
        list of (int, float)
            ``(limit, window_seconds)`` of each window, as stretched by margins and 429s and
            including limits learned from headers; empty for an account not seen yet.
        """
        state = self._accounts.get(account)
        return [] if state is None else [(w.limit, w.window) for w in state.windows]

    def paused_until(self, account: str) -> float:
        """Until when (on the pacer's clock) a 429 paused the account; 0 when never paused.

        Parameters
        ----------
        account : str
            The integrated account.

        Returns
        -------
        float
            The clock time before which the account sends nothing.
        """
        state = self._accounts.get(account)
        return 0.0 if state is None else state.paused_until
