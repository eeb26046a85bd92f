"""A frame read from the API is never sent back whole: it is diffed against what was read.

A frame from :func:`~truto_frame.read_events` (and every copy, slice or ``assign`` of it)
carries a handle to the events as read (:mod:`truto_frame.frame.provenance`). Planned without
``baseline=``, it is diffed against that snapshot exactly as if ``baseline=`` had been given
the frame as read: ``events.copy()`` with one edited cell sends one PATCH holding that field
(plus what the integration requires), never ``remote_data``, ``NULL`` clears and whole
attendee lists copied from the read.

A frame that has no snapshot but holds read-only columns (``created_at``, ``updated_at``,
``organizer``...) looks like a read frame that lost its record (``pd.concat`` of two reads,
a CSV written by ``truto-frame read-events``): :func:`refuse_read_only_columns` stops it and
names ``baseline=``, since sending it would write every filled cell back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import InputError
from ..frame.columns import parse_column
from ..frame.provenance import ReadSnapshot
from ..model.schema import RESPONSE_ONLY_FIELDS
from .baseline import BaselineKey, baseline_lookup
from .frame_baseline import FrameBaseline
from .unchanged import prefilter_active

__all__ = [
    "READ_ONLY_HINT",
    "ReadBaseline",
    "read_only_columns",
    "refuse_read_only_columns",
    "snapshot_baseline",
]

READ_ONLY_HINT = (
    "pass baseline= (the frame read_events returned; --baseline FILE on the command line) to "
    "send only what changed"
)


class ReadBaseline(dict[BaselineKey, dict[str, Any]]):
    """A baseline lookup made from a read snapshot; says so when an event is missing."""

    missing_hint = (
        "is not among the events read_events returned for this frame; read it again with a "
        "window that covers it, or pass baseline= explicitly"
    )


def snapshot_baseline(snapshot: ReadSnapshot) -> Mapping[BaselineKey, dict[str, Any]]:
    """The baseline lookup of a read snapshot, built once per snapshot.

    Parameters
    ----------
    snapshot : ReadSnapshot
        From :func:`~truto_frame.frame.provenance.snapshot_of`.

    Returns
    -------
    mapping
        ``(account, event id)`` -> the event as read, as :func:`baseline_lookup` gives it: a
        :class:`~truto_frame.planning.frame_baseline.FrameBaseline` on the fast path, else a
        :class:`ReadBaseline`.
    """
    if prefilter_active():
        # The fast path: the frame as read, events rebuilt when a plan reads them (kept for
        # the next plan of the same snapshot).
        frame = snapshot.cache.get("frame_lookup")
        if not isinstance(frame, FrameBaseline):
            frame = FrameBaseline(snapshot.frame, missing_hint=ReadBaseline.missing_hint)
            snapshot.cache["frame_lookup"] = frame
        return frame
    cached = snapshot.cache.get("lookup")
    if not isinstance(cached, ReadBaseline):
        cached = ReadBaseline(baseline_lookup(snapshot.frame))
        snapshot.cache["lookup"] = cached
    return cached


def _read_only(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    try:
        top = parse_column(name)[0]
    except ValueError:
        return False
    return top != "id" and top in RESPONSE_ONLY_FIELDS


def read_only_columns(df: pd.DataFrame) -> list[str]:
    """Name the read-only columns of ``df`` that hold at least one value.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    list of str
        In frame order; ``id`` is not one (it says which event a row is).
    """
    return [str(c) for c in df.columns if _read_only(c) and bool(df[c].notna().any())]


def refuse_read_only_columns(df: pd.DataFrame, *, limit: int = 6) -> None:
    """Stop a frame that holds read-only values but no record of what was read.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame planned without ``baseline=`` and without a read snapshot.
    limit : int, default 6
        How many field names the message lists.

    Raises
    ------
    InputError
        When ``df`` holds values in read-only columns.
    """
    columns = read_only_columns(df)
    if not columns:
        return
    # One name per field: organizer.id, organizer.name... are all "organizer".
    names = list(dict.fromkeys(str(parse_column(c)[0]) for c in columns))
    listed = ", ".join(names[:limit]) + (
        f" and {len(names) - limit} more" if len(names) > limit else ""
    )
    raise InputError(
        f"this frame holds read-only columns ({listed}) as a frame read from the API does, "
        "but no record of what was read, so every filled cell would be sent back (remote_data, "
        f"NULL clears, whole attendee lists): {READ_ONLY_HINT}, or drop the read-only columns "
        "to send every filled cell as it is"
    )
