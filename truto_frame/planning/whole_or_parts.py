"""Settle a ``NULL`` whole value against its own parts, when a baseline says which one changed.

A frame from :func:`~truto_frame.read_events` holds ``NULL`` in the ``location`` column of an
event that has no location, and the parts (``location.name`` ...) of one that has. Edit such a
frame and a row can end up with both: ``location`` is ``NULL`` *and* ``location.name`` is set.
Without a baseline that row is ambiguous and stays invalid. With one, the cells that still hold
the baseline's value are not edits, so only one reading is left:

* the ``NULL`` cell is unchanged (the event has no location now): clearing a field that is
  already null changes nothing, so the cell is dropped and the parts build the new object
  (the user gave a room to an event that had none);
* the parts are unchanged (they are what the event holds now) and the ``NULL`` is new: the
  parts are dropped and the field is cleared (the user cleared the location).

When both or neither changed, nothing is dropped and the row stays invalid with its message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..frame.cells import normalize_cell
from ..frame.columns import Path, parse_column
from ..model.sentinels import MISSING
from .baseline import same_value

__all__ = ["settle_null_conflicts"]


def _value_at(event: Any, path: Path) -> Any:
    # The baseline's value at a column's path; absent anywhere on the way counts as null.
    node = event
    for key in path:
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                return None
        elif not isinstance(node, Mapping):
            return None
        node = node[key] if isinstance(key, int) else node.get(key)
    return node


def _unchanged(value: Any, event: Mapping[str, Any], path: Path) -> bool:
    field = path[0] if len(path) == 1 and isinstance(path[0], str) else None
    return same_value(value, _value_at(event, path), field)


def settle_null_conflicts(
    columns: Sequence[str], cells: Sequence[Any], current: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Drop the cells of a ``NULL``-versus-parts conflict that the baseline shows are not edits.

    Parameters
    ----------
    columns : sequence of str
        The row's body columns.
    cells : sequence
        The row's raw cells, in the order of ``columns``.
    current : mapping
        The event's current state (its baseline).

    Returns
    -------
    dict or None
        Column -> cell with the unedited side of each conflict removed, ready for
        :func:`~truto_frame.frame.flatten.unflatten_record`; ``None`` when there was nothing to
        settle.
    """
    raws: dict[str, Any] = {}
    values: dict[str, Any] = {}
    paths: dict[str, Path] = {}
    for name, raw in zip(columns, cells, strict=True):
        value = normalize_cell(raw)
        if value is MISSING:
            continue
        try:
            paths[name] = parse_column(name)
        except ValueError:
            paths[name] = ()  # malformed: left for unflattening to report
        raws[name], values[name] = raw, value
    dropped: set[str] = set()
    for name, value in values.items():
        whole = paths[name]
        if value is not None or name in dropped or not whole:
            continue
        parts = [
            other
            for other, path in paths.items()
            if len(path) > len(whole) and path[: len(whole)] == whole and other not in dropped
        ]
        if not parts:
            continue
        if _unchanged(None, current, whole):
            dropped.add(name)  # already null: the parts are the edit
        elif all(_unchanged(values[p], current, paths[p]) for p in parts):
            dropped.update(parts)  # the parts are what the event holds: the NULL is the edit
    if not dropped:
        return None
    # Raw cells, not normalized ones: to unflatten_record a None is empty, not NULL.
    return {name: raw for name, raw in raws.items() if name not in dropped}
