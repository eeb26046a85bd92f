"""The re-send of an applied plan's rows that did not succeed.

:func:`failed_rows_plan` plans the rows that ``failed``, were ``cancelled`` or ``conflict``-ed
again, with the same bodies, and :func:`merge_retry_results` folds that run's results back into
the full frame (``plan.retry_failed()`` and the preview's **Retry failed** button).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..engine.results import RowResult, results_frame
from ..errors import InputError

if TYPE_CHECKING:
    from .plan import EventUpdatePlan

__all__ = ["RETRYABLE", "failed_rows_plan", "merge_retry_results"]

RETRYABLE: frozenset[str] = frozenset({"failed", "cancelled", "conflict"})
"""Result statuses that Retry failed sends again (``invalid`` rows need an edit first; a
``conflict`` row is re-read and merged again)."""


def failed_rows_plan(plan: EventUpdatePlan) -> tuple[EventUpdatePlan, list[int]]:
    """Plan the rows of ``plan.results`` that did not succeed (:data:`RETRYABLE`), to send again.

    Returns
    -------
    (EventUpdatePlan, list of int)
        The plan of those rows (same payloads, accounts, options) and their positions in
        ``plan``.
    """
    if plan.results is None:
        raise InputError("the plan has not been applied yet: no row has failed")
    statuses = plan.results["status"].tolist()
    payloads = plan.rows.payloads
    positions = [i for i, s in enumerate(statuses) if s in RETRYABLE and payloads[i] is not None]
    sub = plan.subset(
        positions, problems=[[] for _ in positions], statuses=["send"] * len(positions)
    )
    return sub, positions


def _row_results(frame: pd.DataFrame) -> list[RowResult]:
    names = ("status", "http_status", "error", "attempts", "response", "merged")
    columns: list[list[Any]] = [
        frame[name].tolist() if name in frame.columns else [None] * len(frame) for name in names
    ]
    return [
        RowResult(
            status=str(status),
            http_status=None if pd.isna(code) else int(code),
            error=None if pd.isna(error) else str(error),
            attempts=int(attempts),
            response=response,
            merged=None if merged is None or pd.isna(merged) else str(merged),
        )
        for status, code, error, attempts, response, merged in zip(*columns, strict=True)
    ]


def merge_retry_results(
    results: pd.DataFrame, positions: Sequence[int], retried: pd.DataFrame
) -> pd.DataFrame:
    """Put the results of a retry back into the full results frame (attempts add up).

    Parameters
    ----------
    results : pandas.DataFrame
        The results frame of the whole plan.
    positions : sequence of int
        The positions in ``results`` of the rows that were sent again, in ``retried`` order.
    retried : pandas.DataFrame
        The results frame of the retry.

    Returns
    -------
    pandas.DataFrame
        A new results frame with the retried rows replaced.
    """
    rows = _row_results(results)
    for position, new in zip(positions, _row_results(retried), strict=True):
        rows[position] = replace(new, attempts=rows[position].attempts + new.attempts)
    return results_frame(results.index, rows)
