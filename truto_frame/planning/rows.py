"""A plan's rows by position, and the names of the columns a plan reads specially.

:class:`PlanRows` is what the verbs of a plan (sending, the preflight, undo, retry-failed, the
preview) read of it; :class:`IgnoredColumn` says why an input column is not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["ACCOUNT_COLUMN", "ID_COLUMN", "PROBLEM_COLUMNS", "IgnoredColumn", "PlanRows"]

ID_COLUMN = "id"
ACCOUNT_COLUMN = "integrated_account_id"
PROBLEM_COLUMNS = ["row", "column", "message"]


@dataclass(frozen=True)
class IgnoredColumn:
    """A column of the input that is not part of the update body, and why."""

    column: str
    reason: str


@dataclass(frozen=True)
class PlanRows:
    """A plan's rows by position: what the verbs (send, check, undo, retry, preview) read.

    Every list has one item per input row, in input order; position ``i`` of each describes
    the row labelled ``index[i]`` (labels may repeat, positions never do). The preflight
    updates ``statuses``, ``payloads`` and ``problems`` in place.

    Attributes
    ----------
    index : pandas.Index
        The input frame's index.
    event_ids, accounts : list of str or None
        Each row's event id and integrated account.
    payloads : list of dict or None
        The body to send (``None`` where the row is not sent).
    problems : list of list of (column, message)
        Why each row cannot be sent (empty when it can).
    statuses : list of str
        ``send``, ``invalid`` or ``skipped``.
    baselines : sequence of dict or None, or None
        Each row's current event when the plan has a baseline, else ``None``.
    skip_reasons : list of str or None
        Why each ``skipped`` row is not sent.
    warnings : list of list of (column, message), or None
        What each row sends but probably does not mean.
    """

    index: pd.Index
    event_ids: list[str | None]
    accounts: list[str | None]
    payloads: list[dict[str, Any] | None]
    problems: list[list[tuple[str, str]]]
    statuses: list[str]
    baselines: Sequence[dict[str, Any] | None] | None
    skip_reasons: list[str | None]
    warnings: list[list[tuple[str, object]]] | None
