"""The identity of a PATCH: canonical JSON, its hash, and the ``Idempotency-Key`` of a run.

:func:`payload_hash` names a PATCH by its event and body (what a journal matches rows on);
:func:`run_key` / :func:`idempotency_key_for` mix in the run's nonce (:func:`new_run_nonce`) for
the ``Idempotency-Key`` header, so retries within a run share a key and a later run does not.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

__all__ = [
    "canonical_json",
    "idempotency_key_for",
    "new_run_nonce",
    "payload_hash",
    "run_key",
]


def canonical_json(value: Any) -> str:
    """JSON text with sorted keys and no spaces: equal payloads give equal text.

    Parameters
    ----------
    value : Any
        A JSON-able value.

    Returns
    -------
    str
        The canonical text.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(event_id: str, payload: Mapping[str, Any]) -> str:
    """sha256 of the event id and the canonical payload: what a journal matches rows on.

    Parameters
    ----------
    event_id : str
        The event id.
    payload : mapping
        The JSON body.

    Returns
    -------
    str
        64 hex digits; the same for the same event and body in any run or process.
    """
    text = event_id + "\n" + canonical_json(payload)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_run_nonce() -> str:
    """A random nonce for one run, mixed into its ``Idempotency-Key`` headers.

    Returns
    -------
    str
        32 random hex digits.
    """
    return secrets.token_hex(16)


def idempotency_key_for(event_id: str, payload: Mapping[str, Any], nonce: str) -> str:
    """The ``Idempotency-Key`` of a PATCH: sha256 of the run's nonce, the event id and the body.

    The nonce belongs to one run (one ``apply()``), so the key is kept across the retries of
    that run but a later run that sends the same body again (after an undo, say) is applied
    again instead of being answered from the server's idempotency cache.

    Parameters
    ----------
    event_id : str
        The event id.
    payload : mapping
        The JSON body.
    nonce : str
        The run's nonce (:func:`new_run_nonce`).

    Returns
    -------
    str
        64 hex digits.
    """
    return run_key(payload_hash(event_id, payload), nonce)


def run_key(digest: str, nonce: str) -> str:
    """The ``Idempotency-Key`` from a :func:`payload_hash` already computed, and the run's nonce.

    Parameters
    ----------
    digest : str
        :func:`payload_hash` of the event id and body.
    nonce : str
        The run's nonce (:func:`new_run_nonce`).

    Returns
    -------
    str
        64 hex digits, equal to :func:`idempotency_key_for` of the same id, body and nonce.
    """
    return hashlib.sha256((nonce + "\n" + digest).encode("utf-8")).hexdigest()
