"""What a plan does after an apply: plan its undo, plan its failed rows, and retry them.

:class:`PlanFollowUps` holds these methods of :class:`~truto_frame.planning.plan.EventUpdatePlan`
(a mixin it inherits beside :class:`~truto_frame.planning.actions.PlanActions`); they call
:mod:`~truto_frame.planning.undo` and :mod:`~truto_frame.planning.failed_rows` through the
plan's public face.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from ..errors import ApplyInterrupted
from .failed_rows import failed_rows_plan, merge_retry_results
from .interruption import interrupted_message
from .undo import build_undo_plan

if TYPE_CHECKING:
    import httpx

    from ..api.budgets import RateLimits
    from ..api.retry import RetryPolicy
    from ..engine.journal import Journal
    from ..engine.results import RowResult
    from .plan import EventUpdatePlan

__all__ = ["PlanFollowUps"]


class PlanFollowUps:
    """The follow-ups of an applied :class:`~truto_frame.planning.plan.EventUpdatePlan`.

    A mixin the plan inherits: undo, the failed rows, and their retry.
    """

    # What the follow-ups read of the plan (set by EventUpdatePlan).
    found_conflicts: dict[int, tuple[Any, ...]]
    prewrite_events: dict[int, dict[str, Any]]
    results: pd.DataFrame | None

    def _plan(self) -> EventUpdatePlan:
        # The verbs' modules take the plan itself; this mixin is only ever an EventUpdatePlan.
        return cast("EventUpdatePlan", self)

    def undo(self) -> EventUpdatePlan:
        """Plan the update that puts back the baseline values of the rows this plan updated.

        Returns
        -------
        EventUpdatePlan
            One row per ``updated`` row of :attr:`results`, same index labels; send it with
            ``apply()`` like any plan.

        Raises
        ------
        InputError
            If the plan has no baseline, has not been applied, or was applied with a
            ``response_format`` other than ``"unified"``.
        """
        return build_undo_plan(self._plan())

    def failed_rows(self) -> EventUpdatePlan:
        """Plan the rows whose result is ``failed`` or ``cancelled``, to send them again.

        Returns
        -------
        EventUpdatePlan
            The same bodies, accounts and options, one row per such row, same index labels;
            empty when every row went through. ``invalid`` rows are not in it: they need an
            edit first.

        Raises
        ------
        InputError
            If the plan has not been applied.
        """
        return failed_rows_plan(self._plan())[0]  # raises InputError before an apply

    def retry_failed(
        self,
        *,
        progress: bool | None = None,
        journal: str | Journal | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        on_result: Callable[[Hashable, RowResult], None] | None = None,
        on_conflict: str = "skip",
    ) -> pd.DataFrame:
        """Send again the rows that failed, were cancelled or conflicted; update :attr:`results`.

        Takes the options of :meth:`apply`. Rows that succeeded are not sent again; a
        ``conflict`` row is read and merged again (``on_conflict="overwrite"`` forces it).

        Returns
        -------
        pandas.DataFrame
            The whole results frame, one row per input row as after :meth:`apply`, with the
            retried rows' new outcomes (their ``attempts`` add up over both runs).

        Raises
        ------
        InputError
            If the plan has not been applied.
        ApplyInterrupted
            On Ctrl-C, as :meth:`apply`; :attr:`results` then holds the merged frame.

        Examples
        --------
        >>> results = plan.apply()  # doctest: +SKIP
        >>> results = plan.retry_failed()  # doctest: +SKIP
        """
        sub, positions = failed_rows_plan(self._plan())  # raises InputError before an apply
        assert self.results is not None
        if positions:
            try:
                retried = sub.apply(
                    progress=progress,
                    journal=journal,
                    transport=transport,
                    limits=limits,
                    retry=retry,
                    timeout=timeout,
                    on_result=on_result,
                    on_conflict=on_conflict,
                )
            except ApplyInterrupted as stop:
                # Keep what the retry landed in the whole frame, then stop like apply() does.
                self.results = merge_retry_results(self.results, positions, stop.results)
                message = interrupted_message(self.results, journal)
                raise ApplyInterrupted(message, self.results) from None
            found = {positions[i]: found for i, found in sub.found_conflicts.items()}
            kept = {p: c for p, c in self.found_conflicts.items() if p not in set(positions)}
            self.found_conflicts = {**kept, **found}
            for i, event in sub.prewrite_events.items():
                # The first read stays: a retried row's PATCH may already have landed (an
                # answer lost on the way), so a later read can hold our own write.
                self.prewrite_events.setdefault(positions[i], event)
            self.results = merge_retry_results(self.results, positions, retried)
        return self.results
