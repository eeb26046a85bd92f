"""What a plan changes, field by field: before -> after, for the preview and ``plan.changes``.

Objects are listed leaf by leaf (``location.address.city``); lists and ``remote_data`` are one
entry each, as they are sent whole. Fields that are sent only because the integration requires
them, and already hold the value, are not changes and are left out.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from ..frame.times import parse_time, wall_clock
from .baseline import same_value
from .time_rules import TIME_FIELDS, row_zone

__all__ = [
    "CHANGE_COLUMNS",
    "FieldChange",
    "changes_by_row",
    "changes_frame",
    "display_time",
    "display_value",
    "field_changes",
    "time_change_text",
]


class FieldChange(typing.NamedTuple):
    """One field of one row that a plan changes.

    Attributes
    ----------
    column : str
        The flat column name (``location.address.city``); a list is one column (``attendees``).
    before : Any
        The current value (``None`` when empty, or when there is no baseline).
    after : Any
        The value that will be sent.
    zone : str or None
        For ``start_time`` / ``end_time``: the event's time zone, in which the preview shows
        both values (``09:00 -> 10:00 Europe/Berlin``); ``None`` for other fields.
    """

    column: str
    before: Any
    after: Any
    zone: str | None = None


def _leaves(prefix: str, value: Any, out: dict[str, Any]) -> None:
    # Objects become one entry per leaf; lists and scalars are one entry each.
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            _leaves(f"{prefix}.{key}", item, out)
    else:
        out[prefix] = value


def field_changes(
    payload: Mapping[str, Any], current: Mapping[str, Any] | None
) -> list[FieldChange]:
    """List what a body changes, leaf by leaf, for a preview (before -> after).

    Parameters
    ----------
    payload : mapping
        The body that will be sent.
    current : mapping or None
        The current event; ``None`` when unknown (every leaf is listed with ``before=None``).

    Returns
    -------
    list of FieldChange
        Fields that are sent but already hold the value (required fields) are left out.
    """
    changes: list[FieldChange] = []
    zone = row_zone(payload, current)
    for field, value in payload.items():
        field_zone = zone if field in TIME_FIELDS else None
        after: dict[str, Any] = {}
        before: dict[str, Any] = {}
        now = current.get(field) if current is not None else None
        if field == "remote_data" or not isinstance(value, Mapping):
            after[field], before[field] = value, now
        else:
            _leaves(field, value, after)
            _leaves(field, now, before)
        for column, new in after.items():
            old = before.get(column)
            if current is None or not same_value(new, old, field):
                before_value = old if current is not None else None
                changes.append(FieldChange(column, before_value, new, field_zone))
        for column, old in before.items():
            if column not in after and current is not None and old is not None:
                changes.append(FieldChange(column, old, None, field_zone))
    return changes


def changes_by_row(
    statuses: Sequence[str],
    payloads: Sequence[Mapping[str, Any] | None],
    baselines: Sequence[Mapping[str, Any] | None] | None,
) -> list[tuple[int, list[FieldChange]]]:
    """List the changes of every row that will be sent, by position.

    Parameters
    ----------
    statuses, payloads : sequence
        A plan's per-row state, in input order (status ``send`` rows are listed).
    baselines : sequence or None
        Each row's current event, by position; ``None`` when the plan has no baseline.

    Returns
    -------
    list of (int, list of FieldChange)
        The row's position in the input and its changes, in input order.
    """
    out: list[tuple[int, list[FieldChange]]] = []
    for position, (status, payload) in enumerate(zip(statuses, payloads, strict=True)):
        if status != "send" or payload is None:
            continue
        current = baselines[position] if baselines is not None else None
        out.append((position, field_changes(payload, current)))
    return out


CHANGE_COLUMNS: tuple[str, ...] = ("row", "id", "column", "before", "after", "zone")
"""The columns of a plan's ``changes`` frame (``zone``: the event's, for time columns)."""


def changes_frame(
    index: pd.Index,
    statuses: Sequence[str],
    event_ids: Sequence[str | None],
    payloads: Sequence[Mapping[str, Any] | None],
    baselines: Sequence[Mapping[str, Any] | None] | None,
) -> pd.DataFrame:
    """Build a plan's ``changes`` frame: one line per field a row to send changes.

    Parameters
    ----------
    index : pandas.Index
        The input frame's index (its labels fill the ``row`` column).
    statuses, payloads, baselines
        As for :func:`changes_by_row`.
    event_ids : sequence
        Each row's event id (fills the ``id`` column).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS`; ``before`` and ``after`` hold JSON values (object dtype);
        ``zone`` the event's time zone on ``start_time``/``end_time`` lines (else missing).
    """
    records = [
        (
            index[position],
            event_ids[position],
            change.column,
            change.before,
            change.after,
            change.zone,
        )
        for position, changes in changes_by_row(statuses, payloads, baselines)
        for change in changes
    ]
    frame = pd.DataFrame.from_records(records, columns=list(CHANGE_COLUMNS))
    return frame.astype({"before": object, "after": object, "zone": object})


def display_value(value: Any) -> str:
    """Spell a JSON value as preview text: lists and objects as compact JSON, null as ``∅``."""
    if value is None:
        return "∅"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def display_time(value: Any, zone: str | None) -> str:
    """Spell a time as the event's own wall clock: ``2026-12-10 09:00`` (``∅`` for null).

    Parameters
    ----------
    value : Any
        A ``start_time`` / ``end_time`` value (ISO 8601 text); other values as
        :func:`display_value` spells them.
    zone : str or None
        The event's time zone; an aware time is shown in it, a date as the date.
    """
    if not isinstance(value, str):
        return display_value(value)
    return wall_clock(value, zone)


def time_change_text(before: Any, after: Any, zone: str | None, arrow: str = "→") -> str:
    """Spell a changed time in the event's zone: ``2026-12-10 09:00 → 10:00 Europe/Berlin``.

    The date is written once when both sides fall on the same day; without a before value
    (no baseline) only the new time is given; a date gets ``(all day)``. ``arrow`` joins them
    (the command line passes ``->``).
    """
    new = display_time(after, zone)
    parsed = parse_time(after) if isinstance(after, str) else None
    suffix = f" {zone}" if zone and isinstance(parsed, datetime) else ""
    if parsed is not None and not isinstance(parsed, datetime):
        suffix = " (all day)"
    if before is None:
        return f"{new}{suffix}"
    old = display_time(before, zone)
    if len(old) > 10 and len(new) > 10 and old[:10] == new[:10]:
        new = new[11:]
    return f"{old} {arrow} {new}{suffix}"
