"""Flat columns <-> nested dicts: the cells of a frame and the JSON bodies they stand for.

A column name is a path: ``location.address.city`` is ``{"location": {"address": {"city": ...}}}``
and ``attendees[0].person.emails[1].email`` the second email of the first attendee. A cell is in
one of three states (see :mod:`truto_frame._types`): empty (omitted), a value (set) or
:data:`~truto_frame.NULL` / ``"<NULL>"`` (sent as ``null``). A cell at a container path may also
hold the whole value, as a list or dict object or as its JSON text (as read from a CSV).

Lists are sent whole, so a list is built only from the items a row sets: an item whose cells are
all empty is not made, and an item set after an empty one is a problem rather than a hole.

The reverse, :func:`flatten_events`, writes :data:`~truto_frame.NULL` for a JSON ``null`` (a
``None`` cell would read as *empty*), keeps empty strings, empty lists and empty dicts as cells of
their own, and keeps ``remote_data`` whole; :func:`unflatten_events` reads that back exactly.
"""

from __future__ import annotations

import itertools
import json
import types
import typing
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic

from ._types import MISSING, NULL, NULL_CSV
from .errors import InputError
from .schema import EventUpdate

__all__ = [
    "OPAQUE_FIELDS",
    "ColumnSet",
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

Path = tuple[str | int, ...]
Problem = tuple[str, str]
ContainerKind = Literal["list", "dict"]

OPAQUE_FIELDS: frozenset[str] = frozenset({"remote_data"})
"""Keys whose value is kept whole as one cell by :func:`flatten_event` (provider data)."""

# Response-only fields that hold objects or lists: their JSON text is parsed back on reading.
_RESPONSE_CONTAINERS = frozenset(
    {"attachments", "organizer", "created_by", "identifiers", "urls", "parent_event", "event_type"}
)


# --------------------------------------------------------------------------- column names


@lru_cache(maxsize=65536)
def parse_column(name: str) -> Path:
    """Split a flat column name into its path of keys and list indices.

    Parameters
    ----------
    name : str
        A column name such as ``"attendees[0].person.emails[1].email"``.

    Returns
    -------
    tuple of str and int
        ``("attendees", 0, "person", "emails", 1, "email")``.

    Raises
    ------
    ValueError
        When the name is malformed: an empty key (``a..b``), an index that is not a
        non-negative integer (``a[x]``, ``a[01]``) or an index without a key (``[0]``).
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"column name must be non-empty text, got {name!r}")
    parts: list[str | int] = []
    for segment in name.split("."):
        key, bracket, rest = segment.partition("[")
        if not key:
            what = "an index needs a key before it" if bracket else "an empty key"
            raise ValueError(f"malformed column name {name!r}: {what} (e.g. attendees[0].name)")
        if "]" in key:
            raise ValueError(f"malformed column name {name!r}: ']' without '['")
        parts.append(key)
        rest = bracket + rest
        while rest:
            close = rest.find("]")
            digits = rest[1:close]
            if not rest.startswith("[") or close < 0:
                raise ValueError(f"malformed column name {name!r}: unbalanced [ ] in {segment!r}")
            if not (digits.isascii() and digits.isdigit()) or digits != str(int(digits)):
                raise ValueError(
                    f"malformed column name {name!r}: list index [{digits}] must be a "
                    "non-negative integer such as [0]"
                )
            parts.append(int(digits))
            rest = rest[close + 1 :]
    return tuple(parts)


def format_path(path: Iterable[str | int]) -> str:
    """Spell a path as a column name, the inverse of :func:`parse_column`.

    Parameters
    ----------
    path : iterable of str and int
        Keys and list indices, e.g. pydantic's error ``loc``.

    Returns
    -------
    str
        ``"attendees[0].person.name"`` for ``("attendees", 0, "person", "name")``.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text


def _unwrap(annotation: Any) -> Any:
    # Strip Optional[...] / X | None and Annotated[...] down to the type that holds the value.
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin is typing.Union or origin is types.UnionType:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


@lru_cache(maxsize=4096)
def container_kind(path: Path) -> ContainerKind | None:
    """Say what the update schema holds at a path: a list, an object, or neither.

    Parameters
    ----------
    path : tuple of str and int
        A path from :func:`parse_column`.

    Returns
    -------
    {"list", "dict"} or None
        ``("attendees",)`` is ``"list"``, ``("attendees", 0)`` and ``("location", "address")``
        are ``"dict"``, ``("remote_data",)`` is ``"dict"``; scalars and unknown paths are None.
    """
    annotation: Any = EventUpdate
    for part in path:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if isinstance(part, int):
            if origin is not list:
                return None
            annotation = typing.get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return None
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        return "list"
    if origin is dict or (
        isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)
    ):
        return "dict"
    return None


# --------------------------------------------------------------------------- cell values

_EXACT = 2.0**53


def normalize_cell(value: Any) -> Any:
    """Give a cell its meaning: empty, ``None`` (clear) or a JSON-ready value.

    Parameters
    ----------
    value : Any
        One cell of a frame, as pandas holds it.

    Returns
    -------
    Any
        :data:`~truto_frame._types.MISSING` for NaN, None, NaT, ``pd.NA`` and ``""``; ``None``
        for :data:`~truto_frame.NULL` and ``"<NULL>"``; an ISO 8601 string for a Timestamp,
        datetime or date (a Timestamp keeps its offset); a Python scalar for a numpy scalar; an
        ``int`` for a float with an integral value (pandas makes integer columns with gaps
        float); a list for a numpy array or tuple. Inside a list or dict, ``NULL`` becomes
        ``None`` and numpy scalars and dates are converted the same way. Anything else as is.
    """
    # Fast path first: this runs once per cell, millions of times for a large frame.
    kind = type(value)
    if kind is str:
        if not value:
            return MISSING
        return None if value == NULL_CSV else value
    if kind is float:
        if value != value:
            return MISSING
        # Beyond 2**53 a float is no longer an exact integer: leave it as the float it is.
        return int(value) if value.is_integer() and -_EXACT <= value <= _EXACT else value
    if kind is int or kind is bool:
        return value
    if value is None:
        return MISSING
    if value is NULL:
        return None
    if value is pd.NA or value is pd.NaT:
        return MISSING
    if kind is list or kind is dict:
        return _clean(value)
    if isinstance(value, (np.datetime64, np.timedelta64)) and np.isnat(value):
        return MISSING
    return _convert(value, normalize_cell)


def _convert(value: Any, again: Any) -> Any:
    # The rarer types, shared by cells (again=normalize_cell) and values inside containers.
    if isinstance(value, (datetime, date)):  # pd.Timestamp subclasses datetime
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.generic):
        return again(value.item())
    if isinstance(value, tuple):
        return _clean(list(value))
    if isinstance(value, str):  # a str subclass such as numpy.str_
        return again(str(value))
    return value


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _clean(value: Any) -> Any:
    # A whole value inside a cell: copy only what changes, since most are plain JSON already.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        out = None
        for key, item in value.items():
            new = _clean(item)
            if new is not item:
                out = dict(value) if out is None else out
                out[key] = new
        return value if out is None else out
    if kind is list:
        items = [_clean(item) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if value is NULL:
        return None
    return _convert(value, _clean)


# --------------------------------------------------------------------------- compiled columns


class _Hole:
    """Type of :data:`_HOLE`: a list slot that no column of the row has set (yet)."""

    def __repr__(self) -> str:
        return "<hole>"


_HOLE = _Hole()


class ColumnSet:
    """Column names parsed once for a whole frame, ready for :func:`unflatten_frame`.

    Parameters
    ----------
    columns : sequence
        The column names, in frame order (duplicates allowed: they conflict when both are set).
    reading : bool, default False
        Compile for :func:`unflatten_events` (response containers are parsed leniently)
        rather than for an update body.
    """

    def __init__(self, columns: Sequence[Any], *, reading: bool = False) -> None:
        self.names: list[Any] = list(columns)
        self.reading = reading
        self.paths: list[Path | None] = []
        self.errors: dict[Any, str] = {}
        for name in self.names:
            try:
                self.paths.append(parse_column(name))
            except ValueError as exc:
                # Reading keeps a column it cannot split (``tags[a]``) as one key, spelled as is.
                readable = reading and isinstance(name, str) and name != ""
                self.paths.append((name,) if readable else None)
                if not readable:
                    self.errors[name] = str(exc)
        known = {path for path in self.paths if path is not None}
        parents = {path[:i] for path in known for i in range(1, len(path))}
        # Per column: steps to its parent (key or index, class of the container to make
        # there); last key or index; container kind at its path (JSON text is parsed there);
        # whether another column holds one of its parents whole (guarded), or it holds whole
        # what others fill in parts.
        self.rows: list[tuple[Any, tuple[tuple[Any, type], ...], Any, Any, bool, bool]] = []
        for name, path in zip(self.names, self.paths, strict=True):
            # Item [k] of a list needs k columns for the items before it: with fewer columns
            # in the frame, the column always leaves a hole (and never builds a huge list).
            if path is None or any(isinstance(p, int) and p >= len(self.names) for p in path):
                self.rows.append((name, (), None, None, False, False))
                continue
            steps = tuple(
                (key, list if isinstance(nxt, int) else dict)
                for key, nxt in itertools.pairwise(path)
            )
            kind: str | None = container_kind(path)
            if reading and kind is None and len(path) == 1 and path[0] in _RESPONSE_CONTAINERS:
                kind = "any"
            guarded = any(path[:i] in known for i in range(1, len(path)))
            self.rows.append((name, steps, path[-1], kind, guarded, path in parents))


@lru_cache(maxsize=256)
def _compiled(columns: tuple[Any, ...], reading: bool) -> ColumnSet:
    return ColumnSet(columns, reading=reading)


def compile_columns(columns: Iterable[Any], *, reading: bool = False) -> ColumnSet:
    """Parse a frame's column names once, for row after row of :func:`unflatten_frame`.

    Parameters
    ----------
    columns : iterable
        Column names in frame order.
    reading : bool, default False
        See :class:`ColumnSet`.

    Returns
    -------
    ColumnSet
        Cached: the same columns give the same object.
    """
    return _compiled(tuple(columns), reading)


# --------------------------------------------------------------------------- unflatten


def _parse_json(text: str, kind: str, reading: bool) -> tuple[Any, str | None]:
    # A whole list or object given as JSON text (CSV cells can hold nothing else).
    if reading:
        # Reading back what flatten_events wrote: text that is not JSON of a container stays text.
        start = text.lstrip()[:1]
        if start not in ("[", "{"):
            return text, None
    want = "a list" if kind == "list" else "an object" if kind == "dict" else "a list or object"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if reading:
            return text, None
        return None, (
            f"holds text that is not valid JSON ({exc.msg} at character {exc.pos}); "
            f"this column takes {want} as JSON text, or leave it empty"
        )
    ok = (
        isinstance(value, list)
        if kind == "list"
        else isinstance(value, dict)
        if kind == "dict"
        else isinstance(value, (list, dict))
    )
    if ok:
        return value, None
    if reading:
        return text, None
    got = _JSON_NAMES.get(type(value), "value")
    return None, f"expected {want} as JSON text, got a JSON {got}: {text[:40]!r}"


_JSON_NAMES = {dict: "object", list: "list", str: "string", int: "number", float: "number"}
_JSON_NAMES.update({bool: "boolean", type(None): "null"})


def _common(a: Path, b: Path) -> int:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return size


def _set_column(cs: ColumnSet, values: Sequence[Any], path: Path, upto: int) -> tuple[str, int]:
    # Slow path, only for a problem: the set column (before `upto`) sharing most of `path`.
    best, size = format_path(path), 0
    for index in range(upto):
        other = cs.paths[index]
        if other is not None and normalize_cell(values[index]) is not MISSING:
            common = _common(other, path)
            if common > size:
                best, size = str(cs.names[index]), common
    return best, size


def _build(cs: ColumnSet, values: Sequence[Any], keep_blank: bool) -> tuple[dict, list[Problem]]:
    """Build one body from the row's cells (aligned with ``cs.names``) and list its problems."""
    body: dict[Any, Any] = {}
    problems: list[Problem] = []
    wholes: set[int] = set()  # ids of values given whole where other columns fill in parts
    holes = 0  # list slots skipped so far; a later column may still fill them
    reading = cs.reading
    for index, ((name, steps, last, kind, guarded, whole), raw) in enumerate(
        zip(cs.rows, values, strict=True)
    ):
        if keep_blank and type(raw) is str and not raw:
            value: Any = ""
        else:
            value = normalize_cell(raw)
            if value is MISSING:
                continue
        if last is None:
            problems.append(_unplaceable(cs, values, index, body))
            continue
        if kind is not None and type(value) is str:
            value, message = _parse_json(value, kind, reading)
            if message is not None:
                problems.append((str(name), message))
                continue
        node: Any = body
        for key, make in steps:
            if type(key) is int:  # node is a list: lists are built in place, holes marked
                size = len(node)
                if key < size:
                    child = node[key]
                    if child is _HOLE:
                        child = node[key] = make()
                        holes -= 1
                    elif type(child) is not make or (guarded and id(child) in wholes):
                        break
                else:
                    if key > size:
                        node.extend([_HOLE] * (key - size))
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
                    placed = node[last] is _HOLE
                    if placed:
                        node[last] = value
                        holes -= 1
                else:
                    if last > size:
                        node.extend([_HOLE] * (last - size))
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
        problems.append(_conflict(cs, values, index))
    if holes:
        _close_holes(body, (), cs, values, problems)
    return body, problems


def _conflict(cs: ColumnSet, values: Sequence[Any], index: int) -> Problem:
    # Slow path: the column at `index` could not be placed. Name what is in its way.
    path = cs.paths[index]
    assert path is not None
    other, common = _set_column(cs, values, path, index)
    return (
        str(cs.names[index]),
        f"conflicts with column {other}: {format_path(path[: max(common, 1)])} is given "
        "twice, or both whole and in parts; keep one of them",
    )


def _unplaceable(cs: ColumnSet, values: Sequence[Any], index: int, body: dict) -> Problem:
    # Slow path: a malformed column name, or an index too far for the frame to fill.
    name, path = cs.names[index], cs.paths[index]
    if path is None:
        return (str(name), cs.errors[name])
    k = next(k for k, p in enumerate(path) if isinstance(p, int) and p >= len(cs.names))
    node: Any = body
    for part in path[:k]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = []
            break
    items = node if type(node) is list else []
    return _hole_problem(
        cs, values, path[: k + 1], items.index(_HOLE) if _HOLE in items else len(items)
    )


def _hole_problem(cs: ColumnSet, values: Sequence[Any], here: Path, empty_index: int) -> Problem:
    # `here` is a list item that is set while the item at `empty_index` before it is empty.
    column = next(
        (
            str(cs.names[i])
            for i, other in enumerate(cs.paths)
            if other is not None
            and other[: len(here)] == here
            and normalize_cell(values[i]) is not MISSING
        ),
        format_path(here),
    )
    empty = format_path((*here[:-1], empty_index))
    return (
        column,
        f"{format_path(here)} is set but {empty} is empty; lists are sent whole, so a list "
        f"cannot have holes: fill {empty} or number the items from [0]",
    )


def _close_holes(
    node: Any, path: Path, cs: ColumnSet, values: Sequence[Any], problems: list[Problem]
) -> None:
    # Slow path, only for a row with a hole: report each list with one, then drop the holes.
    if type(node) is dict:
        for key, item in node.items():
            if type(item) is dict or type(item) is list:
                _close_holes(item, (*path, key), cs, values, problems)
    elif type(node) is list:
        if _HOLE in node:
            first = node.index(_HOLE)
            after = next(i for i in range(first, len(node)) if node[i] is not _HOLE)
            problems.append(_hole_problem(cs, values, (*path, after), first))
            node[:] = [item for item in node if item is not _HOLE]
        for index, item in enumerate(node):
            if type(item) is dict or type(item) is list:
                _close_holes(item, (*path, index), cs, values, problems)


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

    Parameters
    ----------
    df : pandas.DataFrame
        A frame from :func:`flatten_events` or :func:`~truto_frame.read_events`, or one read
        back from its CSV.

    Returns
    -------
    list of dict
        One event per row, in frame order.

    A column name that is not a path (``tags[a]``) becomes one key spelled as is.

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
    if kind in _PLAIN or (kind is not list and kind is not tuple and kind is not dict):
        if kind in _PLAIN or not isinstance(value, Mapping):
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
