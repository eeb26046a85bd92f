"""One PATCH to send: what the engine runs and what the journal records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..api.client import TrutoClient
    from ..api.outcome import CallResult

__all__ = ["Job"]


@dataclass(frozen=True)
class Job:
    """One PATCH to send.

    Parameters
    ----------
    key : hashable
        The caller's handle for the result (e.g. the row position); unique within a run.
    event_id : str
        The event id.
    integrated_account_id : str
        The account the event belongs to.
    payload : mapping
        The JSON body.
    idempotency_key : str, optional
        ``Idempotency-Key``, kept across the job's retries; when omitted the client makes one
        from the id, the payload and a fresh nonce
        (:func:`~truto_frame.api.idempotency.idempotency_key_for`).
    prepare : callable, optional
        Awaited as ``prepare(client, job)`` in the job's worker just before the PATCH (e.g.
        re-read the event and merge): returns the job to send (its payload may differ) or a
        :class:`~truto_frame.api.outcome.CallResult` that lands instead, unsent. The result is
        reported against this job, so a journal matches it by the planned payload.
    """

    key: Hashable
    event_id: str
    integrated_account_id: str
    payload: Mapping[str, Any]
    idempotency_key: str | None = None
    prepare: Callable[[TrutoClient, Job], Awaitable[Job | CallResult]] | None = None
