"""Times to compute with: each row's ``start_time`` / ``end_time`` as a Timestamp in its own zone.

A frame from :func:`~truto_frame.read_events` holds times as the API's text (see
:mod:`truto_frame.frame.times`), which pandas cannot add an hour to. :func:`local_times` gives
one column as tz-aware Timestamps, each in its row's ``timezone``, so that arithmetic keeps the
event's zone and offset (no "offset is not the event's zone" warnings), and writing the result
back means exactly that instant::

    edited["start_time"] = truto_frame.local_times(events, "start_time") + pd.Timedelta(hours=1)

An all-day date becomes midnight in the event's zone: a shift by whole calendar days
(``pd.DateOffset(days=1)``) lands on midnight again and is sent as the new date; a shift by
hours gives a time of day, which the plan stops for that row instead of turning a holiday into
a timed event. ``pd.Timedelta(days=1)`` is 24 elapsed hours: across a clock change it moves a
09:00 meeting to 10:00 (or 08:00) and a date to 01:00; :func:`~truto_frame.frame.shift.shift_times`
moves by wall-clock time instead.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from .cells import normalize_cell
from .times import in_zone, zone_info

__all__ = ["local_times"]


def local_times(
    df: pd.DataFrame, column: str = "start_time", *, zone_column: str = "timezone"
) -> pd.Series:
    """One time column as tz-aware Timestamps, each row in its own zone.

    Parameters
    ----------
    df : pandas.DataFrame
        Events, e.g. from :func:`~truto_frame.read_events`.
    column : str, default "start_time"
        The time column (``"start_time"`` or ``"end_time"``).
    zone_column : str, default "timezone"
        The column naming each row's zone; a row without one is read in UTC.

    Returns
    -------
    pandas.Series
        Object dtype, same index: a ``Timestamp`` in the row's zone (an all-day date as
        midnight there), ``NaT`` for an empty cell, ``NULL`` or text that is not a time.

    Raises
    ------
    KeyError
        When ``column`` is not in the frame.

    Examples
    --------
    >>> later = truto_frame.local_times(events) + pd.Timedelta(hours=1)  # doctest: +SKIP
    """
    n = len(df)
    zones = df[zone_column].tolist() if zone_column in df.columns else [None] * n
    values: list[object] = []
    for raw, zone in zip(df[column].tolist(), zones, strict=True):
        cell = normalize_cell(raw)
        name = zone if isinstance(zone, str) else None
        value = in_zone(cell, name) if isinstance(cell, str) else None
        if value is None:
            values.append(pd.NaT)
        elif isinstance(value, datetime):
            values.append(pd.Timestamp(value))
        else:  # a date: midnight in the event's zone
            tz = zone_info(name) or timezone.utc
            values.append(pd.Timestamp(datetime(value.year, value.month, value.day, tzinfo=tz)))
    return pd.Series(values, index=df.index, dtype=object, name=column)
