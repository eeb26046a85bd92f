"""Recurring series edited instance by instance: rarely what was meant, so the plan says so.

A frame from :func:`~truto_frame.read_events` holds a weekly series as its master (the row with
the ``recurrence``) and its instances (rows whose ``parent_event.id`` is the master). Editing
the instances one by one ("rename every 'Weekly sync' row") turns each into an exception of the
series: the providers keep them apart from the series for good, and a later edit of the series
no longer reaches them. :func:`series_notes` finds the series whose instances a plan changes
one by one, when the series itself is in the frame or when many of its instances are, and says
it in one line each, for ``plan.warnings`` (the preview and the command line show them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..frame.cells import normalize_cell
from ..model.sentinels import MISSING

__all__ = ["MANY_INSTANCES", "frame_parents", "series_notes"]

MANY_INSTANCES = 3
"""From this many instances of one series in a plan, the plan warns even without the series."""


def _parent_id(value: Any) -> str | None:
    # A parent_event cell or value: {"id": ...}, its JSON text, or the id itself.
    cell = normalize_cell(value)
    if cell is MISSING or cell is None:
        return None
    if isinstance(cell, str) and cell.lstrip().startswith("{"):
        try:
            cell = json.loads(cell)
        except json.JSONDecodeError:
            return None
    if isinstance(cell, Mapping):
        cell = cell.get("id")
    return None if cell is None or cell == "" else str(cell)


def frame_parents(df: pd.DataFrame) -> list[str | None]:
    """Each row's series (its ``parent_event.id``) as the frame holds it.

    Parameters
    ----------
    df : pandas.DataFrame
        The frame to plan.

    Returns
    -------
    list of str or None
        ``None`` for a row that is not an instance, or when the frame does not say.
    """
    for column in ("parent_event.id", "parent_event"):
        if column in df.columns:
            return [_parent_id(v) for v in df[column].tolist()]
    return [None] * len(df)


def _title(event: Mapping[str, Any] | None) -> str | None:
    title = event.get("title") if event is not None else None
    return title if isinstance(title, str) and title else None


def series_notes(
    statuses: Sequence[str],
    accounts: Sequence[str | None],
    event_ids: Sequence[str | None],
    currents: Sequence[Mapping[str, Any] | None],
    parents: Sequence[str | None],
    lookup: Mapping[tuple[str | None, str], Mapping[str, Any]] | None = None,
) -> list[str]:
    """Say which series a plan edits instance by instance.

    Parameters
    ----------
    statuses, accounts, event_ids : sequence
        The plan's per-row status (``send`` rows count), account and event id.
    currents : sequence
        Each row's current event (baseline), or ``None``.
    parents : sequence
        Each row's series id as the frame holds it (:func:`frame_parents`); the current
        event's ``parent_event`` is used where the frame does not say.
    lookup : mapping, optional
        The baseline, to name a series that is not a row of the frame.

    Returns
    -------
    list of str
        One sentence per series whose instances are sent one by one, when the series itself
        is a row of the frame or at least :data:`MANY_INSTANCES` instances are.
    """
    by_series: dict[tuple[str | None, str], list[Mapping[str, Any] | None]] = {}
    for position, (status, account, parent) in enumerate(
        zip(statuses, accounts, parents, strict=True)
    ):
        if status != "send":
            continue  # only rows to send read their current event (others are never rebuilt)
        current = currents[position]
        if current is not None and parent is None:
            parent = _parent_id(current.get("parent_event"))
        if parent is None:
            continue
        by_series.setdefault((account, parent), []).append(current)
    if not by_series:
        return []  # the common case: no instance among the rows sent
    in_frame = {(a, e) for a, e in zip(accounts, event_ids, strict=True) if e is not None}
    notes: list[str] = []
    for (account, series), instances in by_series.items():
        count = len(instances)
        series_row = (account, series) in in_frame
        if count < MANY_INSTANCES and not series_row:
            continue
        master = None
        if lookup is not None:
            master = lookup.get((account, series)) or lookup.get((None, series))
        title = _title(master) or next((t for t in map(_title, instances) if t is not None), series)
        where = ", a row of this frame" if series_row else ""
        notes.append(
            f"{count} instance{'s' * (count != 1)} of {title!r} edited one by one: each "
            f"becomes an exception; edit the series row instead? (series id {series}{where})"
        )
    return notes
