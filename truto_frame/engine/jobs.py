"""One PATCH to send: what the engine runs and what the journal records."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

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
        (:func:`~truto_frame.api.call.idempotency_key_for`).
    """

    key: Hashable
    event_id: str
    integrated_account_id: str
    payload: Mapping[str, Any]
    idempotency_key: str | None = None
