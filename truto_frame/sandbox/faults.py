"""Fault injection and rate limiting for the sandbox, both repeatable.

Rate limits are fixed windows that open at the first request of a key (an account, the token)
and last ``window`` seconds on an injectable clock; a request over the limit is refused with 429
and is not counted. Faults are drawn per request from a generator seeded with
``(seed, account, method, path, n)`` where ``n`` counts earlier requests to the same path: the
same run gives the same faults even when requests arrive in a different order, and a retry of a
failed request draws again. Faults scripted with :meth:`FaultInjector.script` come first, in
order, whatever the rates.

Fault kinds:

=============  ==================================================================
``error_500``  Truto answers 500 (also ``error_502``, ``error_504``); nothing stored
``remote_503`` the provider answers 503 (``truto_is_remote_error``); nothing stored
``remote_429`` the provider's own rate limit: 429, remote error; ``Retry-After: 1`` from Graph
               (Outlook accounts) only, as Google Calendar sends none
``remote_403_rate_limit``  the provider's rate limit as Google Calendar sends it: 403, reason
               ``rateLimitExceeded`` in ``raw_response``, no ``Retry-After`` (an Outlook
               account answers Graph's 429 instead); scripted only
``drop``       the connection drops before anything is stored
``drop_after`` the update is stored, then the connection drops (proves idempotency)
=============  ==================================================================
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "FAULT_KINDS",
    "FaultConfig",
    "FaultInjector",
    "FaultKind",
    "RateDecision",
    "RateLimit",
    "RateLimiter",
]

FaultKind = Literal[
    "error_500",
    "error_502",
    "error_504",
    "remote_503",
    "remote_429",
    "remote_403_rate_limit",
    "drop",
    "drop_after",
]
FAULT_KINDS: tuple[str, ...] = (
    "error_500",
    "error_502",
    "error_504",
    "remote_503",
    "remote_429",
    "remote_403_rate_limit",
    "drop",
    "drop_after",
)


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` requests per ``window`` seconds.

    Parameters
    ----------
    limit : int
        Requests allowed in one window.
    window : float
        Window length in seconds.
    """

    limit: int
    window: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0:
            raise ValueError(f"a rate limit needs limit >= 1 and window > 0, got {self}")

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """Read ``"50/10"`` (50 requests per 10 seconds)."""
        try:
            limit, window = text.split("/")
            return cls(int(limit), float(window))
        except ValueError:
            raise ValueError(f"expected LIMIT/SECONDS such as 50/10, got {text!r}") from None

    def header(self) -> str:
        """The ``ratelimit-limit`` value, e.g. ``"50;w=10"``."""
        window = int(self.window) if float(self.window).is_integer() else self.window
        return f"{self.limit};w={window}"


@dataclass(frozen=True)
class RateDecision:
    """The outcome of counting one request against a limit."""

    allowed: bool
    limit: RateLimit
    remaining: int
    reset: float
    """Seconds until the window resets."""

    def headers(self) -> dict[str, str]:
        """``ratelimit-*`` headers (reset in whole seconds, rounded up)."""
        return {
            "ratelimit-limit": self.limit.header(),
            "ratelimit-remaining": str(self.remaining),
            "ratelimit-reset": str(max(math.ceil(self.reset), 0)),
        }


class RateLimiter:
    """Fixed-window counters keyed by any string.

    Parameters
    ----------
    limit : RateLimit
        The limit each key gets.
    """

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._windows: dict[str, tuple[float, int]] = {}

    def check(self, key: str, now: float, *, commit: bool = True) -> RateDecision:
        """Decide on a request of ``key`` at ``now``; count it if allowed and ``commit``.

        ``commit=False`` only looks, so that a request checked against two limits (account
        and token) is counted against both or neither.
        """
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.limit.window:
            start, used = now, 0
        reset = start + self.limit.window - now
        if used >= self.limit.limit:
            return RateDecision(False, self.limit, 0, reset)
        used += 1
        if commit:
            self._windows[key] = (start, used)
        return RateDecision(True, self.limit, self.limit.limit - used, reset)

    def reset(self) -> None:
        """Forget every window."""
        self._windows.clear()


@dataclass(frozen=True)
class FaultConfig:
    """How often each fault happens, and how slow the provider is.

    Parameters
    ----------
    error_rate : float
        Share of requests answered 500, 502 or 504 (equally often).
    remote_503_rate : float
        Share answered with a provider 503 (``truto_is_remote_error: true``).
    remote_429_rate : float
        Share answered with the provider's own 429 (``Retry-After: 1``).
    drop_rate : float
        Share whose connection drops before anything is stored.
    drop_after_rate : float
        Share of PATCHes that are stored and then dropped.
    latency : float
        Seconds every request takes (awaited, so concurrent requests overlap).
    latency_jitter : float
        Extra seconds, uniform in ``[0, latency_jitter)``, drawn from the seeded generator.
    seed : int
        Seed of the fault draws.
    """

    error_rate: float = 0.0
    remote_503_rate: float = 0.0
    remote_429_rate: float = 0.0
    drop_rate: float = 0.0
    drop_after_rate: float = 0.0
    latency: float = 0.0
    latency_jitter: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        rates = [
            self.error_rate,
            self.remote_503_rate,
            self.remote_429_rate,
            self.drop_rate,
            self.drop_after_rate,
        ]
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError("fault rates must be >= 0 and add up to at most 1")
        if self.latency < 0 or self.latency_jitter < 0:
            raise ValueError("latency must be >= 0")


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request: a fault kind (or ``None``) and a delay in seconds."""

    kind: str | None
    delay: float


class FaultInjector:
    """Draws repeatable faults for requests; switchable at runtime.

    Parameters
    ----------
    config : FaultConfig
        Rates, latency and seed.
    """

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.config = config or FaultConfig()
        self._seen: dict[str, int] = {}
        self._script: deque[str] = deque()

    def configure(self, config: FaultConfig) -> None:
        """Switch to new rates (the per-path counters keep counting)."""
        self.config = config

    def script(self, kinds: Iterable[str | None]) -> None:
        """Queue faults for the next requests, in order (``None`` means no fault).

        Raises
        ------
        ValueError
            For an unknown fault kind.
        """
        kinds = list(kinds)
        for kind in kinds:
            if kind is not None and kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        self._script.extend(kind or "none" for kind in kinds)

    def reset(self) -> None:
        """Forget the per-path counters and the scripted faults."""
        self._seen.clear()
        self._script.clear()

    def decide(self, account: str, method: str, path: str) -> FaultDecision:
        """Draw the fault and delay of one request."""
        key = f"{account}|{method}|{path}"
        n = self._seen.get(key, 0)
        self._seen[key] = n + 1
        config = self.config
        rng = random.Random(f"{config.seed}|{key}|{n}")
        delay = config.latency + (rng.random() * config.latency_jitter)
        if self._script:
            kind = self._script.popleft()
            return FaultDecision(None if kind == "none" else kind, delay)
        roll = rng.random()
        for kind, rate in (
            ("error", config.error_rate),
            ("remote_503", config.remote_503_rate),
            ("remote_429", config.remote_429_rate),
            ("drop", config.drop_rate),
            ("drop_after", config.drop_after_rate),
        ):
            if roll < rate:
                if kind == "error":
                    kind = rng.choice(["error_500", "error_502", "error_504"])
                if kind == "drop_after" and method != "PATCH":
                    kind = "drop"
                return FaultDecision(kind, delay)
            roll -= rate
        return FaultDecision(None, delay)
