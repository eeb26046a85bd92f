"""Pure retry decisions: which answers to retry, how long to wait.

Nothing here sends, sleeps or reads the clock on its own: the client feeds it statuses, bodies
and headers, and gets back a :class:`Decision`. The table, from SPEC §3:

========================================  ===============  ===================================
answer                                    decision         why
========================================  ===============  ===================================
2xx                                       ``OK``
429                                       ``RETRY``        rate limited; wait ``Retry-After``
403 whose provider reason is a rate       ``RETRY``        Google's rate limits are 403s with
limit (``rateLimitExceeded``,                              the reason in ``raw_response.error
``userRateLimitExceeded``)                                 .errors[]``; backoff (Google sends
                                                           no ``Retry-After``)
408, 500, 502, 504                        ``RETRY``        transient; a PATCH of absolute
                                                           values is idempotent
503 with ``truto_is_remote_error: true``  ``RETRY``        the provider is down for a moment
503 with a JSON body without it           ``BLOCKED``      Truto's own 503: the integrated
                                                           account is blocked; every further
                                                           request for it would fail the same
503 without a JSON body                   ``RETRY``        a gateway's outage page, not Truto
network error, timeout                    ``RETRY``        (decided by the client)
anything else (400, 401, other 403, 404,  ``GIVE_UP``      retrying cannot change the answer
405, 409, 422, other 4xx/5xx, 3xx)
========================================  ===============  ===================================

A retry waits what the server asked (``Retry-After`` in seconds or as an HTTP date; for a 429
also ``ratelimit-reset`` seconds from now), else :func:`backoff_delay`: exponential with full
jitter, capped at :attr:`RetryPolicy.max_delay`. ``ratelimit-reset`` is read only on a 429:
on a 5xx it says when the *quota* window ends, which has nothing to do with when the fault
clears, and waiting for it would stall a run for up to a whole window per fault.
"""

from __future__ import annotations

import enum
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Final, Protocol

from ..errors import ConfigurationError

__all__ = [
    "Action",
    "Decision",
    "RetryPolicy",
    "backoff_delay",
    "classify_response",
    "header",
    "provider_reasons",
    "retry_after_seconds",
]

RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 504})
"""Statuses always worth another attempt (503 depends on who sent it)."""

RATE_LIMIT_REASONS: Final = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
"""Google Calendar's reasons for a 403 that is a rate limit, not a refusal."""


class Action(enum.Enum):
    """What to do after an answer."""

    OK = "ok"
    """Success: nothing more to do."""
    RETRY = "retry"
    """Transient: try again after a delay (if attempts remain)."""
    GIVE_UP = "give_up"
    """Final failure for this request."""
    BLOCKED = "blocked"
    """Truto's own 503: the integrated account is blocked; fail all its requests unsent."""


@dataclass(frozen=True)
class Decision:
    """The verdict on one answer.

    Parameters
    ----------
    action : Action
        What to do.
    reason : str
        A short human explanation (``"rate limited"``, ``"account blocked"``...).
    wait : float or None
        Seconds the server asked to wait before the next request (from ``Retry-After`` or
        ``ratelimit-reset``), when it said so.
    throttled : bool
        Whether the answer is a rate limit (a 429, or a provider's 403 that says so): the
        pacer slows the account down as for a 429.
    """

    action: Action
    reason: str
    wait: float | None = None
    throttled: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how patiently to retry.

    Parameters
    ----------
    max_attempts : int
        Attempts in all, the first included (1 disables retries).
    base_delay : float
        Seconds of the first backoff step; step *n* is ``base_delay * 2**(n-1)``.
    max_delay : float
        Cap of one backoff step, in seconds.
    jitter : {"full", "none"}
        ``"full"`` draws the delay uniformly in ``[0, step]`` so that many clients retrying
        together spread out; ``"none"`` waits the step exactly.
    max_server_wait : float
        The longest ``Retry-After`` honoured, in seconds; a server asking for more ends the
        request as failed instead of stalling the run.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: str = "full"
    max_server_wait: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError(f"max_attempts must be at least 1, not {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ConfigurationError("base_delay and max_delay must not be negative")
        if self.jitter not in ("full", "none"):
            raise ConfigurationError(f"jitter must be 'full' or 'none', not {self.jitter!r}")


class _Random(Protocol):
    def random(self) -> float: ...


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Read a header case-insensitively from any mapping (``httpx.Headers`` or a dict).

    Parameters
    ----------
    headers : mapping of str to str
        The response headers.
    name : str
        The header name, lower case.

    Returns
    -------
    str or None
        The value, or ``None`` when absent.
    """
    value = headers.get(name)
    if value is not None:
        return value
    for key, item in headers.items():
        if key.lower() == name:
            return item
    return None


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return max(value, 0.0)


def retry_after_seconds(
    headers: Mapping[str, str],
    now: Callable[[], float] = time.time,
    *,
    quota_reset: bool = True,
) -> float | None:
    """Seconds the server asked to wait, or ``None`` when it did not say.

    Parameters
    ----------
    headers : mapping of str to str
        The response headers.
    now : callable, optional
        Wall-clock time in epoch seconds, for ``Retry-After`` given as an HTTP date.
    quota_reset : bool, default True
        Fall back on ``ratelimit-reset`` when there is no usable ``Retry-After`` (right for a
        429 only).

    Returns
    -------
    float or None
        ``Retry-After`` as seconds or as an HTTP date (relative to ``now``), else
        ``ratelimit-reset`` (seconds from now, not an epoch) when ``quota_reset``; never
        negative.

    Examples
    --------
    >>> retry_after_seconds({"Retry-After": "3"})
    3.0
    >>> retry_after_seconds({"ratelimit-reset": "7"})
    7.0
    >>> retry_after_seconds({"ratelimit-reset": "7"}, quota_reset=False) is None
    True
    """
    text = header(headers, "retry-after")
    if text is not None:
        seconds = _seconds(text)
        if seconds is not None:
            return seconds
        try:
            when = parsedate_to_datetime(text.strip())
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(when.timestamp() - now(), 0.0)
    return _seconds(header(headers, "ratelimit-reset")) if quota_reset else None


def _is_remote_error(body: Any) -> bool:
    if not isinstance(body, Mapping):
        return False
    flag = body.get("truto_is_remote_error")
    return flag is True or (isinstance(flag, str) and flag.lower() == "true")


def provider_reasons(body: Any) -> list[str]:
    """The provider's error reasons forwarded by Truto (``raw_response.error.errors[].reason``).

    Parameters
    ----------
    body : Any
        Truto's parsed error body; ``raw_response`` may be an object or its JSON text.

    Returns
    -------
    list of str
        Every reason found, in order; empty when there is none (or the body has another shape).

    Examples
    --------
    >>> raw = {"error": {"errors": [{"reason": "rateLimitExceeded"}]}}
    >>> provider_reasons({"truto_is_remote_error": True, "raw_response": raw})
    ['rateLimitExceeded']
    """
    if not isinstance(body, Mapping):
        return []
    raw = body.get("raw_response")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    error = raw.get("error") if isinstance(raw, Mapping) else None
    errors = error.get("errors") if isinstance(error, Mapping) else None
    if not isinstance(errors, list):
        return []
    return [
        item["reason"]
        for item in errors
        if isinstance(item, Mapping) and isinstance(item.get("reason"), str)
    ]


def classify_response(
    status: int,
    body: Any,
    headers: Mapping[str, str],
    now: Callable[[], float] = time.time,
) -> Decision:
    """Decide what an answer means for the request that got it.

    Parameters
    ----------
    status : int
        The HTTP status.
    body : Any
        The parsed body: Truto's error object (a dict), or text when it was not JSON.
    headers : mapping of str to str
        The response headers.
    now : callable, optional
        Wall-clock time, for ``Retry-After`` dates.

    Returns
    -------
    Decision
        See the table in the module docstring.

    Examples
    --------
    >>> classify_response(503, {"statusCode": 503, "message": "blocked"}, {}).action
    <Action.BLOCKED: 'blocked'>
    >>> classify_response(503, {"truto_is_remote_error": True}, {}).action
    <Action.RETRY: 'retry'>
    """
    if 200 <= status < 300:
        return Decision(Action.OK, "ok")
    if status == 429:
        return Decision(Action.RETRY, "rate limited", retry_after_seconds(headers, now), True)
    # A fault's wait is Retry-After or nothing (then backoff): see the module docstring.
    fault_wait = retry_after_seconds(headers, now, quota_reset=False)
    if status == 503:
        if _is_remote_error(body):
            return Decision(Action.RETRY, "provider unavailable", fault_wait)
        if isinstance(body, Mapping):
            return Decision(Action.BLOCKED, "integrated account blocked")
        return Decision(Action.RETRY, "service unavailable", fault_wait)
    if status in RETRY_STATUSES:
        return Decision(Action.RETRY, "transient server error", fault_wait)
    if status == 403 and RATE_LIMIT_REASONS.intersection(provider_reasons(body)):
        # Only the provider says so: Truto's own 403 has no raw_response to carry a reason.
        return Decision(Action.RETRY, "provider rate limited", fault_wait, True)
    return Decision(Action.GIVE_UP, "not retryable")


def backoff_delay(attempt: int, policy: RetryPolicy, rng: _Random | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    Parameters
    ----------
    attempt : int
        How many attempts were made so far (1 after the first failure).
    policy : RetryPolicy
        Base, cap and jitter.
    rng : object with ``random()``, optional
        The source of jitter (``random.Random(seed)`` in tests); the module's by default.

    Returns
    -------
    float
        ``min(max_delay, base_delay * 2**(attempt-1))``, times a uniform draw in ``[0, 1)``
        with full jitter.

    Examples
    --------
    >>> backoff_delay(3, RetryPolicy(base_delay=0.5, jitter="none"))
    2.0
    """
    exponent = min(max(attempt - 1, 0), 62)  # 2**62 already dwarfs any cap
    step = min(policy.max_delay, policy.base_delay * (2.0**exponent))
    if policy.jitter == "none":
        return step
    return step * (rng or random).random()
