"""Read before write: the step that re-reads a row's event just before its PATCH, and merges.

A plan is built on a snapshot and applied later. For each row whose body carries values the
user did not change (:func:`~truto_frame.planning.merge.needs_reread`), :func:`reread_step`
makes the engine's ``prepare`` hook (:class:`~truto_frame.engine.runner.Job`): one GET of the
event (same client, so paced per account and retried like the PATCHes), then

* the event has the snapshot's ``updated_at`` (or etag): the planned body is sent as is;
* else :func:`~truto_frame.planning.merge.merge_event` merges it with the current event: the
  merged body is sent (with its own ``Idempotency-Key``), what was kept lands in the results'
  ``merged`` column;
* a field changed on both sides: the row is not sent and ends ``conflict``, unless
  ``on_conflict="overwrite"`` (the user's values are sent anyway);
* the event cannot be read: the row fails with the reason, unsent (writing blind could undo
  someone's change).

Rows that need no read are sent exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.idempotency import payload_hash, run_key
from ..api.options import RequestOptions
from ..api.outcome import CallResult
from ..errors import ConfigurationError
from .merge import Conflict, merge_event, unchanged_since
from .request_shape import with_request_types

if TYPE_CHECKING:
    from ..api.client import TrutoClient
    from ..engine.runner import Job

__all__ = [
    "CONFLICT_COLUMNS",
    "ON_CONFLICT",
    "RereadLog",
    "check_on_conflict",
    "conflict_error",
    "conflicts_frame",
    "reread_step",
]

CONFLICT_COLUMNS: tuple[str, ...] = ("row", "id", "field", "base", "mine", "theirs")
"""The columns of ``plan.conflicts()``."""

ON_CONFLICT: tuple[str, ...] = ("skip", "overwrite")
"""What ``apply(on_conflict=...)`` accepts: ``skip`` leaves a conflicted row unsent (status
``conflict``), ``overwrite`` sends the user's values anyway."""

# The re-read must come back in the unified shape whatever the plan's response options say.
_READ_OPTIONS = RequestOptions()


def check_on_conflict(value: str) -> str:
    """Refuse an ``on_conflict`` value that is not in :data:`ON_CONFLICT`."""
    if value not in ON_CONFLICT:
        raise ConfigurationError(
            f"on_conflict must be one of {', '.join(map(repr, ON_CONFLICT))}, not {value!r}"
        )
    return value


@dataclass
class RereadLog:
    """What the re-reads of one run found, by row position.

    Attributes
    ----------
    merged : dict
        position -> the note of what was kept of others' changes (the ``merged`` column).
    conflicts : dict
        position -> the conflicts found (also for rows sent with ``on_conflict="overwrite"``).
    current : dict
        position -> the event as it was read just before writing.
    """

    merged: dict[int, str] = field(default_factory=dict)
    conflicts: dict[int, tuple[Conflict, ...]] = field(default_factory=dict)
    current: dict[int, dict[str, Any]] = field(default_factory=dict)


def _calendar_id(payload: Mapping[str, Any], base: Mapping[str, Any]) -> str | None:
    for source in (payload, base):
        calendar = source.get("calendar")
        if isinstance(calendar, Mapping) and calendar.get("id"):
            return str(calendar["id"])
    return None


def conflict_error(conflicts: tuple[Conflict, ...]) -> str:
    """The ``error`` of a conflicted row: every field with both values."""
    fields = "; ".join(c.describe() for c in conflicts)
    return (
        f"{fields}; changed since the baseline by someone else, or by an earlier apply of "
        "yours (read the events again for a fresh baseline): not sent"
    )


def conflicts_frame(
    index: pd.Index,
    event_ids: Sequence[str | None],
    conflicts: Mapping[int, Sequence[Conflict]],
) -> pd.DataFrame:
    """Build ``plan.conflicts()``: one line per conflicting field, in input order.

    Parameters
    ----------
    index : pandas.Index
        The input frame's index (its labels fill ``row``).
    event_ids : sequence
        Each row's event id.
    conflicts : mapping
        Row position -> its conflicts (:attr:`RereadLog.conflicts`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CONFLICT_COLUMNS`; ``base``, ``mine`` and ``theirs`` hold JSON values.
    """
    records = [
        (index[position], event_ids[position], c.field, c.base, c.mine, c.theirs)
        for position in sorted(conflicts)
        for c in conflicts[position]
    ]
    frame = pd.DataFrame.from_records(records, columns=list(CONFLICT_COLUMNS))
    return frame.astype({"base": object, "mine": object, "theirs": object})


def reread_step(
    position: int,
    base: Mapping[str, Any],
    *,
    nonce: str,
    log: RereadLog,
    on_conflict: str = "skip",
) -> Any:
    """Make the ``prepare`` hook of one row's job: re-read, compare, merge (see the module).

    Parameters
    ----------
    position : int
        The row's position in the plan (the key of ``log``).
    base : mapping
        The snapshot event the row was planned on.
    nonce : str
        The run's nonce: a merged body gets ``run_key(payload_hash(...), nonce)`` as its key.
    log : RereadLog
        Filled with what the read found.
    on_conflict : {"skip", "overwrite"}
        What to do with a row whose fields changed on both sides.

    Returns
    -------
    callable
        ``async prepare(client, job) -> Job | CallResult`` for
        :class:`~truto_frame.engine.runner.Job`.
    """

    async def prepare(client: TrutoClient, job: Job) -> Job | CallResult:
        read = await client.get_event(
            job.event_id,
            job.integrated_account_id,
            _calendar_id(job.payload, base),
            _READ_OPTIONS,
        )
        if not read.ok or not isinstance(read.body, Mapping):
            reason = read.error or "the answer held no event"
            return CallResult(
                False,
                read.http_status,
                read.body,
                f"could not re-read the event before writing, not sent: {reason}",
                read.attempts,  # the requests this row did send: GETs
                "failed",
            )
        theirs = with_request_types({**read.body, "id": job.event_id})
        log.current[position] = theirs
        if unchanged_since(base, theirs):
            return job  # the very version the plan was built on
        merged = merge_event(job.payload, base, theirs)
        if merged.conflicts:
            log.conflicts[position] = merged.conflicts
            if on_conflict != "overwrite":
                return CallResult(
                    False, None, read.body, conflict_error(merged.conflicts), 0, "conflict"
                )
        notes = [merged.note] if merged.note else []
        if merged.conflicts:
            notes.append("overwrote " + ", ".join(c.field for c in merged.conflicts))
        if notes:
            log.merged[position] = "; ".join(notes)
        if merged.payload == dict(job.payload):
            return job
        key = run_key(payload_hash(job.event_id, merged.payload), nonce)
        return replace(job, payload=merged.payload, idempotency_key=key)

    return prepare
