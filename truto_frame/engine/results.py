"""The results frame: one row per input row, same index, same order.

=============  ===========  ==========================================================
column         dtype        meaning
=============  ===========  ==========================================================
status         string       ``updated``, ``failed``, ``invalid``, ``skipped``, ``cancelled``,
                            ``conflict``
http_status    Int64        the final HTTP status; missing when nothing was answered
error          string       one readable line; for a ``skipped`` row, why; else missing
attempts       int64        PATCHes sent for the row (retries included); 0 if none; for a
                            row whose re-read before writing failed, the GETs sent
response       object       the parsed response body (the updated event, or the error body)
merged         string       what was kept of changes made since the plan's snapshot, when
                            the row was re-read and merged before writing; else missing
=============  ===========  ==========================================================

``conflict``: the row was re-read before writing, and a field it changes was also changed by
someone else since the snapshot the plan was built on, to another value. It was not sent;
``error`` names each field with both values and ``response`` holds the event as it is now
(see ``docs/concurrent-edits.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["RESULT_COLUMNS", "STATUSES", "RowResult", "results_frame"]

RESULT_COLUMNS: tuple[str, ...] = (
    "status",
    "http_status",
    "error",
    "attempts",
    "response",
    "merged",
)
"""The columns of every results frame, in order."""

STATUSES: tuple[str, ...] = ("updated", "failed", "invalid", "skipped", "cancelled", "conflict")
"""Every value the ``status`` column can take."""


@dataclass(frozen=True)
class RowResult:
    """The outcome of one input row.

    Attributes
    ----------
    status : str
        One of :data:`STATUSES`.
    http_status : int or None
        The final HTTP status, when the server answered.
    error : str or None
        One readable line, when the row did not succeed (for a ``skipped`` row: why).
    attempts : int
        Requests sent for the row, retries included.
    response : Any
        The parsed response body.
    merged : str or None
        What was kept of changes made since the snapshot (a row re-read before writing).
    """

    status: str
    http_status: int | None = None
    error: str | None = None
    attempts: int = 0
    response: Any = None
    merged: str | None = None


def results_frame(index: pd.Index, rows: Sequence[RowResult]) -> pd.DataFrame:
    """Build the results frame for ``rows``, aligned with ``index``.

    Parameters
    ----------
    index : pandas.Index
        The input frame's index (duplicates allowed: alignment is by position).
    rows : sequence of RowResult
        One result per input row, in input order.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULT_COLUMNS`.

    Raises
    ------
    ValueError
        If there is not exactly one result per row: a lost row is a bug, never a silent gap.
    """
    if len(rows) != len(index):
        raise ValueError(f"{len(rows)} results for {len(index)} rows")
    for row in rows:
        if row.status not in STATUSES:
            raise ValueError(f"unknown status {row.status!r}")
    responses = pd.Series([r.response for r in rows], index=index, dtype=object)
    return pd.DataFrame(
        {
            "status": pd.array([r.status for r in rows], dtype="string"),
            "http_status": pd.array([r.http_status for r in rows], dtype="Int64"),
            "error": pd.array([r.error for r in rows], dtype="string"),
            "attempts": pd.array([r.attempts for r in rows], dtype="int64"),
            "response": responses.array,
            "merged": pd.array([r.merged for r in rows], dtype="string"),
        },
        index=index,
    )
