"""What a plan holds, row by row, as pandas: bodies, ids, accounts, problems, statuses, changes.

:class:`PlanViews` holds these read-only views of
:class:`~truto_frame.planning.plan.EventUpdatePlan` (a mixin it inherits): each is built on
demand from the plan's :class:`~truto_frame.planning.rows.PlanRows`, indexed like the input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .changes import changes_frame
from .rows import ACCOUNT_COLUMN, PROBLEM_COLUMNS, PlanRows

if TYPE_CHECKING:
    from ..api.options import RequestOptions

__all__ = ["PlanViews"]


class PlanViews:
    """The row-by-row views of :class:`~truto_frame.planning.plan.EventUpdatePlan` (a mixin)."""

    # What the views read of the plan (set by EventUpdatePlan).
    rows: PlanRows
    options: RequestOptions

    @property
    def has_baseline(self) -> bool:
        """Whether the plan was diffed against a ``baseline=`` (and so can be undone)."""
        return self.rows.baselines is not None

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` can be built once applied: a baseline and unified responses."""
        return self.rows.baselines is not None and self.options.response_format == "unified"

    @property
    def baselines(self) -> pd.Series:
        """Each row's event as it was in the baseline (``None`` where none, or no baseline)."""
        values = (
            list(self.rows.baselines)
            if self.rows.baselines is not None
            else [None] * len(self.rows.index)
        )
        return pd.Series(values, index=self.rows.index, dtype=object, name="baseline")

    def baseline_of(self, position: int) -> dict[str, Any] | None:
        """The baseline event of the row at ``position`` (``None`` where it has none).

        Unlike :attr:`baselines`, rebuilds no other row's event (a plan against a baseline
        frame rebuilds each event when it is first read).
        """
        return self.rows.baselines[position] if self.rows.baselines is not None else None

    @property
    def skip_reasons(self) -> pd.Series:
        """Why each ``skipped`` row is not sent (``None`` for the other rows)."""
        return pd.Series(
            self.rows.skip_reasons, index=self.rows.index, dtype=object, name="skip_reason"
        )

    @property
    def payloads(self) -> pd.Series:
        """The exact JSON body of each row (``None`` where the row is not sent)."""
        return pd.Series(self.rows.payloads, index=self.rows.index, dtype=object, name="payload")

    @property
    def event_ids(self) -> pd.Series:
        """The event id of each row."""
        return pd.Series(self.rows.event_ids, index=self.rows.index, dtype=object, name="id")

    @property
    def accounts(self) -> pd.Series:
        """The integrated account id of each row."""
        return pd.Series(
            self.rows.accounts, index=self.rows.index, dtype=object, name=ACCOUNT_COLUMN
        )

    @property
    def problems(self) -> pd.DataFrame:
        """Every validation problem, one row each: ``row``, ``column``, ``message``."""
        records = [
            (label, column, message)
            for label, row in zip(self.rows.index, self.rows.problems, strict=True)
            for column, message in row
        ]
        return pd.DataFrame.from_records(records, columns=PROBLEM_COLUMNS)

    @property
    def row_warnings(self) -> pd.DataFrame:
        """What rows send but probably do not mean, one per line: ``row``, ``column``, ``message``.

        A warning does not stop its row (``09:00+00:00`` on a Europe/Berlin event is sent as
        that instant, 10:00 in Berlin); fix the cell and plan again when it is not what you meant.
        Rows that are not sent (invalid, unchanged) have none: their problems say what to fix.
        """
        rows = self.rows.warnings or [[] for _ in self.rows.index]
        # Messages are spelled out here, when asked for (see time_rules.OffsetNote).
        records = [
            (label, column, str(message))
            for label, row, status in zip(self.rows.index, rows, self.rows.statuses, strict=True)
            if status == "send"
            for column, message in row
        ]
        return pd.DataFrame.from_records(records, columns=PROBLEM_COLUMNS)

    @property
    def statuses(self) -> pd.Series:
        """What the plan will do with each row: ``send``, ``invalid`` or ``skipped``."""
        return pd.Series(self.rows.statuses, index=self.rows.index, dtype="string", name="plan")

    @property
    def is_valid(self) -> pd.Series:
        """Boolean Series: True where the row has no problem."""
        return pd.Series([not p for p in self.rows.problems], index=self.rows.index, name="valid")

    @property
    def counts(self) -> dict[str, int]:
        """How many rows will be sent, are invalid, or are skipped."""
        counts = {"send": 0, "invalid": 0, "skipped": 0}
        for status in self.rows.statuses:
            counts[status] += 1
        return counts

    @property
    def changes(self) -> pd.DataFrame:
        """What each row to send changes, one field per line: before -> after.

        Columns ``row`` (input index label), ``id``, ``column`` (flat name), ``before`` (the
        baseline value; ``None`` when empty or when the plan has no baseline) and ``after``.
        """
        return changes_frame(
            self.rows.index,
            self.rows.statuses,
            self.rows.event_ids,
            self.rows.payloads,
            self.rows.baselines,
        )
