"""The sandbox's settings, in one dataclass."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .accounts import (
    BLOCKED_ACCOUNT_ID,
    DEFAULT_ACCOUNTS,
    NEEDS_REAUTH_ACCOUNT_ID,
    READ_ONLY_ACCOUNT_ID,
)
from .faults import FaultConfig, RateLimit

__all__ = [
    "DEFAULT_TOKEN",
    "NO_FAULTS",
    "TRUTO_ACCOUNT_LIMIT",
    "TRUTO_TOKEN_LIMIT",
    "SandboxConfig",
]

DEFAULT_TOKEN = "sandbox-token"
"""The bearer token the sandbox accepts unless told otherwise."""


TRUTO_ACCOUNT_LIMIT = RateLimit(50, 10)
"""Truto's documented limit per integrated account: 50 requests per 10 seconds."""
TRUTO_TOKEN_LIMIT = RateLimit(500, 10)
"""Truto's documented limit per API token: 500 requests per 10 seconds."""
NO_FAULTS = FaultConfig()
"""No faults and no latency."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class SandboxConfig:
    """How a sandbox behaves. Every field has a sensible default.

    Parameters
    ----------
    token : str
        The only bearer token accepted (never shown in the repr).
    accounts : mapping
        integrated_account_id -> integration name (``google``, ``googlecalendar``,
        ``outlookcalendar``); default: the seeded accounts of :mod:`~truto_frame.sandbox.seed`.
    blocked_accounts : frozenset of str
        Accounts Truto has blocked: it refuses them itself with 503 (no
        ``truto_is_remote_error``).
    read_only_accounts : frozenset of str
        Sandbox accounts (``is_sandbox: true``): they refuse writes with 405, like Truto's.
    needs_reauth_accounts : frozenset of str
        Accounts whose provider refuses the credentials (``status: needs_reauth``): every
        unified request answers 401 with ``truto_is_remote_error``, until reconnected.
    seed : int
        Seed of the generated events.
    anchor : datetime, optional
        First day of the seeded schedule; default: today 00:00 UTC.
    events_per_account : int
        Events generated per account.
    account_limit, token_limit : RateLimit or None
        Requests allowed per integrated account and per token (``None``: unlimited). Truto
        reports 50 per 10 s and 500 per 10 s.
    faults : FaultConfig
        Fault rates, latency and their seed (switchable later through the ``Sandbox``).
    page_size : int
        Default ``limit`` of list requests.
    idempotency_ttl : float
        Seconds a successful answer stays remembered under its ``Idempotency-Key`` (24 h, as
        common APIs keep them).
    clock : callable
        Monotonic seconds for rate-limit windows (inject a fake one in tests).
    sleep : callable
        Awaitable sleep used for latency (inject a fake one in tests).
    now : callable
        Wall-clock time (aware) for ``updated_at`` and the default list window.
    """

    token: str = field(default=DEFAULT_TOKEN, repr=False)
    accounts: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ACCOUNTS))
    blocked_accounts: frozenset[str] = frozenset({BLOCKED_ACCOUNT_ID})
    read_only_accounts: frozenset[str] = frozenset({READ_ONLY_ACCOUNT_ID})
    needs_reauth_accounts: frozenset[str] = frozenset({NEEDS_REAUTH_ACCOUNT_ID})
    seed: int = 0
    anchor: datetime | None = None
    events_per_account: int = 30
    account_limit: RateLimit | None = TRUTO_ACCOUNT_LIMIT
    token_limit: RateLimit | None = TRUTO_TOKEN_LIMIT
    faults: FaultConfig = NO_FAULTS
    page_size: int = 100
    idempotency_ttl: float = 24 * 3600.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    now: Callable[[], datetime] = field(default=_utcnow, repr=False)
