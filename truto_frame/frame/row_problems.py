"""Why a row's cells cannot be put together: conflicts, holes in lists, unplaceable columns.

The slow path of :mod:`truto_frame.frame.flatten`: it runs only for a row with a problem, and each
problem is a ``(column, message)`` pair naming the column to fix, spelled as in the frame.
While a body is built, a list slot that no column has set yet holds :data:`HOLE`;
:func:`close_holes` reports and drops what is left of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model.sentinels import MISSING
from .cells import normalize_cell
from .columns import ColumnSet, Path, format_path

__all__ = [
    "HOLE",
    "Problem",
    "close_holes",
    "conflict_problem",
    "unplaceable_problem",
    "validation_message",
]

Problem = tuple[str, str]
"""A problem of one row: the column to fix, spelled as in the frame, and what is wrong."""


class _Hole:
    """Type of :data:`HOLE`: a list slot that no column of the row has set (yet)."""

    def __repr__(self) -> str:
        return "<hole>"


HOLE = _Hole()
"""Marks a list slot that no column of the row has set (yet) while a body is built."""


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


def conflict_problem(cs: ColumnSet, values: Sequence[Any], index: int) -> Problem:
    """Say why the column at ``index`` could not be placed: another column is in its way.

    Parameters
    ----------
    cs : ColumnSet
        The row's compiled columns.
    values : sequence
        The row's raw cells, aligned with ``cs.names``.
    index : int
        The column that could not be placed.

    Returns
    -------
    (column, message)
        Names the set column that shares most of its path (a duplicate, or a whole value
        where this column fills in a part).
    """
    # Slow path: the column at `index` could not be placed. Name what is in its way.
    path = cs.paths[index]
    assert path is not None
    other, common = _set_column(cs, values, path, index)
    other_path = next((p for n, p in zip(cs.names, cs.paths, strict=True) if n == other), None)
    whole = (
        path[:common]
        if other_path is not None
        and common in (len(path), len(other_path))
        and len(path) != len(other_path)
        else None
    )
    if whole:
        # One column holds the whole value (or NULL), the other a part: say which to empty.
        name = format_path(whole)
        nxt = _next_key(other_path, path, common)
        parts = f"{name}[i].*" if isinstance(nxt, int) else f"{name}.*"
        return (
            str(cs.names[index]),
            f"conflicts with column {other}: {name} is given both whole and in parts; "
            f"empty the {parts} columns or the {name} cell",
        )
    return (
        str(cs.names[index]),
        f"conflicts with column {other}: {format_path(path[: max(common, 1)])} is given "
        "twice, or both whole and in parts; keep one of them",
    )


def _next_key(a: Path | None, b: Path, common: int) -> str | int | None:
    # The key right after the shared prefix, in whichever path is longer.
    longer = b if a is None or len(b) > len(a) else a
    return longer[common] if common < len(longer) else None


def unplaceable_problem(cs: ColumnSet, values: Sequence[Any], index: int, body: dict) -> Problem:
    """Say why the column at ``index`` has no place: a malformed name, or an index too far.

    Parameters
    ----------
    cs : ColumnSet
        The row's compiled columns.
    values : sequence
        The row's raw cells, aligned with ``cs.names``.
    index : int
        A column without a last key in ``cs.rows``.
    body : dict
        The body built so far, to find the first empty item before the index.

    Returns
    -------
    (column, message)
        The parse error of the name, or the hole the index leaves in its list.
    """
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
        cs, values, path[: k + 1], items.index(HOLE) if HOLE in items else len(items)
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


def close_holes(
    node: Any, path: Path, cs: ColumnSet, values: Sequence[Any], problems: list[Problem]
) -> None:
    """Report each list that still has a hole, then drop the holes, in place.

    Parameters
    ----------
    node : Any
        The body (or a value inside it) being built.
    path : tuple of str and int
        Where ``node`` sits in the body; ``()`` for the body.
    cs : ColumnSet
        The row's compiled columns.
    values : sequence
        The row's raw cells, aligned with ``cs.names``.
    problems : list of (column, message)
        Appended to: one problem per list with a hole, naming the first item set after it.
    """
    # Slow path, only for a row with a hole: report each list with one, then drop the holes.
    if type(node) is dict:
        for key, item in node.items():
            if type(item) is dict or type(item) is list:
                close_holes(item, (*path, key), cs, values, problems)
    elif type(node) is list:
        if HOLE in node:
            first = node.index(HOLE)
            after = next(i for i in range(first, len(node)) if node[i] is not HOLE)
            problems.append(_hole_problem(cs, values, (*path, after), first))
            node[:] = [item for item in node if item is not HOLE]
        for index, item in enumerate(node):
            if type(item) is dict or type(item) is list:
                close_holes(item, (*path, index), cs, values, problems)


_SHOWN = 60  # characters of a refused value quoted back in a message


def validation_message(error: Mapping[str, Any]) -> str:
    """Say what is wrong with a value the schema refused, in the user's terms.

    Parameters
    ----------
    error : mapping
        One item of pydantic's ``ValidationError.errors()``.

    Returns
    -------
    str
        The schema's own message without pydantic's ``"Value error, "`` prefix (our validators
        already say what to write), and for a refused choice or type the value that was given:
        ``'done' is not allowed: use 'confirmed', 'tentative', 'cancelled' or 'draft'``.
    """
    message = str(error.get("msg", ""))
    kind = error.get("type")
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    given = error.get("input")
    if isinstance(given, (dict, list)) or given is None:
        return message
    shown = repr(given) if len(repr(given)) <= _SHOWN else repr(given)[:_SHOWN] + "…"
    if kind in ("literal_error", "enum") and message.startswith("Input should be "):
        return f"{shown} is not allowed: use {message.removeprefix('Input should be ')}"
    if kind == "bool_parsing":
        return f"{shown} is not true or false: write true or false"
    return f"{message} (got {shown})"
