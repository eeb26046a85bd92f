"""A baseline frame kept as it is: events rebuilt only for the rows a plan needs.

:func:`~truto_frame.planning.baseline.baseline_lookup` rebuilds and types every event of a
baseline frame up front; for a read frame where one row in ten was edited, that is most of a
plan's time and memory. :class:`FrameBaseline` answers the same questions (which row holds an
account's event; the event itself, typed like ``baseline_lookup``'s) from the frame: it checks the
frame at once (ids, duplicates, rows that cannot be rebuilt, with ``baseline_lookup``'s own
errors) and rebuilds an event the first time it is asked for, keeping it for the next time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..frame.cells import normalize_cell
from ..frame.columns import compile_columns
from ..frame.flatten import unflatten_events
from ..model.sentinels import MISSING
from .baseline import BaselineKey, baseline_lookup, check_baseline_frame
from .request_shape import with_request_types

__all__ = ["FrameBaseline", "RowBaselines"]

_ACCOUNT = "integrated_account_id"


def _text(value: Any) -> str | None:
    # An id or account as baseline_lookup reads it: normalized, as text, stripped.
    cell = normalize_cell(value)
    if cell is MISSING or cell is None:
        return None
    return str(cell).strip() or None


class FrameBaseline(Mapping[BaselineKey, dict[str, Any]]):
    """The current events of a baseline frame, by ``(account, event id)``, rebuilt on demand.

    Parameters
    ----------
    frame : pandas.DataFrame
        As for :func:`~truto_frame.planning.baseline.baseline_lookup`. Held as a shallow copy
        (copy-on-write: later edits of ``frame`` do not reach it).
    missing_hint : str, optional
        Says where the events came from when a row's event is not among them (see
        :func:`~truto_frame.planning.baseline.missing_reason`).

    Raises
    ------
    InputError
        Where ``baseline_lookup`` raises, with the same message.
    """

    def __init__(self, frame: pd.DataFrame, *, missing_hint: str | None = None) -> None:
        check_baseline_frame(frame)
        self.missing_hint = missing_hint  # what a row whose event is missing is told
        self.frame = frame.copy(deep=False)
        if not _rebuildable(self.frame):
            baseline_lookup(self.frame)  # raises the exact error of the full rebuild
        ids = [_text(v) for v in self.frame["id"].tolist()]
        accounts = (
            [_text(v) for v in self.frame[_ACCOUNT].tolist()]
            if _ACCOUNT in self.frame.columns
            else [None] * len(ids)
        )
        positions: dict[BaselineKey, int] = {}
        for position, (account, event_id) in enumerate(zip(accounts, ids, strict=True)):
            if event_id is None:
                # The same message as a full rebuild, which meets this row first as well.
                baseline_lookup(self.frame.iloc[: position + 1])
            if (account, event_id) in positions:
                baseline_lookup(self.frame.iloc[: position + 1])
            positions[(account, str(event_id))] = position
        self.positions = positions
        self._events: dict[int, dict[str, Any]] = {}

    def position(self, account: str | None, event_id: str) -> int:
        """The frame row of a plan row's event (as :func:`current_event` finds it), or -1."""
        found = self.positions.get((account, event_id)) if account is not None else None
        return found if found is not None else self.positions.get((None, event_id), -1)

    def prepare(self, positions: Sequence[int]) -> None:
        """Rebuild the events of these frame rows in one pass (before asking for them)."""
        wanted = sorted({int(p) for p in positions if p >= 0 and int(p) not in self._events})
        if not wanted:
            return
        rows = self.frame.iloc[wanted]
        ids = rows["id"].tolist()
        for position, event, raw in zip(wanted, unflatten_events(rows), ids, strict=True):
            event["id"] = _text(raw)
            self._events[position] = with_request_types(event)

    def event_at(self, position: int) -> dict[str, Any]:
        """The current event of a frame row, typed like ``baseline_lookup``'s."""
        if position not in self._events:
            self.prepare([position])
        return self._events[position]

    def __getitem__(self, key: BaselineKey) -> dict[str, Any]:
        return self.event_at(self.positions[key])

    def __iter__(self) -> Iterator[BaselineKey]:
        return iter(self.positions)

    def __len__(self) -> int:
        return len(self.positions)

    def __contains__(self, key: object) -> bool:
        return key in self.positions


class RowBaselines(Sequence[dict[str, Any] | None]):
    """Each plan row's current event, by position, rebuilt only when read.

    Parameters
    ----------
    baseline : FrameBaseline
    positions : sequence of int
        The frame row of each plan row's event; -1 where it has none.
    """

    def __init__(self, baseline: FrameBaseline, positions: Sequence[int]) -> None:
        self._baseline = baseline
        self._positions = np.asarray(positions, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        position = int(self._positions[index])
        return self._baseline.event_at(position) if position >= 0 else None


# --------------------------------------------------------------------------- rebuild check

# How a cell can affect the shape of a rebuilt event: absent; a value that is placed as it is;
# an object or a list that other columns may fill in; text where JSON is read (its shape is
# in the text); a cell that cannot be placed at all.
_ABSENT, _VALUE, _OBJECT, _LIST, _TEXT, _UNPLACEABLE = range(6)


def _rebuildable(frame: pd.DataFrame) -> bool:
    """Whether every row of a baseline frame rebuilds without a problem, checked cheaply.

    A row's rebuild problems (holes in a list, a whole value and its parts, cells that cannot be
    placed) depend only on which of its cells are set and on the kind of the values held where
    other columns add parts. Rows are grouped by that signature and one row of each group is
    rebuilt; rows holding JSON text where a container is read are rebuilt one by one.
    """
    if frame.shape[1] == 0 or len(frame) == 0:
        return True
    cs = compile_columns(frame.columns, reading=True)
    codes = np.empty((len(frame), frame.shape[1]), dtype=np.uint8)
    alone = np.zeros(len(frame), dtype=bool)
    for j, (_name, _steps, last, kind, _guarded, whole) in enumerate(cs.rows):
        column = frame.iloc[:, j]
        present = column.notna().to_numpy()
        if last is None:
            codes[:, j] = np.where(present, _UNPLACEABLE, _ABSENT)
        elif kind is None and not whole:
            codes[:, j] = present
        else:
            values = column.to_numpy(dtype=object)
            codes[:, j] = [
                _shape_code(v, kind) if p else _ABSENT for v, p in zip(values, present, strict=True)
            ]
    alone |= (codes == _TEXT).any(axis=1) | (codes == _UNPLACEABLE).any(axis=1)
    first: dict[bytes, int] = {}
    for position, signature in enumerate(map(bytes, codes)):
        first.setdefault(signature, position)
    rows = sorted(set(first.values()) | set(np.flatnonzero(alone).tolist()))
    try:
        unflatten_events(frame.iloc[rows])
    except Exception:
        return False
    return True


def _shape_code(value: Any, kind: Any) -> int:
    value = normalize_cell(value) if not isinstance(value, str) else value
    if isinstance(value, dict):
        return _OBJECT
    if isinstance(value, list):
        return _LIST
    if isinstance(value, str) and kind is not None:
        return _TEXT
    return _VALUE
