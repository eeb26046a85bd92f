"""What a baseline shows unchanged, found column by column: the planner's fast path.

Planning against a baseline frame rebuilds, validates and diffs each row
(:func:`~truto_frame.planning.planned_rows.plan_rows`, the per-row path and the reference).
Most rows of a read-then-edited frame are untouched, and most fields of an edited row too.
:func:`find_unchanged` compares the frame with its baseline one column at a time (rows aligned
on account and event id, as :func:`~truto_frame.planning.baseline.current_event` aligns them)
and says, without building anything per row:

* which rows the reference would end ``skipped`` with no problem: they skip the per-row path;
* which fields of the other rows the reference would find unchanged and valid: they are left
  out of the rows it then plans (except ``calendar``, the times and ``timezone``, which the rules
  may carry or bring along from the row).

The decision is conservative: whatever it cannot prove unchanged goes through the per-row path,
which stays the reference. A cell is unchanged when
(a) it is empty and the field's empty cells mean *leave unchanged* (a scalar, or a part of an
object that is merged onto the current one), or it is empty in the baseline too (a part of a list or
of ``remote_data``, which are sent whole, so an emptied item is an edit);
(b) or it holds a value of the same type that equals the baseline's (``NULL`` equals ``NULL``;
NaN, None, NaT and ``pd.NA`` are all empty; timestamps of one datetime column compare by
value, others by their ISO text; lists and dicts compare deeply, ``1`` never equals ``True``);
and the value is one the request schema accepts at the column's path (distinct values
validated once). A part of a list the frame has no column for must be empty in the
baseline. Rows without an id, without a baseline event, with an account problem or sharing an
event with another row always take the per-row path. The property test
``tests/test_unchanged.py`` holds both paths to identical plans; :func:`prefilter_enabled`
switches the fast path off to compare.
"""

from __future__ import annotations

import contextlib
import typing
from collections import Counter
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pydantic

from ..frame.columns import compile_columns, container_kind, parse_column
from ..frame.times import time_kind
from ..model.schema import EventUpdate
from .column_cells import (
    drop_invalid,
    equal_cells,
    is_blank,
    model_of,
    same_datetime_dtype,
    schema_path,
    steady_times,
    valid_cell,
)
from .frame_baseline import FrameBaseline, RowBaselines
from .no_change import UNCHANGED_REASON
from .time_rules import TIME_FIELDS

__all__ = [
    "Unchanged",
    "find_unchanged",
    "plan_with_prefilter",
    "prefilter_active",
    "prefilter_enabled",
]

_ENABLED: ContextVar[bool] = ContextVar("truto_frame_prefilter", default=True)


@contextlib.contextmanager
def prefilter_enabled(enabled: bool = True) -> Iterator[None]:
    """Switch the column-wise fast path on or off for plans built inside the block.

    Parameters
    ----------
    enabled : bool, default True
        ``False`` plans every row through the per-row reference path (tests and benchmarks
        compare the two).
    """
    token = _ENABLED.set(enabled)
    try:
        yield
    finally:
        _ENABLED.reset(token)


def prefilter_active() -> bool:
    """Whether plans built now use the fast path (see :func:`prefilter_enabled`)."""
    return _ENABLED.get()


# Fields whose object is merged onto the current one: an empty part keeps its current value.
_MERGED = frozenset(
    name
    for name, info in EventUpdate.model_fields.items()
    if isinstance(model_of(info.annotation), type)
    and issubclass(model_of(info.annotation), pydantic.BaseModel)
)
# Fields the per-row path may carry into a body from the row (integration rules, a moved time
# brings its pair and zone): kept in the rows it plans, so it takes them as the reference does.
_KEPT = frozenset({"calendar", *TIME_FIELDS, "timezone"})
_TIME_PATHS = frozenset((f,) for f in TIME_FIELDS)


@dataclass
class Unchanged:
    """What :func:`find_unchanged` found.

    Attributes
    ----------
    skip : numpy.ndarray of bool
        Rows that end ``skipped`` with no problem, without the per-row path.
    positions : numpy.ndarray of int
        Each row's event in the baseline frame (-1: none).
    drop : dict
        Column -> rows (bool array) whose cell may be emptied before the per-row path, because
        the reference finds its whole field unchanged and valid there.
    """

    skip: np.ndarray
    positions: np.ndarray
    drop: dict[str, np.ndarray] = field(default_factory=dict)


def find_unchanged(
    df: pd.DataFrame,
    body_columns: Sequence[str],
    event_ids: Sequence[str | None],
    accounts: Sequence[str | None],
    problems: Sequence[Sequence[Any]],
    baseline: FrameBaseline,
) -> Unchanged:
    """Find the rows and fields of ``df`` that its baseline shows unchanged (see the module).

    Parameters
    ----------
    df : pandas.DataFrame
        The frame being planned.
    body_columns : sequence of str
        Its columns that are part of the update body.
    event_ids, accounts : sequence
        Each row's event id and integrated account, as the plan resolved them.
    problems : sequence
        Each row's problems found so far (account problems).
    baseline : FrameBaseline

    Returns
    -------
    Unchanged
    """
    n = len(df)
    positions = np.fromiter(
        (
            -1 if e is None else baseline.position(a, e)
            for a, e in zip(accounts, event_ids, strict=True)
        ),
        dtype=np.int64,
        count=n,
    )
    keys = list(zip(accounts, event_ids, strict=True))
    counts = Counter(key for key in keys if key[1] is not None)
    row_ok = (positions >= 0) & np.array(
        [not p and counts[key] == 1 for p, key in zip(problems, keys, strict=True)], dtype=bool
    )
    if not row_ok.any() or not body_columns:
        return Unchanged(row_ok, positions)
    have = positions >= 0
    take = np.where(have, positions, 0)
    base = baseline.frame
    base_names = {c for c in base.columns if isinstance(c, str)}
    cs = compile_columns(body_columns)
    dated_rows: list[np.ndarray] = []

    def dated() -> np.ndarray:
        # Rows whose event is all-day as read (a date start): their times are re-read as dates.
        if not dated_rows:
            dated_rows.append(_dated_rows(base, take, have))
        return dated_rows[0]

    fields: dict[str, np.ndarray] = {}
    present_by_field: dict[str, np.ndarray] = {}
    by_column: dict[str, tuple[str, np.ndarray]] = {}
    for name, row in zip(body_columns, cs.rows, strict=True):
        path = parse_column(name)
        top = str(path[0])
        placeable = row[2] is not None and schema_path(path)
        column = df[name]
        empty = column.isna().to_numpy()
        before = None
        if name not in base_names:
            same, base_empty = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
        elif same_datetime_dtype(column, base[name]):
            # One datetime dtype on both sides: compared as integers, no Timestamp made.
            base_empty = base[name].isna().to_numpy()[take] | ~have
            same = (column.array.asi8 == base[name].array.asi8[take]) & ~empty & ~base_empty
            same &= row_ok & placeable
            if same.any() and not valid_cell(path, column.iloc[int(np.argmax(same))]):
                same[:] = False  # every timestamp of a column spells alike: one verdict
            if path in _TIME_PATHS:
                # Aware times of a timed event are compared as they are; anything else is
                # given its meaning by the per-row path first (prepare_times).
                aware = getattr(column.dtype, "tz", None) is not None
                same &= ~dated() if aware else np.zeros(n, dtype=bool)
        else:
            values = column.to_numpy(dtype=object)
            before = base[name].to_numpy(dtype=object)[take]
            base_empty = pd.isna(before) | ~have
            same = np.zeros(n, dtype=bool)
            if placeable:
                same = equal_cells(values, before, empty | ~row_ok, base_empty, False)
                drop_invalid(same, values, path)
                if path in _TIME_PATHS and same.any():
                    same &= steady_times(values, same, dated())
        whole = top not in _MERGED and not (len(path) == 1 and container_kind(path) is None)
        if whole:
            ok = same | (empty & base_empty)
            if before is not None:
                ok &= ~is_blank(before, base_empty)
        else:
            ok = same | empty
        fields[top] = fields[top] & ok if top in fields else ok
        if whole:
            present = ~empty
            present_by_field[top] = present_by_field.get(top, np.zeros(n, dtype=bool)) | present
        by_column[name] = (top, ok)
    body_names = set(body_columns)
    for top, present in present_by_field.items():
        # A list is sent whole: the baseline's parts that the frame has no column for must be
        # empty, or the row's list (built from its columns only) differs from the current one.
        extra = [c for c in base_names - body_names if _top(c) == top]
        if extra:
            held = np.zeros(n, dtype=bool)
            for name in extra:
                held |= ~pd.isna(base[name].to_numpy(dtype=object)[take])
            fields[top] &= ~(held & have & present)
    skip = row_ok.copy()
    for ok in fields.values():
        skip &= ok
    planned = row_ok & ~skip
    drop = {
        name: planned & fields[top]
        for name, (top, _ok) in by_column.items()
        if top not in _KEPT and (planned & fields[top]).any()
    }
    return Unchanged(skip, positions, drop)


def _dated_rows(base: pd.DataFrame, take: np.ndarray, have: np.ndarray) -> np.ndarray:
    if "start_time" not in base.columns:
        return np.zeros(len(take), dtype=bool)
    starts = base["start_time"].to_numpy(dtype=object)[take]
    return np.array(
        [
            h and isinstance(v, str) and time_kind(v) == "date"
            for v, h in zip(starts, have, strict=True)
        ],
        dtype=bool,
    )


def _top(name: str) -> str | None:
    try:
        return str(parse_column(name)[0])
    except ValueError:
        return None


# --------------------------------------------------------------------------- planning


class PlanRows(typing.Protocol):
    """The per-row path: ``(frame, columns, ids, accounts, problems, integration, baseline)``."""

    def __call__(
        self,
        df: pd.DataFrame,
        body_columns: list[str],
        event_ids: list[str | None],
        accounts: list[str | None],
        problems: list[list[tuple[str, str]]],
        integration: Any,
        baseline_events: Any,
    ) -> Any: ...


def plan_with_prefilter(
    df: pd.DataFrame,
    body_columns: list[str],
    event_ids: list[str | None],
    accounts: list[str | None],
    problems: list[list[tuple[str, str]]],
    integration: Any,
    baseline: FrameBaseline,
    plan_rows: PlanRows,
) -> tuple[
    list[dict[str, Any] | None],
    list[str],
    dict[str, set[str]],
    RowBaselines,
    list[list[tuple[str, object]]],
    list[str | None],
]:
    """Plan the rows of ``df`` that may change through ``plan_rows``; skip the others.

    Parameters
    ----------
    df, body_columns, event_ids, accounts, problems, integration
        As the per-row path takes them (``problems`` is filled in place).
    baseline : FrameBaseline
    plan_rows : callable
        The per-row path; its result has ``payloads``, ``statuses``, ``unsupported``,
        ``warnings`` and ``skip_reasons``.

    Returns
    -------
    payloads, statuses, unsupported, baselines, warnings, skip_reasons
        One entry per row of ``df`` (skipped rows: no warning, :data:`UNCHANGED_REASON`); the
        baselines are rebuilt when read.
    """
    found = find_unchanged(df, body_columns, event_ids, accounts, problems, baseline)
    rest = np.flatnonzero(~found.skip)
    baseline.prepare(found.positions[rest].tolist())
    sub = df.iloc[rest]
    # Labels as the whole frame's index gives them (a RangeIndex gives ints, not np.int64):
    # the per-row path names rows by them in its messages.
    sub.index = pd.Index([df.index[i] for i in rest.tolist()], dtype=object)
    if found.drop:
        cells = {name: sub[name] for name in body_columns}
        for name, rows in found.drop.items():
            emptied = rows[rest]
            if emptied.any():
                cells[name] = sub[name].mask(emptied)
        sub = pd.DataFrame(cells, index=sub.index)
    planned = plan_rows(
        sub,
        body_columns,
        [event_ids[i] for i in rest.tolist()],
        [accounts[i] for i in rest.tolist()],
        [problems[i] for i in rest.tolist()],
        integration,
        baseline,
    )
    n = len(df)
    payloads: list[dict[str, Any] | None] = [None] * n
    statuses = ["skipped"] * n
    warnings: list[list[tuple[str, object]]] = [[] for _ in range(n)]
    reasons: list[str | None] = [UNCHANGED_REASON] * n
    for j, i in enumerate(rest.tolist()):
        payloads[i] = planned.payloads[j]
        statuses[i] = planned.statuses[j]
        warnings[i] = planned.warnings[j]
        reasons[i] = planned.skip_reasons[j]
    baselines = RowBaselines(baseline, found.positions.tolist())
    return payloads, statuses, planned.unsupported, baselines, warnings, reasons
