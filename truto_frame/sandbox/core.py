"""The sandbox's state: store, limits, faults, request log, idempotency cache and counters.

One :class:`Sandbox` lives on ``app.state.sandbox``. Tests inspect it (``requests``,
``get_event``, ``counts``) and switch faults at runtime (``set_faults``, ``script_faults``).

Idempotency: a PATCH that carries an ``Idempotency-Key`` header and succeeds is remembered per
account. The same key with the same request (event id, query and body) gets the stored
answer again, with ``idempotent-replayed: true``, and is not applied a second time; the same key
with a different request is refused with 422. Failed requests are not remembered, because they
changed nothing and a retry must be able to run. Answers are forgotten after
``SandboxConfig.idempotency_ttl`` seconds (24 h by default).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .config import SandboxConfig
from .faults import FaultConfig, FaultInjector, RateDecision, RateLimiter
from .store import EventStore, StoreError

__all__ = ["RecordedRequest", "Sandbox", "StoredAnswer"]


@dataclass
class RecordedRequest:
    """One request as the sandbox received it (the ``Authorization`` header is left out).

    Attributes
    ----------
    method, path : str
        HTTP method and the raw, still percent-encoded path.
    event_id : str or None
        The decoded event id of ``/unified/calendar/events/{id}``.
    account_id : str or None
        The ``integrated_account_id`` query value.
    query : list of (str, str)
        Every query item in order (repeated keys kept).
    body : Any
        The parsed JSON body (the text when it is not JSON; ``None`` when empty).
    headers : dict
        Lower-cased headers without ``authorization``.
    idempotency_key : str or None
        The ``Idempotency-Key`` header.
    remote_query : dict
        ``remote_query[key]=value`` items, passed to the provider untouched; nested
        ``remote_query[a][b]=`` and ``remote_query[a][]=`` as dicts and lists.
    status : int or None
        The answer's status; ``None`` when the connection was dropped before answering.
    fault : str or None
        The injected fault, if any.
    """

    method: str
    path: str
    event_id: str | None
    account_id: str | None
    query: list[tuple[str, str]]
    body: Any
    headers: dict[str, str]
    idempotency_key: str | None
    remote_query: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    fault: str | None = None

    def query_values(self, key: str) -> list[str]:
        """Every value of a query key, in order."""
        return [v for k, v in self.query if k == key]

    def query_value(self, key: str) -> str | None:
        """The last value of a query key, or ``None``."""
        values = self.query_values(key)
        return values[-1] if values else None


@dataclass(frozen=True)
class StoredAnswer:
    """A remembered successful answer to an idempotent request."""

    fingerprint: str
    status: int
    body: bytes
    media_type: str
    at: float = 0.0
    """When it was stored, on the sandbox clock."""


class Sandbox:
    """State of one sandbox app.

    Parameters
    ----------
    config : SandboxConfig, optional
        Settings; defaults to ``SandboxConfig()``.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.store = EventStore(
            self.config.accounts,
            seed=self.config.seed,
            anchor=self.config.anchor,
            events_per_account=self.config.events_per_account,
            now=self.config.now,
        )
        self.faults = FaultInjector(self.config.faults)
        limits = (self.config.account_limit, self.config.token_limit)
        self._account_limiter = RateLimiter(limits[0]) if limits[0] else None
        self._token_limiter = RateLimiter(limits[1]) if limits[1] else None
        self.requests: list[RecordedRequest] = []
        """Every request to the unified API (``/unified/...``), oldest first."""
        self.counters: dict[str, Counter[str]] = {}
        """Per account: ``requests``, ``rate_limited``, ``updated``, ``faults``, ``replayed``."""
        self._answers: dict[tuple[str, str], StoredAnswer] = {}

    def __repr__(self) -> str:
        return f"Sandbox(accounts={len(self.config.accounts)}, requests={len(self.requests)})"

    # -- admin surface for tests -------------------------------------------------------------

    def get_event(self, account_id: str, event_id: str) -> dict[str, Any] | None:
        """Return a copy of a stored event (unified shape, no ``remote_data``), or ``None``."""
        try:
            stored = self.store.find(account_id, event_id)
        except (KeyError, StoreError):
            return None
        return copy.deepcopy(stored.event)

    def edit_event(self, account_id: str, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change an event behind the client's back, as its organizer or an attendee would.

        Made for tests and rehearsals of concurrent edits: plan, change the event here, then
        apply. The change is not a request (no log entry, no rate limit, no fault) and needs
        no required field; ``updated_at`` and the provider's etag move as for any write.

        Parameters
        ----------
        account_id, event_id : str
            The event.
        changes : dict
            Update fields (``{"start_time": ..., "end_time": ...}``, a whole ``attendees``
            list with a new ``response``...), validated like an update body.

        Returns
        -------
        dict
            The event after the change (unified shape, no ``remote_data``).

        Raises
        ------
        KeyError
            Unknown account or event, or changes the schema refuses (the message says why).
        """
        try:
            stored = self.store.edit(account_id, event_id, changes)
        except StoreError as exc:
            raise KeyError(exc.message) from None
        return copy.deepcopy(stored.event)

    def event_ids(self, account_id: str) -> list[str]:
        """Return the ids of an account's events."""
        return self.store.event_ids(account_id)

    def counts(self, account_id: str) -> dict[str, int]:
        """Return the counters of one account (zeros when it saw no request)."""
        keys = ("requests", "rate_limited", "updated", "faults", "replayed")
        counter = self.counters.get(account_id, Counter())
        return {k: counter[k] for k in keys}

    def count(self, account_id: str | None, name: str) -> None:
        """Add one to a counter of an account (used by the app)."""
        self.counters.setdefault(account_id or "", Counter())[name] += 1

    def set_faults(self, **changes: Any) -> FaultConfig:
        """Change fault settings at runtime, e.g. ``set_faults(error_rate=0.2, seed=3)``.

        Returns
        -------
        FaultConfig
            The settings now in force.
        """
        new = dataclasses.replace(self.faults.config, **changes)
        self.faults.configure(new)
        return new

    def script_faults(self, kinds: list[str | None]) -> None:
        """Make the next requests fail in this order (see :mod:`~truto_frame.sandbox.faults`)."""
        self.faults.script(kinds)

    def reset(self) -> None:
        """Back to the seeded state: events, windows, faults' counters, log, cache, counters."""
        self.store.reset()
        self.faults.reset()
        self.faults.configure(self.config.faults)
        for limiter in (self._account_limiter, self._token_limiter):
            if limiter is not None:
                limiter.reset()
        self.requests.clear()
        self.counters.clear()
        self._answers.clear()

    def stats(self) -> dict[str, Any]:
        """JSON-ready counters of every account, and the number of requests."""
        return {
            "requests": len(self.requests),
            "accounts": {a: self.counts(a) for a in sorted(self.counters) if a},
        }

    # -- used by the app ---------------------------------------------------------------------

    def check_rate(self, account_id: str | None) -> RateDecision | None:
        """Count a request against the token's and the account's limits.

        Returns
        -------
        RateDecision or None
            The refusing decision when over a limit; else the tighter of the two (the one
            reported in headers); ``None`` when no limit is configured.
        """
        now = self.config.clock()
        decisions: list[tuple[RateLimiter, str, RateDecision]] = []
        if self._account_limiter is not None and account_id is not None:
            limiter = self._account_limiter
            decisions.append((limiter, account_id, limiter.check(account_id, now, commit=False)))
        if self._token_limiter is not None:
            limiter = self._token_limiter
            decisions.append((limiter, "token", limiter.check("token", now, commit=False)))
        if not decisions:
            return None
        refused = [d for _, _, d in decisions if not d.allowed]
        if refused:
            return max(refused, key=lambda d: d.reset)
        for limiter, key, _ in decisions:
            limiter.check(key, now)
        # The first (account) decision wins ties: it is the limit Truto reports.
        return min((d for _, _, d in decisions), key=lambda d: d.remaining)

    @staticmethod
    def fingerprint(event_id: str, query: list[tuple[str, str]], body: Any) -> str:
        """A digest of what makes two PATCH requests the same request."""
        text = json.dumps([event_id, sorted(query), body], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def remembered(self, account_id: str, key: str) -> StoredAnswer | None:
        """The answer stored for an idempotency key, if any and not expired."""
        answer = self._answers.get((account_id, key))
        if answer is not None and self.config.clock() - answer.at >= self.config.idempotency_ttl:
            del self._answers[(account_id, key)]
            return None
        return answer

    def remember(self, account_id: str, key: str, answer: StoredAnswer) -> None:
        """Store the answer of a successful idempotent request, stamped with the clock."""
        stamped = dataclasses.replace(answer, at=self.config.clock())
        self._answers[(account_id, key)] = stamped
