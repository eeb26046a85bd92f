"""The ``df.truto`` namespace: thin forwarding to plain functions.

pandas builds a new accessor object on every ``df.truto`` access, so it holds nothing but the
frame; every method forwards to a function that the command line and notebooks call too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from .frame.attendees import attendees, with_attendees
from .frame.shift import shift_times
from .planning.build import build_plan
from .planning.plan import EventUpdatePlan

if TYPE_CHECKING:
    import httpx

__all__ = ["TrutoAccessor"]


@pd.api.extensions.register_dataframe_accessor("truto")
class TrutoAccessor:
    """Truto Unified Calendar operations on a DataFrame of events (``df.truto``)."""

    def __init__(self, pandas_obj: pd.DataFrame) -> None:
        self._df = pandas_obj

    def update_events(
        self,
        integrated_account_id: str | None = None,
        *,
        token: str | None = None,
        base_url: str | None = None,
        send_notifications: str | None = None,
        response_format: str = "unified",
        ignore_remote_data: bool = False,
        exclude_fields: Sequence[str] | None = None,
        remote_query: Mapping[str, Any] | None = None,
        concurrency: int = 16,
        baseline: pd.DataFrame | str | None = None,
        integration: str | Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> EventUpdatePlan:
        """Plan the update of every row's event; nothing is sent until ``plan.apply()``.

        See :func:`truto_frame.planning.build.build_plan` for the parameters.

        Returns
        -------
        EventUpdatePlan
        """
        return build_plan(
            self._df,
            integrated_account_id=integrated_account_id,
            token=token,
            base_url=base_url,
            send_notifications=send_notifications,
            response_format=response_format,
            ignore_remote_data=ignore_remote_data,
            exclude_fields=exclude_fields,
            remote_query=remote_query,
            concurrency=concurrency,
            baseline=baseline,
            integration=integration,
            transport=transport,
        )

    def attendees(self, with_columns: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per (event, attendee), the attendee's fields as flat columns.

        See :func:`truto_frame.frame.attendees.attendees`.

        Parameters
        ----------
        with_columns : sequence of str, optional
            Event columns to repeat on each attendee row (``["title", "start_time"]``).

        Returns
        -------
        pandas.DataFrame
        """
        return attendees(self._df, with_columns)

    def with_attendees(
        self, long: pd.DataFrame, *, missing: Literal["keep", "clear"] = "keep"
    ) -> pd.DataFrame:
        """A copy of the frame whose attendee lists are rebuilt from a long frame.

        See :func:`truto_frame.frame.attendees.with_attendees`; plan it with
        ``update_events(baseline=df)``.

        Parameters
        ----------
        long : pandas.DataFrame
            One row per attendee, as :meth:`attendees` gives them (filtered, edited, added to).
        missing : {"keep", "clear"}, default "keep"
            An event with no rows in ``long``: untouched (``"keep"``) or left with no
            attendees (``"clear"``).

        Returns
        -------
        pandas.DataFrame
        """
        return with_attendees(self._df, long, missing=missing)

    def shift_times(self, by: str | timedelta | pd.Timedelta, rows: Any = None) -> pd.DataFrame:
        """A copy of the frame whose events are moved in time by ``by``, in their own zones.

        See :func:`truto_frame.frame.shift.shift_times`: a timed event moves on its own wall
        clock and is written with its zone's offset; an all-day event moves by whole days.

        Parameters
        ----------
        by : str, datetime.timedelta or pandas.Timedelta
            How far: ``"1h"``, ``"-30min"``, ``pd.Timedelta(days=7)``.
        rows : boolean Series, array or sequence of index labels, optional
            Which rows to move; default: every row.

        Returns
        -------
        pandas.DataFrame
        """
        return shift_times(self._df, by, rows)
