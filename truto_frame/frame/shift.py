"""Moving events in time: every row's ``start_time`` and ``end_time`` shifted by one amount.

``read_events`` keeps times as the API's text (``2026-12-10T09:00:00+01:00``, ``2026-12-10``
for an all-day event), so ``df["start_time"] + pd.Timedelta(hours=1)`` does not work, and the
pandas way round it (``pd.to_datetime(..., utc=True) + ...``) writes UTC instants: right, but
each one on a non-UTC event gets a warning that its offset is not the event's zone, and an
all-day date becomes a time of day at 01:00 UTC. :func:`shift_times` does the arithmetic on the
event's own wall clock and writes the result the way the API writes times:

* a timed event moves on its own wall clock (09:00 Berlin + 1 hour is 10:00 Berlin, also on
  the day the clocks change) and is written with that zone's offset;
* an all-day event moves by whole days (its dates change); a shift that is not whole days
  leaves it as it is, with a warning naming it, because a holiday cannot start at 01:00;
* a naive time (typed local time) stays naive; an empty cell stays empty.
"""

from __future__ import annotations

import inspect
import os
import warnings
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from ..errors import InputError
from ..model.sentinels import MISSING
from ..model.zones import iana_zone
from .cells import normalize_cell
from .times import in_zone, localize, parse_time

__all__ = ["shift_times"]

_TIME_COLUMNS = ("start_time", "end_time")


def _text(value: Any) -> str | None:
    # The cell as time text; None for an empty cell or NULL (nothing to move).
    cell = normalize_cell(value)
    if cell is MISSING or cell is None:
        return None
    return cell if isinstance(cell, str) else str(cell)


def _zone(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return iana_zone(value.strip())


def _shift_one(text: str, by: timedelta, zone: str | None) -> str:
    value = parse_time(text)
    if value is None:
        return text  # not a time: the plan says what is wrong with it
    if not isinstance(value, datetime):
        return (value + timedelta(days=by.days)).isoformat()
    if value.tzinfo is None:
        return (value + by).isoformat()
    local = in_zone(text, zone) if zone else None
    if not isinstance(local, datetime):
        return (value + by).isoformat()  # no zone known: move the instant, keep its offset
    moved = (local.replace(tzinfo=None) + by).isoformat()
    return localize(moved, zone)


def _caller_level() -> int:
    # Point the warning at the user's line, past this package's frames (df.truto forwards).
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    level, frame = 1, inspect.currentframe()
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        level, frame = level + 1, frame.f_back
    return level - 1


def shift_times(
    df: pd.DataFrame,
    by: str | timedelta | pd.Timedelta,
    rows: Any = None,
) -> pd.DataFrame:
    """Return a copy of ``df`` whose events are moved in time by ``by``.

    Parameters
    ----------
    df : pandas.DataFrame
        Events with ``start_time`` and/or ``end_time`` (a frame from ``read_events``, a CSV,
        your own), and ideally ``timezone``.
    by : str, datetime.timedelta or pandas.Timedelta
        How far: ``"1h"``, ``pd.Timedelta(days=7)``, ``"-30min"``.
    rows : boolean Series, array or sequence of index labels, optional
        Which rows to move (``df["title"] == "Weekly team sync"``); default: every row.

    Returns
    -------
    pandas.DataFrame
        A copy (it keeps what ``read_events`` remembered, so ``update_events()`` still sends
        only what changed) whose time cells are text: a timed event moved on its own wall
        clock and written with its zone's offset (``2026-12-10T10:00:00+01:00``), an all-day
        event's dates moved by whole days, a naive time moved and left naive.

    Raises
    ------
    InputError
        If ``df`` has neither ``start_time`` nor ``end_time``, or ``by`` is not a duration.

    Warns
    -----
    UserWarning
        When ``by`` is not a whole number of days and some rows are all-day events: those
        rows are left as they are (shift them by whole days, or give them times).

    Examples
    --------
    >>> later = events.truto.shift_times("1h")  # doctest: +SKIP
    >>> plan = later.truto.update_events()  # doctest: +SKIP
    """
    columns = [c for c in _TIME_COLUMNS if c in df.columns]
    if not columns:
        raise InputError("shift_times needs a start_time or end_time column")
    try:
        delta = pd.Timedelta(by).to_pytimedelta()
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"shift_times: {by!r} is not a duration; give e.g. '1h', '-30min' or "
            "pd.Timedelta(days=7)"
        ) from exc
    whole_days = delta == timedelta(days=delta.days)
    out = df.copy()
    selected = df.index if rows is None else df.loc[rows].index
    for column in columns:
        out[column] = out[column].astype(object)
    zones = df["timezone"] if "timezone" in df.columns else pd.Series(None, index=df.index)
    kept: list[Any] = []
    positions = [int(p) for p in df.index.get_indexer_for(selected)]
    for position in positions:
        texts = {c: _text(df[c].iat[position]) for c in columns}
        dated = any(t is not None and len(t.strip()) == 10 for t in texts.values())
        if dated and not whole_days:
            kept.append(df.index[position])
            continue
        zone = _zone(zones.iat[position])
        for column, text in texts.items():
            if text is not None:
                out.iloc[position, out.columns.get_loc(column)] = _shift_one(text, delta, zone)
    if kept:
        shown = ", ".join(str(label) for label in kept[:5]) + (" ..." if len(kept) > 5 else "")
        many = len(kept) != 1
        warnings.warn(
            f"{len(kept)} all-day row{'s' if many else ''} left as "
            f"{'they are' if many else 'it is'} (row{'s' if many else ''} {shown}): "
            "an all-day event moves by whole days, not "
            f"{by!s}; move {'them' if many else 'it'} with a number of days (rows= selects rows)",
            UserWarning,
            stacklevel=_caller_level(),
        )
    return out
