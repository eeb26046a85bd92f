"""What a plan changes, field by field: before -> after, for the preview and ``plan.changes``.

Objects are listed leaf by leaf (``location.address.city``); lists and ``remote_data`` are one
entry each, as they are sent whole. Fields that are sent only because the integration requires
them, and already hold the value, are not changes and are left out.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .baseline import request_shape, same_value

__all__ = [
    "CHANGE_COLUMNS",
    "FieldChange",
    "changes_by_row",
    "changes_frame",
    "display_value",
    "field_changes",
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
    """

    column: str
    before: Any
    after: Any


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
    for field, value in payload.items():
        after: dict[str, Any] = {}
        before: dict[str, Any] = {}
        now = request_shape(field, current.get(field)) if current is not None else None
        if field == "remote_data" or not isinstance(value, Mapping):
            after[field], before[field] = value, now
        else:
            _leaves(field, value, after)
            _leaves(field, now, before)
        for column, new in after.items():
            old = before.get(column)
            if current is None or not same_value(new, old, field):
                changes.append(FieldChange(column, old if current is not None else None, new))
        for column, old in before.items():
            if column not in after and current is not None and old is not None:
                changes.append(FieldChange(column, old, None))
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


CHANGE_COLUMNS: tuple[str, ...] = ("row", "id", "column", "before", "after")
"""The columns of a plan's ``changes`` frame."""


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
        Columns :data:`CHANGE_COLUMNS`; ``before`` and ``after`` hold JSON values (object dtype).
    """
    records = [
        (index[position], event_ids[position], change.column, change.before, change.after)
        for position, changes in changes_by_row(statuses, payloads, baselines)
        for change in changes
    ]
    frame = pd.DataFrame.from_records(records, columns=list(CHANGE_COLUMNS))
    return frame.astype({"before": object, "after": object})


def display_value(value: Any) -> str:
    """Spell a JSON value as preview text: lists and objects as compact JSON, null as ``∅``."""
    if value is None:
        return "∅"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
