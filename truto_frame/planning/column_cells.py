"""Cells of one column against the baseline's, and against the request schema, all at once.

The pieces of :mod:`truto_frame.planning.unchanged`'s fast path: :func:`equal_cells` says which
cells hold the same value as the baseline's (same type, deep for lists and dicts, ISO text for
timestamps of different columns), :func:`drop_invalid` which of those the request schema would
refuse at the column's path (each distinct value validated once).
"""

from __future__ import annotations

import typing
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pydantic

from ..frame.cells import normalize_cell
from ..frame.columns import Path, container_kind
from ..frame.times import time_kind
from ..model.schema import EventUpdate
from ..model.sentinels import MISSING

__all__ = [
    "TYPE_OF",
    "drop_invalid",
    "equal_cells",
    "is_blank",
    "model_of",
    "same_datetime_dtype",
    "schema_path",
    "steady_times",
    "strict_equal",
    "valid_cell",
]

_TIME_TYPES = (datetime, date)


def model_of(annotation: Any) -> Any:
    """The type inside ``X | None`` (the annotation itself otherwise)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if len(args) == 1 else annotation


def same_datetime_dtype(a: pd.Series, b: pd.Series) -> bool:
    """Whether two columns share one datetime64 dtype (then compared as integers)."""
    # One datetime64 dtype on both sides: equal values are equal instants in one zone and so
    # spell the same ISO text; anywhere else equal timestamps may differ by their offset.
    return bool(a.dtype == b.dtype and pd.api.types.is_datetime64_any_dtype(a.dtype))


TYPE_OF = np.frompyfunc(type, 1, 1)
"""``type`` of every cell of an object array (an object array of types)."""


def equal_cells(
    values: np.ndarray,
    before: np.ndarray,
    skip: np.ndarray,
    base_empty: np.ndarray,
    exact_times: bool,
) -> np.ndarray:
    """Cells that hold a value of the same type and meaning as the baseline's."""
    a = values.copy()
    b = before.copy()
    a[skip] = None
    b[base_empty] = None
    try:
        eq = np.asarray(a == b, dtype=bool)
        if eq.shape != a.shape:
            raise ValueError("not an elementwise comparison")
    except (ValueError, TypeError):
        eq = np.fromiter(
            (strict_equal(x, y) for x, y in zip(a, b, strict=True)), dtype=bool, count=len(a)
        )
    eq &= ~skip & ~base_empty
    where = np.flatnonzero(eq)
    if len(where):
        kinds_a = TYPE_OF(a[where])
        differ = kinds_a != TYPE_OF(b[where])
        eq[where[differ]] = False
        for kind in set(kinds_a.tolist()):
            deep = kind is dict or kind is list
            if not deep and not (issubclass(kind, _TIME_TYPES) and not exact_times):
                continue
            mine = where[(kinds_a == np.full(len(where), kind, dtype=object)) & ~differ]
            for k in mine.tolist():
                eq[k] = strict_equal(a[k], b[k]) if deep else a[k].isoformat() == b[k].isoformat()
    return eq


def strict_equal(a: Any, b: Any) -> bool:
    """Equal values of the same type at every depth (``1``, ``1.0`` and ``True`` all differ)."""
    # Equal and of the same type at every depth (1 == True == 1.0 are three different cells).
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except (ValueError, TypeError):
        return False


def is_blank(before: np.ndarray, base_empty: np.ndarray) -> np.ndarray:
    """Where the baseline holds ``""`` (``base_empty`` marks cells not to look at)."""
    # "" is a value in a rebuilt baseline event but an empty cell in a row: never the same.
    out = np.zeros(len(before), dtype=bool)
    held = np.flatnonzero(~base_empty)
    if len(held):
        try:
            out[held] = np.asarray(before[held] == "", dtype=bool)
        except (ValueError, TypeError):  # a cell holding an array: compare one by one
            out[held] = [type(v) is str and v == "" for v in before[held]]
    return out


# --------------------------------------------------------------------------- valid values


def _annotation_at(path: Path) -> tuple[bool, Any]:
    # (known, annotation) of the request schema at a column's path.
    annotation: Any = EventUpdate
    for part in path:
        annotation = model_of(annotation)
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        if isinstance(part, int):
            if typing.get_origin(annotation) is not list:
                return False, None
            annotation = typing.get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            info = annotation.model_fields.get(part)
            if info is None:
                return False, None
            annotation = info.annotation
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return False, None
    return True, annotation


def schema_path(path: Path) -> bool:
    """Whether a column's path is one the request schema has (a cell there can be sent)."""
    return _annotation_at(path)[0]


def _plain_text(path: Path) -> bool:
    # A leaf typed `str | None` with no validator: any text is valid there.
    known, annotation = _annotation_at(path)
    if not known:
        return False
    args = set(typing.get_args(annotation)) if typing.get_origin(annotation) else {annotation}
    return args <= {str, type(None)} and str in args


def _nested_body(path: Path, value: Any) -> dict[str, Any]:
    # The smallest body that holds `value` at `path` (list items at index 0: items validate
    # alike whatever their position).
    node: Any = value
    for part in reversed(path[1:]):
        node = [node] if isinstance(part, int) else {part: node}
    return {str(path[0]): node}


def valid_cell(path: Path, raw: Any) -> bool:
    """Whether the request schema takes this cell at ``path`` (JSON text: left to the row path)."""
    if isinstance(raw, str) and container_kind(path) is not None:
        return False  # JSON text: the per-row path parses it (and words its problems)
    value = normalize_cell(raw)
    if value is MISSING:
        return True
    try:
        EventUpdate.model_validate(_nested_body(path, value))
    except pydantic.ValidationError:
        return False
    return True


def drop_invalid(same: np.ndarray, values: np.ndarray, path: Path) -> None:
    """Clear ``same`` where the row's value is not one the request schema takes at ``path``.

    Validity depends on the value alone (the schema has no cross-field validators), so each
    distinct value of a type is validated once; all timestamps of a column share one verdict.
    """
    where = np.flatnonzero(same)
    if not len(where):
        return
    cells = values[where]
    kinds = TYPE_OF(cells)
    plain = _plain_text(path)
    for kind in set(kinds.tolist()):
        if kind is str and plain:
            continue
        mine = where[kinds == np.full(len(kinds), kind, dtype=object)]
        group = values[mine]
        if issubclass(kind, _TIME_TYPES):
            if not valid_cell(path, group[0]):
                same[mine] = False
            continue
        if kind is dict or kind is list:
            bad = [k for k, v in zip(mine.tolist(), group, strict=True) if not valid_cell(path, v)]
            same[bad] = False
            continue
        verdicts = {v: valid_cell(path, v) for v in pd.unique(group)}
        if not all(verdicts.values()):
            same[mine[[not verdicts[v] for v in group]]] = False


def steady_times(values: np.ndarray, same: np.ndarray, dated: np.ndarray) -> np.ndarray:
    """Which time cells keep their meaning as they are (``same`` marks the cells to look at).

    A date, or an aware date-time of an event that is not all-day, is compared as it is; a
    naive time is local time in the row's zone and a time on an all-day event may stand for a
    date, so those are given their meaning by the per-row path first.
    """
    out = np.zeros(len(values), dtype=bool)
    for k in np.flatnonzero(same).tolist():
        value = normalize_cell(values[k])
        kind = time_kind(value) if isinstance(value, str) else None
        out[k] = kind == "date" or (kind == "aware" and not dated[k])
    return out
