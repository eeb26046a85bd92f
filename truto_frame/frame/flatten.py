"""Flat rows <-> nested dicts: update bodies from rows of cells, and a flat frame from events.

Each row's cells (their meaning: :mod:`truto_frame.frame.cells`) at their column paths (the names:
:mod:`truto_frame.frame.columns`) are put together into one nested body, with the problems that stop
it. Lists are sent whole, so a list is built only from the items a row sets: an item whose cells
are all empty is not made, and an item set after an empty one is a problem rather than a hole.

The reverse, :func:`flatten_events`, writes :data:`~truto_frame.NULL` for a JSON ``null`` (a
``None`` cell would read as *empty*), keeps empty strings, empty lists and empty dicts as cells of
their own, and keeps ``remote_data`` whole; :func:`unflatten_events` reads that back exactly.

The cell and column-name helpers (:func:`normalize_cell`, :func:`parse_column`,
:func:`format_path`, :func:`container_kind`, :func:`compile_columns`, :class:`ColumnSet`, ``Path``)
are importable from here too, as they were before they had modules of their own.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import pydantic

from ..errors import InputError
from ..model.sentinels import MISSING, NULL, NULL_CSV
from .cells import PLAIN_TYPES, normalize_cell, parse_json_cell
from .columns import ColumnSet, Path, compile_columns, container_kind, format_path, parse_column
from .row_problems import HOLE, Problem, close_holes, conflict_problem, unplaceable_problem

__all__ = [
    "OPAQUE_FIELDS",
    "ColumnSet",
    "Path",
    "compile_columns",
    "container_kind",
    "flatten_event",
    "flatten_events",
    "format_path",
    "normalize_cell",
    "parse_column",
    "unflatten_events",
    "unflatten_frame",
    "unflatten_record",
]


OPAQUE_FIELDS: frozenset[str] = frozenset({"remote_data"})
"""Keys whose value is kept whole as one cell by :func:`flatten_event` (provider data)."""


# --------------------------------------------------------------------------- unflatten


def _build(cs: ColumnSet, values: Sequence[Any], keep_blank: bool) -> tuple[dict, list[Problem]]:
    """Build one body from the row's cells (aligned with ``cs.names``) and list its problems."""
    body: dict[Any, Any] = {}
    problems: list[Problem] = []
    wholes: set[int] = set()  # ids of values given whole where other columns fill in parts
    holes = 0  # list slots skipped so far; a later column may still fill them
    reading = cs.reading
    rows = cs.rows
    if len(rows) != len(values):
        raise ValueError(f"{len(values)} cells for {len(rows)} columns")
    for index, raw in enumerate(values):
        # The commonest cells first, as normalize_cell reads them: an empty float (a quarter
        # of a read frame's cells) is skipped before its column is even looked at.
        cell_type = type(raw)
        if cell_type is float and raw != raw:
            continue
        if cell_type is str:
            if not raw:
                if not keep_blank:
                    continue
                value: Any = ""
            else:
                value = None if raw == NULL_CSV else raw
        elif cell_type is bool:
            value = raw
        else:
            value = normalize_cell(raw)
            if value is MISSING:
                continue
        name, steps, last, kind, guarded, whole = rows[index]
        if last is None:
            problems.append(unplaceable_problem(cs, values, index, body))
            continue
        if kind is not None and type(value) is str:
            value, message = parse_json_cell(value, kind, reading)
            if message is not None:
                problems.append((str(name), message))
                continue
        node: Any = body
        for key, make in steps:
            if type(key) is int:  # node is a list: lists are built in place, holes marked
                size = len(node)
                if key < size:
                    child = node[key]
                    if child is HOLE:
                        child = node[key] = make()
                        holes -= 1
                    elif type(child) is not make or (guarded and id(child) in wholes):
                        break
                else:
                    if key > size:
                        node.extend([HOLE] * (key - size))
                        holes += key - size
                    child = make()
                    node.append(child)
            else:
                child = node.get(key, MISSING)
                if child is MISSING:
                    child = node[key] = make()
                elif type(child) is not make or (guarded and id(child) in wholes):
                    break  # a whole value (or NULL) already sits where this column needs a parent
            node = child
        else:
            if type(last) is int:
                size = len(node)
                placed = True
                if last < size:
                    placed = node[last] is HOLE
                    if placed:
                        node[last] = value
                        holes -= 1
                else:
                    if last > size:
                        node.extend([HOLE] * (last - size))
                        holes += last - size
                    node.append(value)
            else:
                placed = last not in node
                if placed:
                    node[last] = value
            if placed:
                if whole and (type(value) is dict or type(value) is list):
                    wholes.add(id(value))
                continue
        problems.append(conflict_problem(cs, values, index))
    if holes:
        close_holes(body, (), cs, values, problems)
    return body, problems


def unflatten_record(cells: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Turn one row of flat cells into a nested update body.

    Parameters
    ----------
    cells : Mapping
        Column name -> cell, raw or normalized (see :func:`normalize_cell`); ``None`` is an
        empty cell either way, so a cell that clears its field holds ``NULL`` or ``"<NULL>"``.

    Returns
    -------
    body : dict
        The nested body: empty cells omitted, ``NULL`` as ``None``, JSON text at container paths
        parsed, lists built from the items that are set.
    problems : list of (column, message)
        Column names spelled as in the frame: malformed names, bad JSON, holes in a list, a whole
        value and its parts both set, two columns for the same path.
    """
    cs = compile_columns(cells.keys())
    return _build(cs, list(cells.values()), False)


def _rows(df: pd.DataFrame) -> Iterable[Sequence[Any]]:
    # Column-wise tolist() then zip: Python scalars, one pass, no per-row Series.
    if df.shape[1] == 0:
        return [()] * len(df)
    return zip(*(df.iloc[:, i].tolist() for i in range(df.shape[1])), strict=True)


def unflatten_frame(
    df: pd.DataFrame, columns: Sequence[str] | None = None
) -> tuple[list[dict[str, Any]], list[list[Problem]]]:
    """Turn every row of a frame into an update body, parsing the column names once.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per event; column names are paths (see :func:`parse_column`).
    columns : sequence of str, optional
        Use only these columns (default: all).

    Returns
    -------
    bodies : list of dict
        One body per row, in frame order (see :func:`unflatten_record`).
    problems : list of list of (column, message)
        The problems of each row, in frame order.
    """
    if columns is not None:
        df = df.loc[:, list(columns)]
    cs = compile_columns(df.columns)
    bodies: list[dict[str, Any]] = []
    problems: list[list[Problem]] = []
    for values in _rows(df):
        body, found = _build(cs, values, False)
        bodies.append(body)
        problems.append(found)
    return bodies, problems


def unflatten_events(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Turn a flat frame of events back into event dicts: the inverse of :func:`flatten_events`.

    Empty cells (NaN, None, NaT, ``pd.NA``) are omitted; unlike an update, an empty string is
    kept as ``""``. ``NULL`` and ``"<NULL>"`` become ``None``. JSON text at a container path of
    the event (request containers such as ``attendees``, ``location``, ``remote_data``, and
    response containers such as ``organizer`` or ``attachments``) is parsed; other text is kept.
    A column name that is not a path (``tags[a]``) becomes one key spelled as is.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame from :func:`flatten_events` or :func:`~truto_frame.read_events`, or one read
        back from its CSV.

    Returns
    -------
    list of dict
        One event per row, in frame order.

    Raises
    ------
    InputError
        When columns cannot be put together (holes in a list, conflicts).
    """
    cs = compile_columns(df.columns, reading=True)
    events: list[dict[str, Any]] = []
    bad: list[str] = []
    for label, values in zip(df.index, _rows(df), strict=True):
        event, problems = _build(cs, values, True)
        events.append(event)
        bad.extend(f"row {label!r}, column {col}: {message}" for col, message in problems)
    if bad:
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise InputError("cannot rebuild events: " + "; ".join(bad[:5]) + more)
    return events


# --------------------------------------------------------------------------- flatten


def _plain_key(key: Any) -> bool:
    return type(key) is str and key != "" and "." not in key and "[" not in key and "]" not in key


def _flatten_into(
    cells: dict[str, Any], prefix: str, value: Any, opaque: Collection[str], null: Any
) -> None:
    kind = type(value)
    if kind in PLAIN_TYPES or (kind is not list and kind is not tuple and kind is not dict):
        if kind in PLAIN_TYPES or not isinstance(value, Mapping):
            cells[prefix] = null if value is None else value
            return
        kind = dict
    if kind is dict:
        # A dict whose keys cannot be spelled in a column name stays whole, like an empty one.
        if not value or not all(map(_plain_key, value)):
            cells[prefix] = dict(value)
            return
        for key, item in value.items():
            name = f"{prefix}.{key}"
            if key in opaque:
                cells[name] = null if item is None else item
            else:
                _flatten_into(cells, name, item, opaque, null)
    else:
        if not value:
            cells[prefix] = []
        for index, item in enumerate(value):
            _flatten_into(cells, f"{prefix}[{index}]", item, opaque, null)


def flatten_event(
    event: Mapping[str, Any], *, opaque: Collection[str] = OPAQUE_FIELDS, null: Any = None
) -> dict[str, Any]:
    """Turn one event dict into flat cells: column name -> leaf value.

    Parameters
    ----------
    event : Mapping
        A unified event (or any JSON object).
    opaque : collection of str, default {"remote_data"}
        Keys whose value is kept whole as one cell, at any depth.
    null : Any, default None
        What a JSON ``null`` becomes; :func:`flatten_events` passes :data:`~truto_frame.NULL`.

    Returns
    -------
    dict
        ``{"location.address.city": "Berlin", "attendees[0].person.name": ...}``. An empty list
        or dict is one cell holding ``[]`` or ``{}``; so is a dict with a key that contains
        ``.``, ``[`` or ``]``; scalars, empty strings included, are kept as they are.

    Raises
    ------
    ValueError
        When a top-level key cannot be a column name (empty, or holding ``.``, ``[`` or ``]``).
    """
    cells: dict[str, Any] = {}
    for key, value in event.items():
        if not _plain_key(key):
            raise ValueError(f"event key {key!r} cannot be a column name")
        if key in opaque:
            cells[key] = null if value is None else value
        else:
            _flatten_into(cells, key, value, opaque, null)
    return cells


def _column_order(names: Iterable[str]) -> list[str]:
    # Keys in first-seen order at every level, list indices in numeric order
    # (attendees[10] after attendees[2]); a whole-value cell before its own parts.
    root: dict[Any, Any] = {}
    for name in names:
        node = root
        for part in parse_column(name):
            node = node.setdefault(part, {})
        node[None] = name
    order: list[str] = []

    def walk(node: dict[Any, Any]) -> None:
        if None in node:
            order.append(node[None])
        keys: list[Any] = [k for k in node if isinstance(k, str)]
        keys += sorted(k for k in node if isinstance(k, int))
        for key in keys:
            walk(node[key])

    walk(root)
    return order


def flatten_events(
    events: Iterable[Mapping[str, Any]], *, opaque: Collection[str] = OPAQUE_FIELDS
) -> pd.DataFrame:
    """Turn event dicts into a flat frame, one row per event, one column per path.

    A JSON ``null`` becomes :data:`~truto_frame.NULL` (a ``None`` cell would mean *empty*), so
    the frame reads back exactly with :func:`unflatten_events` and, fed to ``update_events``,
    clears those fields. Columns are object dtype: ids stay text and nothing is coerced.

    Parameters
    ----------
    events : iterable of Mapping
        Unified events (pydantic models are dumped first).
    opaque : collection of str, default {"remote_data"}
        Keys kept whole as one cell (see :func:`flatten_event`).

    Returns
    -------
    pandas.DataFrame
        Columns in a stable natural order; cells an event does not have are missing (NaN).
    """
    rows = [
        flatten_event(
            event.model_dump(mode="json") if isinstance(event, pydantic.BaseModel) else event,
            opaque=opaque,
            null=NULL,
        )
        for event in events
    ]
    columns = _column_order(dict.fromkeys(itertools.chain.from_iterable(rows)))
    return pd.DataFrame(rows, columns=columns, dtype=object)
